/** A failure or diagnostic is a header line plus the detail lines that belong to it. */
import { body, indentOf } from '../lines';
import { CONTINUATION, DUMP_START, type LineRole } from './classify';

/** Roles that end any block: the next test, suite or summary has started. */
const ENDS_BLOCK = new Set<LineRole>(['pass', 'skip', 'suite', 'summary']);

function width(indent: string): number {
  let w = 0;
  for (const c of indent) w += c === '\t' ? 4 : 1;
  return w;
}

export function indentWidth(line: string): number {
  return width(indentOf(body(line)));
}

/**
 * The end (exclusive) of the block starting at header `i`: following lines indented deeper than
 * the header or continuing it (snippets, stack frames); blank lines only inside such a run. Go
 * panics and goroutine dumps run to the next blank line. Bounded by `limit` lines.
 */
export function blockEnd(lines: readonly string[], roles: readonly LineRole[], i: number, limit = 2000): number {
  const n = Math.min(lines.length, i + limit);
  const h = indentWidth(lines[i]);
  const dump = DUMP_START.test(body(lines[i]));
  let j = i + 1;
  while (j < n) {
    if (roles[j] === 'blank') {
      if (dump) break;
      let k = j + 1;
      while (k < n && roles[k] === 'blank') k++;
      if (k < n && !ENDS_BLOCK.has(roles[k]) && (indentWidth(lines[k]) > h || CONTINUATION.test(body(lines[k])))) {
        j = k;
        continue;
      }
      break;
    }
    if (ENDS_BLOCK.has(roles[j])) break;
    if (dump || indentWidth(lines[j]) > h || CONTINUATION.test(body(lines[j]))) {
      j++;
      continue;
    }
    break;
  }
  return j;
}

const FRAME_LOCATION = /[\w.-]+\.\w+:\d+/;
const LIBRARY_FRAME = /node_modules|node:internal|<anonymous>|site-packages|\/usr\/lib|\/rustc\/|\/go\/src\/runtime|\/pkg\/mod\//;

/**
 * Marks a block's lines kept. A very long block keeps its head, the frames that point into the
 * project's own files (not libraries or the runtime) and its last line.
 */
export function keepBlock(lines: readonly string[], keep: Uint8Array, start: number, end: number, head = 40): void {
  if (end - start <= head + 10) {
    for (let k = start; k < end; k++) keep[k] = 1;
    return;
  }
  for (let k = start; k < start + head; k++) keep[k] = 1;
  let frames = 0;
  for (let k = start + head; k < end && frames < 10; k++) {
    const b = body(lines[k]);
    if (FRAME_LOCATION.test(b) && !LIBRARY_FRAME.test(b)) {
      keep[k] = 1;
      frames++;
    }
  }
  keep[end - 1] = 1;
}

/** Keeps the enclosing lines (less indented, above) of a kept line: its suite, file header or test. */
export function keepAncestors(lines: readonly string[], roles: readonly LineRole[], keep: Uint8Array, i: number, lookBack = 300): void {
  let target = indentWidth(lines[i]);
  for (let k = i - 1; k >= 0 && k >= i - lookBack && target > 0; k--) {
    if (roles[k] === 'blank') continue;
    const w = indentWidth(lines[k]);
    if (w < target) {
      if (roles[k] !== 'pass' && roles[k] !== 'skip' && roles[k] !== 'progress') keep[k] = 1;
      target = w;
    }
  }
}
