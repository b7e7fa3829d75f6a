/**
 * Which log lines to keep, safety first: one representative of every event kind; more of the
 * severe ones (first, last, one per variant); every line of rare kinds; lines whose variable parts
 * match the agent's question; continuation lines (stack traces) of kept severe entries.
 */
import type { Mined } from './miner';

/** A cluster seen at most this often is an anomaly: all of its entries are kept. */
const RARE_CLUSTER = 2;
/**
 * A variant seen at most this often is kept whole when its cluster has few variants (an unusual
 * form of an event). In a cluster with many variants, rare ones are just parameter values (user names).
 */
const RARE_VARIANT = 1;
/** Variants represented (first occurrence) per severe cluster, and per plain cluster. */
const SEVERE_VARIANTS = 6;
const PLAIN_VARIANTS = 2;
/** Query-matching entries kept per variant, when they are a minority of it. */
const QUERY_HITS_PER_VARIANT = 8;
const QUERY_HITS_TOTAL = 200;
/** Continuation lines kept after a kept severe head (a stack trace's top). */
const SEVERE_CONTINUATION = 40;

export function selectLines(m: Mined): Uint8Array {
  const keep = new Uint8Array(m.lines.length);
  const keptEntry = new Uint8Array(m.entries.length);

  const keepEntry = (e: number): void => {
    if (keptEntry[e]) return;
    keptEntry[e] = 1;
    const en = m.entries[e];
    keep[en.start] = 1;
    if (m.variants[en.variant].severe) {
      const end = Math.min(en.end, en.start + 1 + SEVERE_CONTINUATION);
      for (let k = en.start + 1; k < end; k++) keep[k] = 1;
    }
    if (en.notable) for (const k of en.notable) keep[k] = 1;
  };

  // Entries of every variant, only for the (few) rare variants that are kept whole.
  const rareEntries = new Map<number, number[]>();
  for (const c of m.clusters) {
    if (c.count === 0) continue;
    const wholeCluster = c.count <= RARE_CLUSTER;
    for (const v of c.variants) {
      const va = m.variants[v];
      if (wholeCluster || (va.count <= RARE_VARIANT && c.variants.length <= SEVERE_VARIANTS)) rareEntries.set(v, []);
    }
  }
  if (rareEntries.size > 0) {
    for (let e = 0; e < m.entries.length; e++) rareEntries.get(m.entries[e].variant)?.push(e);
  }

  let queryBudget = QUERY_HITS_TOTAL;
  for (const c of m.clusters) {
    if (c.count === 0) continue;
    keepEntry(c.first);
    const severe = c.severe || c.variants.some((v) => m.variants[v].queryScore > 0);
    if (severe && c.count > 1) keepEntry(c.last);
    const cap = severe ? SEVERE_VARIANTS : PLAIN_VARIANTS;
    for (const v of representativeVariants(m, c.variants, cap)) keepEntry(m.variants[v].first);
    for (const v of c.variants) {
      const va = m.variants[v];
      for (const e of rareEntries.get(v) ?? []) keepEntry(e);
      const hits = va.queryHits;
      if (hits.length > 0 && hits.length <= Math.max(3, va.count * 0.1)) {
        for (const e of hits.slice(0, Math.min(QUERY_HITS_PER_VARIANT, queryBudget))) keepEntry(e);
        queryBudget = Math.max(0, queryBudget - QUERY_HITS_PER_VARIANT);
      }
    }
  }
  return keep;
}

/** Positions whose values number at most this many across a cluster's variants tell event kinds apart. */
const KIND_POSITION_VALUES = 4;

/**
 * Up to `cap` variants to show, severe ones first, then in order of appearance. When a cluster has
 * more variants than that, positions with few distinct values (`password`/`none`) are taken to name
 * the kind of event and positions with many (user names) to be parameters: one variant per
 * distinct combination of the former is shown first.
 */
export function representativeVariants(m: Mined, variants: readonly number[], cap: number): number[] {
  const ordered = [...variants].sort((a, b) => Number(m.variants[b].severe) - Number(m.variants[a].severe) || m.variants[a].first - m.variants[b].first);
  if (ordered.length <= cap) return ordered;
  const len = m.variants[ordered[0]].tokens.length;
  const values: Array<Set<string>> = Array.from({ length: len }, () => new Set<string>());
  for (const v of ordered) {
    const t = m.variants[v].tokens;
    for (let p = 0; p < len; p++) if (values[p].size <= KIND_POSITION_VALUES) values[p].add(t[p]);
  }
  const kindPositions: number[] = [];
  for (let p = 0; p < len; p++) if (values[p].size > 1 && values[p].size <= KIND_POSITION_VALUES) kindPositions.push(p);
  const out: number[] = [];
  const seen = new Set<string>();
  for (const v of ordered) {
    const t = m.variants[v].tokens;
    const sig = kindPositions.map((p) => t[p]).join('\u0000');
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push(v);
    if (out.length >= cap) break;
  }
  return out;
}
