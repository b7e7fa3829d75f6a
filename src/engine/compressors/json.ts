/**
 * JSON (objects, arrays, JSON Lines): lossless re-encoding first (see json/view.ts); lossy
 * selection only when the lossless view is still larger than the budget.
 */
import type { Ctx } from '../context';
import { JsonSyntaxError, parseJsonLines, T, takeParsed } from '../json/parse';
import { detectStyle } from '../json/render';
import { JsonView, OverBudget } from '../json/view';
import type { Compressor } from './types';

/** Output size the lossy view aims at: 8% of the input, at least 6,000 and at most 80,000 characters. */
export function jsonBudget(chars: number): number {
  return Math.min(80_000, Math.max(6000, Math.round(chars * 0.08)));
}

export const compressJson: Compressor = (text: string, ctx: Ctx) => {
  const tick = () => ctx.checkDeadline();
  let root;
  try {
    root = takeParsed(text, tick);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const lines = parseJsonLines(text, tick);
    if (!lines) return null;
    const style = detectStyle(text, lines[0].node);
    const budget = jsonBudget(text.length);
    const lossless = withinBudget(() => new JsonView(text, style, ctx, { lossy: false, budget }).renderLines(lines));
    if (lossless !== null && lossless.length <= budget) return { text: lossless, strategy: 'jsonl-table' };
    return { text: new JsonView(text, style, ctx, { lossy: true, budget }).renderLines(lines), strategy: 'jsonl-table-lossy' };
  }
  if (root.t !== T.Obj && root.t !== T.Arr) return null;
  const style = detectStyle(text, root);
  const budget = jsonBudget(text.length);
  const eol = text.endsWith('\n') ? '\n' : '';
  if (!clearlyOverBudget(text, budget)) {
    const lossless = withinBudget(() => new JsonView(text, style, ctx, { lossy: false, budget }).render(root) + eol);
    if (lossless !== null && lossless.length <= budget) return { text: lossless, strategy: 'json-table' };
  }
  return { text: new JsonView(text, style, ctx, { lossy: true, budget }).render(root) + eol, strategy: 'json-table-lossy' };
};

/** The lossless rendering, or null when it stopped because it could not fit the budget. */
function withinBudget(render: () => string): string | null {
  try {
    return render();
  } catch (e) {
    if (e instanceof OverBudget) return null;
    throw e;
  }
}

/** True when even without any whitespace the input is far over budget (skip the lossless try). */
function clearlyOverBudget(text: string, budget: number): boolean {
  const limit = budget * 2.5;
  if (text.length <= limit) return false;
  // Counts characters that are not whitespace, stopping as soon as there are enough.
  let chars = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9 && ++chars > limit) return true;
  }
  return false;
}
