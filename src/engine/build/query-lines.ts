/** Query matching that ignores terms present nearly everywhere (they do not tell lines apart). */
import type { Ctx } from '../context';
import { body } from '../lines';

/**
 * Indexes of lines that contain a discriminative query term: one that occurs in at most
 * `maxShare` of the lines (and at least once). At most `cap` lines, in order.
 */
export function rareQueryMatches(lines: readonly string[], ctx: Ctx, maxShare = 0.02, cap = 40): number[] {
  const terms = ctx.query.terms;
  if (terms.length === 0 || lines.length === 0) return [];
  const hits: number[][] = terms.map(() => []);
  const limit = Math.max(3, Math.floor(lines.length * maxShare));
  for (let i = 0; i < lines.length; i++) {
    const lower = body(lines[i]).slice(0, 2000).toLowerCase();
    for (let t = 0; t < terms.length; t++) {
      const h = hits[t];
      if (h.length <= limit && lower.includes(terms[t])) h.push(i);
    }
    if ((i & 4095) === 0) ctx.checkDeadline();
  }
  // A long question names many common words; one of them alone does not make a line relevant.
  const need = terms.length >= 6 ? 2 : 1;
  const rareHits = new Map<number, number>();
  for (const h of hits) {
    if (h.length === 0 || h.length > limit) continue;
    for (const i of h) rareHits.set(i, (rareHits.get(i) ?? 0) + 1);
  }
  const picked: number[] = [];
  for (const [i, count] of rareHits) if (count >= need) picked.push(i);
  return picked.sort((a, b) => a - b).slice(0, cap);
}
