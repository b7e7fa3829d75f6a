/**
 * Compact rendering of parsed JSON: values verbatim from the source, separators in the input's own
 * style (`"key":value` for compact input, `"key": value` for pretty input) so that key/value pairs
 * read exactly as in the original. Iterative, so any nesting depth renders without recursion.
 */
import { T, type JNode } from './parse';

export interface Style {
  colon: string;
  comma: string;
}

export const COMPACT: Style = { colon: ':', comma: ',' };
export const SPACED: Style = { colon: ': ', comma: ', ' };

/** The input's separator style, from the first `"key":` of the first object. */
export function detectStyle(src: string, root: JNode): Style {
  let n: JNode | undefined = root;
  for (let d = 0; n && d < 64; d++) {
    if (n.t === T.Obj) {
      if (n.keys.length === 0) return COMPACT;
      const v = n.vals[0];
      // The separator sits just before the first value.
      return src.charCodeAt(v.s - 1) === 0x3a ? COMPACT : SPACED;
    }
    n = n.t === T.Arr ? n.items[0] : undefined;
  }
  return COMPACT;
}

/** How a string literal is written out; the default is its raw source. */
export type StrFn = (node: JNode) => string;

/** Renders a node on one line. `strFn` may shorten long strings. */
export function compact(src: string, root: JNode, style: Style, strFn?: StrFn): string {
  const out: string[] = [];
  const stack: Array<{ n: JNode; i: number }> = [{ n: root, i: -1 }];
  while (stack.length) {
    const f = stack[stack.length - 1];
    const n = f.n;
    if (n.t === T.Obj) {
      if (f.i === -1) out.push('{');
      f.i++;
      if (f.i >= n.keys.length) {
        out.push('}');
        stack.pop();
        continue;
      }
      if (f.i > 0) out.push(style.comma);
      out.push(keyLiteral(n.keys[f.i]), style.colon);
      stack.push({ n: n.vals[f.i], i: -1 });
      continue;
    }
    if (n.t === T.Arr) {
      if (f.i === -1) out.push('[');
      f.i++;
      if (f.i >= n.items.length) {
        out.push(']');
        stack.pop();
        continue;
      }
      if (f.i > 0) out.push(style.comma);
      stack.push({ n: n.items[f.i], i: -1 });
      continue;
    }
    out.push(n.t === T.Str && strFn ? strFn(n) : src.slice(n.s, n.e));
    stack.pop();
  }
  return out.join('');
}

/** Whitespace-free canonical text of a node: equal values give equal signatures. */
export function signature(src: string, n: JNode): string {
  if (n.t !== T.Obj && n.t !== T.Arr) return src.slice(n.s, n.e);
  return compact(src, n, COMPACT);
}

const keyLiterals = new Map<string, string>();
const KEY_LITERALS_MAX = 4096;

/** A key as written in output: its JSON literal (rows repeat their keys, so literals are reused). */
export function keyLiteral(key: string): string {
  let lit = keyLiterals.get(key);
  if (lit === undefined) {
    if (keyLiterals.size >= KEY_LITERALS_MAX) keyLiterals.clear();
    keyLiterals.set(key, (lit = JSON.stringify(key)));
  }
  return lit;
}

/**
 * Cuts a raw string literal to its first `head` and last `tail` characters (of the literal's
 * source, never inside an escape), joined by `middle`. Cuts prefer whitespace near the limit.
 */
export function cutLiteral(raw: string, head: number, tail: number, middle: string): string {
  const inner = raw.slice(1, -1);
  let h = safeCut(inner, head, true);
  let t = tail > 0 ? safeCut(inner, inner.length - tail, false) : inner.length;
  if (t < h) t = h;
  h = preferSpace(inner, h, true);
  if (tail > 0) t = preferSpace(inner, t, false);
  return '"' + inner.slice(0, h) + middle + inner.slice(t) + '"';
}

/** Moves a cut position off an escape sequence (backwards for a head cut, forwards for a tail cut). */
function safeCut(s: string, pos: number, head: boolean): number {
  pos = Math.max(0, Math.min(s.length, pos));
  // Find the start of the escape (if any) that covers pos.
  for (let k = Math.max(0, pos - 6); k < pos; k++) {
    if (s.charCodeAt(k) !== 92) continue;
    let bs = 1;
    while (k - bs >= 0 && s.charCodeAt(k - bs) === 92) bs++;
    if (bs % 2 === 0) continue;
    const len = s.charCodeAt(k + 1) === 0x75 /* u */ ? 6 : 2;
    if (k + len > pos) return head ? k : k + len;
    k += len - 1;
  }
  // Do not split a surrogate pair.
  const c = s.charCodeAt(pos - 1);
  if (pos > 0 && pos < s.length && c >= 0xd800 && c <= 0xdbff) return head ? pos - 1 : pos + 1;
  return pos;
}

/** Within 24 characters, cut after a space (head) or before one (tail) for readability. */
function preferSpace(s: string, pos: number, head: boolean): number {
  if (head) {
    for (let k = pos; k > Math.max(0, pos - 24); k--) if (s.charCodeAt(k - 1) === 32) return k;
  } else {
    for (let k = pos; k < Math.min(s.length, pos + 24); k++) if (s.charCodeAt(k) === 32) return k;
  }
  return pos;
}
