/** Words for markers and the closing summary: event kinds with their counts and time spans. */
import type { Cluster, Mined } from './miner';
import { displayTemplate } from './template';

/** The summary names at most this many kinds, the most frequent ones that lost lines. */
const SUMMARY_KINDS = 12;
const SUMMARY_MIN_COUNT = 3;
/** Kinds without any kept line that the summary names (most frequent first). */
const UNSHOWN_KINDS = 40;

/** Blank lines (their template has no token) are not an event kind. */
function isBlankKind(c: Cluster): boolean {
  return c.tokens.length === 0;
}

/** Marker detail for an omitted run [start, end): its dominant event kind and how many others. */
export function describeRun(m: Mined, start: number, end: number): string | undefined {
  const counts = new Map<number, number>();
  let blank = 0;
  for (let k = start; k < end; k++) {
    const en = m.entries[m.entryOf[k]];
    if (en.start !== k) continue;
    const c = m.variants[en.variant].cluster;
    if (isBlankKind(m.clusters[c])) blank += en.end - en.start;
    else counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  if (counts.size === 0) return blank > 0 ? `${blank} blank ${blank === 1 ? 'line' : 'lines'}` : undefined;
  let best = -1;
  let bestN = 0;
  for (const [c, n] of counts) if (n > bestN) [best, bestN] = [c, n];
  const more = counts.size > 1 ? ` +${counts.size - 1} kinds` : '';
  return `${bestN}× ${displayTemplate(m.clusters[best].tokens, 48)}${more}`;
}

/** Closing block: how many entries and kinds, then the frequent kinds that lost lines, with spans. */
export function summaryBlock(m: Mined, keep: Uint8Array, eol: string): string {
  const omitted = new Uint32Array(m.clusters.length);
  const shown = new Uint8Array(m.clusters.length);
  for (const en of m.entries) {
    const c = m.variants[en.variant].cluster;
    if (keep[en.start]) shown[c] = 1;
    else omitted[c]++;
  }
  const kinds = m.clusters.filter((c) => c.count > 0 && !isBlankKind(c));
  let entries = 0;
  for (const c of kinds) entries += c.count;
  const byCount = (a: Cluster, b: Cluster) => b.count - a.count || a.first - b.first;
  // Kinds with no verbatim line in the output come first: every kind is named somewhere.
  const unshown = kinds.filter((c) => !shown[c.id]).sort(byCount).slice(0, UNSHOWN_KINDS);
  const frequent = kinds
    .filter((c) => shown[c.id] && omitted[c.id] > 0 && c.count >= SUMMARY_MIN_COUNT)
    .sort(byCount)
    .slice(0, SUMMARY_KINDS);
  const listed = [...unshown, ...frequent];
  if (listed.length === 0) return '';
  const what = unshown.length ? `${unshown.length} kinds without a line above, then the most frequent` : 'most frequent';
  const out = [`[log summary: ${entries} entries, ${kinds.length} event kinds; ${what}:]`];
  for (const c of listed) {
    const span = c.firstTs ? ` (${c.firstTs}${c.lastTs && c.lastTs !== c.firstTs ? ` … ${c.lastTs}` : ''})` : '';
    out.push(`[${String(c.count).padStart(6)}× ${displayTemplate(c.tokens, 100)}${span}]`);
  }
  return out.join(eol) + eol;
}
