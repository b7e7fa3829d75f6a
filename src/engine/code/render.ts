/** Writes the compressed code: kept lines verbatim, each elided region as one marker line. */
import type { Ctx } from '../context';
import { eol } from '../lines';
import type { Region } from './units';
import { regionText, regionTokens } from './select';

/**
 * `…120-161 hash=…`: the 1-based original lines the marker stands for and the hash of their
 * exact bytes. Kept short on purpose: the hash alone is ~15 tokens, every other word is overhead
 * (a space between `…` and a number is a token of its own in cl100k and o200k).
 */
export function elisionMarker(first: number, last: number, hash: string, sameAs?: { first: number; last: number }): string {
  const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
  const repeats = sameAs ? ` same as ${range(sameAs.first, sameAs.last)}` : '';
  return `…${range(first, last)}${repeats} hash=${hash}`;
}

/** Rough token cost of one marker line; a region must be clearly dearer to be elided. */
export const MARKER_TOKENS = 22;

/** Whether eliding a region saves enough to be worth a marker. */
export function worthEliding(lines: readonly string[], r: Region): boolean {
  return regionTokens(lines, r) > MARKER_TOKENS + 6;
}

/** Regions may come from the lines without their line-number gutter; what is stored and kept is `lines`. */
export function renderCode(lines: readonly string[], regions: Region[], ctx: Ctx): string {
  const sorted = [...regions].sort((a, b) => a.start - b.start);
  const out: string[] = [];
  let next = 0;
  for (const r of sorted) {
    if (r.start < next || r.end < r.start) continue; // overlapping or empty: keep the lines instead
    for (let i = next; i < r.start; i++) out.push(lines[i]);
    const text = regionText(lines, r);
    const hash = ctx.store(text, 'code');
    const lastEol = eol(lines[r.end]) || (r.end + 1 < lines.length ? '\n' : '');
    out.push(r.indent + r.prefix + elisionMarker(r.start + 1, r.end + 1, hash, r.sameAs && { first: r.sameAs.start + 1, last: r.sameAs.end + 1 }) + r.suffix + lastEol);
    next = r.end + 1;
  }
  for (let i = next; i < lines.length; i++) out.push(lines[i]);
  return out.join('');
}
