import { renderSelection, type Ctx } from '../context';
import { body, splitLines } from '../lines';
import type { Compressed } from './types';

/** Minimum run of identical lines worth folding into a marker. */
const MIN_RUN = 3;

/**
 * The fallback for any kind: folds runs of identical lines into the first line of the run plus a
 * marker naming the stored run. Lossless in information (the count is stated), exact on retrieval.
 */
export function foldRepeats(text: string, ctx: Ctx): Compressed | null {
  const lines = splitLines(text);
  const keep = new Uint8Array(lines.length).fill(1);
  let folded = 0;
  for (let i = 0; i < lines.length; ) {
    let j = i + 1;
    const b = body(lines[i]);
    while (j < lines.length && body(lines[j]) === b) j++;
    if (j - i >= MIN_RUN && b.trim() !== '') {
      for (let k = i + 1; k < j; k++) keep[k] = 0;
      folded += j - i - 1;
    }
    i = j;
    if ((i & 4095) === 0) ctx.checkDeadline();
  }
  if (folded === 0) return null;
  return { text: renderSelection(lines, keep, ctx, { unit: 'identical lines' }), strategy: 'fold-repeats' };
}
