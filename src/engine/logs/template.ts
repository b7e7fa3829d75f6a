/**
 * Line templates: a log line reduced to its constant words, with variable parts masked.
 * A word (run of letters, digits, `_ . : -`) is variable when it holds a digit (numbers, ids,
 * addresses, hex, versions, paths with numbers, times) or is a month or weekday name. Runs of
 * whitespace-separated purely variable words collapse into one, so lists of numbers of different
 * lengths share a template.
 */

/** Placeholder for a masked word inside a key. */
export const VAR = '\u0001';
/** Placeholder for a position generalised when similar templates were merged. */
export const WILD = '\u0002';

/** Only the start of a line decides its template: bounded work on huge lines. */
const KEY_PREFIX_CHARS = 320;

const NAMES = new Set(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
  'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);

const WORD = /[\w.:\-]+/g;
const DIGIT = /\d/;

function maskWord(w: string): string {
  return DIGIT.test(w) || NAMES.has(w) ? VAR : w;
}

/** A word made only of masked parts and punctuation, e.g. `[\u0001]`, `\u0001,`. */
function isPureVar(tok: string): boolean {
  let sawVar = false;
  for (let i = 0; i < tok.length; i++) {
    const c = tok.charCodeAt(i);
    if (c === 1) sawVar = true;
    else if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127) return false;
  }
  return sawVar;
}

/** The template key of a line: masked words joined by single spaces. */
export function templateKey(line: string): string {
  const head = line.length > KEY_PREFIX_CHARS ? line.slice(0, KEY_PREFIX_CHARS) : line;
  const masked = head.replace(WORD, maskWord);
  const out: string[] = [];
  let prevVar = false;
  for (const tok of masked.split(/\s+/)) {
    if (tok === '') continue;
    const pure = isPureVar(tok);
    if (pure && prevVar) continue;
    out.push(pure ? VAR : tok);
    prevVar = pure;
  }
  return out.join(' ');
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
