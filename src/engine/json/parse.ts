/**
 * An iterative JSON parser that keeps source offsets instead of values. Every node knows the exact
 * bytes it came from, so kept values are re-emitted verbatim (numbers as written, string escapes as
 * written) and dropped parts are stored exactly. No recursion: 10,000-deep input parses fine.
 */

export const enum T {
  Obj = 0,
  Arr = 1,
  Str = 2,
  Num = 3,
  /** true, false, null */
  Lit = 4,
}

export interface JObj {
  t: T.Obj;
  s: number;
  e: number;
  keys: string[];
  vals: JNode[];
}
export interface JArr {
  t: T.Arr;
  s: number;
  e: number;
  items: JNode[];
}
export interface JScalar {
  t: T.Str | T.Num | T.Lit;
  s: number;
  e: number;
}
export type JNode = JObj | JArr | JScalar;

export class JsonSyntaxError extends Error {}

const WS = new Uint8Array(128);
WS[0x20] = WS[0x09] = WS[0x0a] = WS[0x0d] = 1;

function skipWs(src: string, i: number): number {
  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (c < 128 && WS[c]) i++;
    else break;
  }
  return i;
}

/** Index just past the closing quote of the string starting at `i` (which is a quote). */
function endOfString(src: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = src.indexOf('"', j);
    if (q < 0) throw new JsonSyntaxError('unterminated string');
    let bs = 0;
    for (let k = q - 1; k > i && src.charCodeAt(k) === 92; k--) bs++;
    if (bs % 2 === 0) return q + 1;
    j = q + 1;
  }
}

const NUM_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Decodes a string literal given its raw source (with quotes). */
export function decodeString(raw: string): string {
  if (raw.indexOf('\\') < 0) return raw.slice(1, -1);
  return JSON.parse(raw) as string;
}

/**
 * Parses one JSON value spanning src[from, to) (surrounding whitespace allowed). Throws
 * JsonSyntaxError on malformed input. `tick` is called every few thousand values (deadline checks).
 */
export function parseJson(src: string, from = 0, to = src.length, tick?: () => void): JNode {
  const stack: Array<JObj | JArr> = [];
  let pendingKey: string | null = null;
  let root: JNode | null = null;
  let i = skipWs(src, from);
  let count = 0;

  const attach = (node: JNode): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (root) throw new JsonSyntaxError('trailing value');
      root = node;
    } else if (top.t === T.Obj) {
      if (pendingKey === null) throw new JsonSyntaxError('value without key');
      top.keys.push(pendingKey);
      top.vals.push(node);
      pendingKey = null;
    } else {
      top.items.push(node);
    }
  };

  // After a value inside a container: expect ',' or the closing bracket.
  const afterValue = (): void => {
    i = skipWs(src, i);
    const top = stack[stack.length - 1];
    if (!top) return;
    const c = src.charCodeAt(i);
    if (c === 44 /* , */) {
      i = skipWs(src, i + 1);
      if (top.t === T.Obj) readKey();
      return;
    }
    if ((top.t === T.Obj && c === 125) || (top.t === T.Arr && c === 93)) return;
    throw new JsonSyntaxError(`unexpected character at ${i}`);
  };

  const readKey = (): void => {
    if (src.charCodeAt(i) !== 34) throw new JsonSyntaxError(`expected key at ${i}`);
    const e = endOfString(src, i);
    pendingKey = decodeString(src.slice(i, e));
    i = skipWs(src, e);
    if (src.charCodeAt(i) !== 58 /* : */) throw new JsonSyntaxError(`expected ':' at ${i}`);
    i = skipWs(src, i + 1);
  };

  while (i < to) {
    if ((++count & 8191) === 0) tick?.();
    const c = src.charCodeAt(i);
    if (c === 123 /* { */ || c === 91 /* [ */) {
      const node: JObj | JArr = c === 123 ? { t: T.Obj, s: i, e: -1, keys: [], vals: [] } : { t: T.Arr, s: i, e: -1, items: [] };
      attach(node);
      stack.push(node);
      i = skipWs(src, i + 1);
      const close = c === 123 ? 125 : 93;
      if (src.charCodeAt(i) === close) continue;
      if (c === 123) readKey();
      continue;
    }
    if (c === 125 || c === 93) {
      const top = stack.pop();
      if (!top || (c === 125) !== (top.t === T.Obj)) throw new JsonSyntaxError(`unbalanced bracket at ${i}`);
      if (pendingKey !== null) throw new JsonSyntaxError(`key without value at ${i}`);
      top.e = i + 1;
      i++;
      afterValue();
      if (stack.length === 0) break;
      continue;
    }
    let e: number;
    let t: T.Str | T.Num | T.Lit;
    if (c === 34) {
      e = endOfString(src, i);
      t = T.Str;
    } else if (src.startsWith('true', i)) {
      e = i + 4;
      t = T.Lit;
    } else if (src.startsWith('false', i)) {
      e = i + 5;
      t = T.Lit;
    } else if (src.startsWith('null', i)) {
      e = i + 4;
      t = T.Lit;
    } else {
      NUM_RE.lastIndex = i;
      if (!NUM_RE.test(src)) throw new JsonSyntaxError(`unexpected character at ${i}`);
      e = NUM_RE.lastIndex;
      t = T.Num;
    }
    attach({ t, s: i, e });
    i = e;
    afterValue();
    if (stack.length === 0) break;
  }
  if (stack.length > 0 || !root) throw new JsonSyntaxError('unexpected end of input');
  if ((root as JNode).e > to) throw new JsonSyntaxError('value runs past its end');
  if (skipWs(src, i) < to) throw new JsonSyntaxError('trailing characters');
  return root;
}

/** Documents up to this size that detection parsed are kept for the compressor (one at a time). */
const REUSE_MAX_CHARS = 1 << 20;
let lastParsed: { src: string; root: JNode } | null = null;

/**
 * Whether `src` is one JSON document, parsed the way the JSON compressor needs it; detection asks
 * first, and the compressor takes the tree instead of parsing the same text again.
 */
export function isJsonDocument(src: string): boolean {
  try {
    const root = parseJson(src);
    lastParsed = src.length <= REUSE_MAX_CHARS ? { src, root } : null;
    return true;
  } catch (e) {
    if (e instanceof JsonSyntaxError) return false;
    throw e;
  }
}

/** The tree of `src`: the one detection just parsed, else parsed now. */
export function takeParsed(src: string, tick?: () => void): JNode {
  const last = lastParsed;
  lastParsed = null;
  return last !== null && last.src === src ? last.root : parseJson(src, 0, src.length, tick);
}

/** A JSON Lines document: each non-blank line one value, with the line's offsets. */
export interface JsonLine {
  node: JNode;
  /** Offsets of the whole line including its terminator. */
  ls: number;
  le: number;
}

export function parseJsonLines(src: string, tick?: () => void): JsonLine[] | null {
  const out: JsonLine[] = [];
  let start = 0;
  while (start < src.length) {
    let nl = src.indexOf('\n', start);
    const le = nl < 0 ? src.length : nl + 1;
    if (nl < 0) nl = src.length;
    const line = src.slice(start, nl);
    if (line.trim() !== '') {
      const first = skipWs(src, start);
      const ch = src.charCodeAt(first);
      if (ch !== 123 && ch !== 91) return null;
      try {
        out.push({ node: parseJson(src, start, nl, tick), ls: start, le });
      } catch (e) {
        if (e instanceof JsonSyntaxError) return null;
        throw e;
      }
    }
    start = le;
  }
  return out.length >= 2 ? out : null;
}
