/**
 * Line templates: a log line reduced to its constant words, with variable parts masked.
 * A word (run of letters, digits, `_ . : -`) is variable when it holds a digit (numbers, ids,
 * addresses, hex, versions, paths with numbers, times) or is a month or weekday name. Runs of
 * whitespace-separated purely variable words collapse into one, so lists of numbers of different
 * lengths share a template (the first of such a run keeps its punctuation, for display).
 */

/** Placeholder for a masked word inside a key. */
export const VAR = '\u0001';
/** Placeholder for a position generalised when similar templates were merged. */
export const WILD = '\u0002';

/** Only the start of a line decides its template: bounded work on huge lines. */
const KEY_PREFIX_CHARS = 320;

const NAMES = new Set(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
  'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);

/** Word characters: letters, digits and `_ . : -` (so `10.0.0.1:80` and `blk_-42` are one word). */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;
}

/**
 * The template key of a line: masked words, whitespace-separated tokens joined by single spaces.
 * A hand-written scanner: this runs once per log line and dominates the miner's time.
 */
export function templateKey(line: string): string {
  const n = line.length > KEY_PREFIX_CHARS ? KEY_PREFIX_CHARS : line.length;
  let out = '';
  let prevPureVar = false;
  let prevQuoted = false;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    // Find the token [start, end) and whether any word in it must be masked.
    const start = i;
    let masked = false;
    let wordStart = -1;
    for (; i < n; i++) {
      const c = line.charCodeAt(i);
      if (isSpace(c)) break;
      if (c >= 48 && c <= 57) masked = true;
      if (isWordChar(c)) {
        if (wordStart < 0) wordStart = i;
      } else {
        if (wordStart >= 0 && i - wordStart === 3 && NAMES.has(line.slice(wordStart, i))) masked = true;
        wordStart = -1;
      }
    }
    if (wordStart >= 0 && i - wordStart === 3 && NAMES.has(line.slice(wordStart, i))) masked = true;
    let tok: string;
    let pure = false;
    if (!masked) tok = line.slice(start, i);
    else [tok, pure] = maskToken(line, start, i, out === '', prevQuoted);
    if (!(pure && prevPureVar)) out += (out === '' ? '' : ' ') + tok;
    prevPureVar = pure;
    prevQuoted = line.charCodeAt(i - 1) === 34;
  }
  return out;
}

/** Masks the variable words of the token [start, end); says whether nothing constant is left. */
function maskToken(line: string, start: number, end: number, first: boolean, prevQuoted: boolean): [string, boolean] {
  let tok = '';
  let tokVar = false;
  let tokConst = false;
  let i = start;
  while (i < end) {
    const c = line.charCodeAt(i);
    if (!isWordChar(c)) {
      tok += line[i];
      if (c > 127) tokConst = true;
      i++;
      continue;
    }
    let j = i;
    let digit = false;
    let letter = false;
    for (; j < end; j++) {
      const d = line.charCodeAt(j);
      if (!isWordChar(d)) break;
      if (d >= 48 && d <= 57) digit = true;
      else if (d >= 65 || d === 95) letter = true;
    }
    if (digit && !letter && j - i === 3 && i === start && j === end && prevQuoted) {
      // An HTTP status after a quoted request line: its class tells events apart (5xx vs 2xx).
      tok += line[i] + 'xx';
      tokConst = true;
    } else if (digit && first && i === 0 && j === 5 && isLevelLetter(c)) {
      // glog/klog `E0101`: the level letter is constant, the date is not.
      tok += line[i] + VAR;
      tokVar = true;
      tokConst = true;
    } else if (digit || (j - i === 3 && NAMES.has(line.slice(i, j)))) {
      tok += VAR;
      tokVar = true;
    } else {
      tok += line.slice(i, j);
      if (letter) tokConst = true;
    }
    i = j;
  }
  return [tok, tokVar && !tokConst];
}

function isLevelLetter(c: number): boolean {
  return c === 73 || c === 87 || c === 69 || c === 70; // I W E F
}

/** HTTP error classes in a template key (see templateKey). */
export const HTTP_ERROR_KEY = /(?:^| )[45]xx(?: |$)/;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Constant words of a key (no masked part), used to index similar templates. */
export function isConstant(tok: string): boolean {
  return !tok.includes(VAR) && tok !== WILD && /[A-Za-z]/.test(tok);
}

/** Human-readable template: placeholders shown as `<*>`, leading placeholders (timestamps) dropped. */
export function displayTemplate(tokens: readonly string[], maxChars = 80): string {
  let i = 0;
  while (i < tokens.length - 1 && (tokens[i] === VAR || tokens[i] === WILD)) i++;
  let s = tokens.slice(i).join(' ').replace(/[\u0001\u0002]/g, '<*>');
  if (s.length > maxChars) s = s.slice(0, maxChars - 1) + '…';
  return s;
}
