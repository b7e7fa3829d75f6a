/** Words for markers and the closing summary: event kinds with their counts and time spans. */
import type { Mined } from './miner';
import { displayTemplate } from './template';

/** The summary names at most this many kinds, the most frequent ones that lost lines. */
const SUMMARY_KINDS = 12;
const SUMMARY_MIN_COUNT = 3;

/** Marker detail for an omitted run [start, end): its dominant event kind and how many others. */
export function describeRun(m: Mined, start: number, end: number): string | undefined {
  const counts = new Map<number, number>();
  for (let k = start; k < end; k++) {
    const en = m.entries[m.entryOf[k]];
    if (en.start !== k) continue;
    const c = m.variants[en.variant].cluster;
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  if (counts.size === 0) return undefined;
  let best = -1;
  let bestN = 0;
  for (const [c, n] of counts) if (n > bestN) [best, bestN] = [c, n];
  const more = counts.size > 1 ? ` +${counts.size - 1} kinds` : '';
  return `${bestN}× ${displayTemplate(m.clusters[best].tokens, 48)}${more}`;
}

/** Closing block: how many entries and kinds, then the frequent kinds that lost lines, with spans. */
export function summaryBlock(m: Mined, keep: Uint8Array, eol: string): string {
  const omitted = new Uint32Array(m.clusters.length);
  for (const en of m.entries) if (!keep[en.start]) omitted[m.variants[en.variant].cluster]++;
  const kinds = m.clusters.filter((c) => c.count > 0);
  const listed = kinds
    .filter((c) => omitted[c.id] > 0 && c.count >= SUMMARY_MIN_COUNT)
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .slice(0, SUMMARY_KINDS);
  if (listed.length === 0) return '';
  const out = [`[log summary: ${m.entries.length} entries, ${kinds.length} event kinds; most frequent:]`];
  for (const c of listed) {
    const span = c.firstTs ? ` (${c.firstTs}${c.lastTs && c.lastTs !== c.firstTs ? ` … ${c.lastTs}` : ''})` : '';
    out.push(`[${String(c.count).padStart(6)}× ${displayTemplate(c.tokens, 100)}${span}]`);
  }
  return out.join(eol) + eol;
}
