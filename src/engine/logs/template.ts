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

/** Character classes for ASCII: word characters (letters, digits, `_ . : -`), digits, spaces. */
const WORD = 1;
const DIGIT = 2;
const SPACE = 4;
const UPPER = 8;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_.:\-]/.test(ch)) CLASS[c] |= WORD;
  if (/[0-9]/.test(ch)) CLASS[c] |= DIGIT;
  if (/[A-Z]/.test(ch)) CLASS[c] |= UPPER;
  if (c === 32 || (c >= 9 && c <= 13)) CLASS[c] |= SPACE;
}

function cls(c: number): number {
  return c < 128 ? CLASS[c] : 0;
}

/** Month and weekday names are three letters, capitalised. */
function isName(line: string, i: number, j: number): boolean {
  return j - i === 3 && (cls(line.charCodeAt(i)) & UPPER) !== 0 && NAMES.has(line.slice(i, j));
}

/**
 * The template key of a line: masked words, whitespace-separated tokens joined by single spaces.
 * Built only the first time a template is seen; every line is hashed with templateHash first.
 */
export function templateKey(line: string): string {
  scanTemplate(line, 0, line.length, true);
  return builtKey;
}

/**
 * A 53-bit hash of the template key of a line, computed without building any string: this runs
 * once per log line and dominates the miner's time.
 */
export function templateHash(line: string): number {
  return scanTemplate(line, 0, line.length, false);
}

/**
 * templateHash of the line src[from, to), read in place: the miner hashes lines inside the whole
 * (flat) text, which is faster to read than each line's own (sliced) string.
 */
export function templateHashAt(src: string, from: number, to: number): number {
  return scanTemplate(src, from, to, false);
}

let builtKey = '';

const P1 = 0x01000193;
const P2 = 0x5bd1e995;

/** Scans the template of line[from, to): hashes it, and with `build` also writes the key string to builtKey. */
function scanTemplate(line: string, from: number, to: number, build: boolean): number {
  const n = to - from > KEY_PREFIX_CHARS ? from + KEY_PREFIX_CHARS : to;
  let out = '';
  let h1 = 0x811c9dc5;
  let h2 = 0x2545f491;
  let first = true;
  let prevPureVar = false;
  let prevQuoted = false;
  let i = from;
  while (i < n) {
    while (i < n && cls(line.charCodeAt(i)) & SPACE) i++;
    if (i >= n) break;
    const start = i;
    let t1 = 0x811c9dc5;
    let t2 = 0x2545f491;
    let tok = '';
    let tokVar = false;
    let tokConst = false;
    while (i < n) {
      const c = line.charCodeAt(i);
      const k = cls(c);
      if (k & SPACE) break;
      if (!(k & WORD)) {
        t1 = Math.imul(t1 ^ c, P1);
        t2 = Math.imul(t2 ^ c, P2);
        if (build) tok += line[i];
        if (c > 127) tokConst = true;
        i++;
        continue;
      }
      // Scan the word, hashing it as constant text on the way (discarded if it is masked).
      let j = i;
      let digit = false;
      let letter = false;
      let w1 = t1;
      let w2 = t2;
      for (; j < n; j++) {
        const d = line.charCodeAt(j);
        const kd = cls(d);
        if (!(kd & WORD)) break;
        if (kd & DIGIT) digit = true;
        else if (d >= 65) letter = true;
        w1 = Math.imul(w1 ^ d, P1);
        w2 = Math.imul(w2 ^ d, P2);
      }
      const end = j < n && !(cls(line.charCodeAt(j)) & SPACE) ? -1 : j;
      if (digit && !letter && j - i === 3 && i === start && j === end && prevQuoted) {
        // An HTTP status after a quoted request line: its class tells events apart (5xx vs 2xx).
        t1 = Math.imul(Math.imul(Math.imul(t1 ^ c, P1) ^ 120, P1) ^ 120, P1);
        t2 = Math.imul(Math.imul(Math.imul(t2 ^ c, P2) ^ 120, P2) ^ 120, P2);
        if (build) tok += line[i] + 'xx';
        tokConst = true;
      } else if (digit && first && i === from && j === from + 5 && isLevelLetter(c)) {
        // glog/klog `E0101`: the level letter is constant, the date is not.
        t1 = Math.imul(Math.imul(t1 ^ c, P1) ^ 1, P1);
        t2 = Math.imul(Math.imul(t2 ^ c, P2) ^ 1, P2);
        if (build) tok += line[i] + VAR;
        tokVar = true;
        tokConst = true;
      } else if (digit || isName(line, i, j)) {
        t1 = Math.imul(t1 ^ 1, P1);
        t2 = Math.imul(t2 ^ 1, P2);
        if (build) tok += VAR;
        tokVar = true;
      } else {
        t1 = w1;
        t2 = w2;
        if (build) tok += line.slice(i, j);
        if (letter) tokConst = true;
      }
      i = j;
    }
    const pure = tokVar && !tokConst;
    if (!(pure && prevPureVar)) {
      h1 = Math.imul(Math.imul(h1 ^ 32, P1) ^ t1, P1);
      h2 = Math.imul(Math.imul(h2 ^ 32, P2) ^ t2, P2);
      if (build) out += first ? tok : ' ' + tok;
      first = false;
    }
    prevPureVar = pure;
    prevQuoted = line.charCodeAt(i - 1) === 34;
  }
  if (build) builtKey = out;
  return (h1 >>> 0) * 2097152 + ((h2 >>> 0) & 0x1fffff);
}

function isLevelLetter(c: number): boolean {
  return c === 73 || c === 87 || c === 69 || c === 70; // I W E F
}

/** HTTP error classes in a template key (see templateKey). */
export const HTTP_ERROR_KEY = /(?:^| )[45]xx(?: |$)/;


/** Constant words of a key (no masked part), used to index similar templates. */
export function isConstant(tok: string): boolean {
  return !tok.includes(VAR) && tok !== WILD && /[A-Za-z]/.test(tok);
}

/** Human-readable template: placeholders shown as `<*>`, leading masked tokens (timestamps, ids) dropped. */
export function displayTemplate(tokens: readonly string[], maxChars = 80): string {
  let i = 0;
  while (i < tokens.length - 1 && (tokens[i] === WILD || (tokens[i].includes(VAR) && !/[A-Za-z0-9]/.test(tokens[i])))) i++;
  let s = tokens.slice(i).join(' ').replace(/[\u0001\u0002]/g, '<*>');
  if (s.length > maxChars) s = s.slice(0, maxChars - 1) + '…';
  return s;
}
