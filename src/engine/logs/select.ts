/**
 * Which log lines to keep, safety first: one representative of every event kind; more of the
 * severe and query-relevant ones (first, last, one per kind of variant); rare kinds; lines whose
 * variable parts carry a distinctive query term; continuation lines (stack traces) of kept severe
 * entries. Severe kinds, rare kinds and query hits are always kept; the rest within a budget.
 */
import type { Mined } from './miner';
import { durationOutliers } from './outliers';

/** A cluster seen at most this often is an anomaly: all of its entries are kept. */
const RARE_CLUSTER = 2;
/**
 * A variant seen at most this often is kept whole when its cluster has few variants (an unusual
 * form of an event). In a cluster with many variants, rare ones are just parameter values (user names).
 */
const RARE_VARIANT = 1;
const FEW_VARIANTS = 6;
/**
 * Variants represented (first occurrence) per severe cluster, and per plain cluster. A severe
 * cluster with at most this many variants shows each (every failure reason of an error); one with
 * more has parameters in them (user names), and one per kind of event is shown.
 */
const SEVERE_VARIANTS = 16;
const PLAIN_VARIANTS = 2;
/** Further variants of a plain cluster, shown while the budget allows. */
const EXTRA_VARIANTS = 10;
/** Query-matching entries kept per variant, when they are a minority of it. */
const QUERY_HITS_PER_VARIANT = 8;
const QUERY_HITS_TOTAL = 200;
/** Continuation lines kept after a kept severe head (a stack trace's top). */
const SEVERE_CONTINUATION = 40;
/**
 * A severe variant seen at most this often, in a cluster with few variants, is kept whole while the
 * budget allows: errors that differ only in their numbers (an id, a duration) are few enough to show.
 */
const SEVERE_WHOLE = 32;

/**
 * Priorities: 0 is always kept (severe kinds and their variants, query hits, first of uncommon kinds);
 * the others are kept in order while the output stays within its budget. Kinds left without a
 * verbatim line are still named, with counts, in the summary.
 */
const enum Priority {
  Always = 0, // also: duration outliers
  Context = 1, // last of a severe kind, the rest of a rare kind
  Common = 2, // first of a frequent plain kind
  Extra = 3, // further variants of a plain kind
}

/** Output budget in characters: a share of the input, with a floor for small logs. */
const BUDGET_SHARE = 0.08;
const BUDGET_FLOOR = 6000;
/** What keeping one more isolated entry costs besides its own text: roughly one more marker. */
const ENTRY_OVERHEAD = 90;
/** A kind seen at most this often is uncommon: its first line is always kept (rare events are anomalies). */
const UNCOMMON = 5;

export function selectLines(m: Mined): Uint8Array {
  const keep = new Uint8Array(m.lines.length);
  const keptEntry = new Uint8Array(m.entries.length);
  const candidates: Array<Array<number>> = [[], [], [], []];
  const want = (e: number, p: Priority): void => {
    candidates[p].push(e);
  };

  // Entries of every variant, only for the (few) rare variants that are kept whole.
  const rareEntries = new Map<number, number[]>();
  for (const c of m.clusters) {
    if (c.count === 0) continue;
    const wholeCluster = c.count <= RARE_CLUSTER;
    for (const v of c.variants) {
      const va = m.variants[v];
      if (wholeCluster || (va.count <= RARE_VARIANT && c.variants.length <= FEW_VARIANTS) || (va.severe && va.count <= SEVERE_WHOLE && c.variants.length <= SEVERE_VARIANTS)) rareEntries.set(v, []);
    }
  }
  if (rareEntries.size > 0) {
    for (let e = 0; e < m.entries.length; e++) rareEntries.get(m.entries[e].variant)?.push(e);
  }

  let queryBudget = QUERY_HITS_TOTAL;
  for (const c of m.clusters) {
    if (c.count === 0) continue;
    const severe = c.severe || c.variants.some((v) => m.variants[v].queryRelevant);
    want(c.first, severe || c.count <= UNCOMMON ? Priority.Always : Priority.Common);
    if (severe && c.count > 1) want(c.last, Priority.Context);
    const reps = representativeVariants(m, c.variants, severe ? SEVERE_VARIANTS : PLAIN_VARIANTS + EXTRA_VARIANTS);
    reps.forEach((v, k) => want(m.variants[v].first, severe ? Priority.Always : k < PLAIN_VARIANTS ? Priority.Common : Priority.Extra));
    for (const v of c.variants) {
      const va = m.variants[v];
      for (const e of rareEntries.get(v) ?? []) want(e, Priority.Context);
      const hits = va.queryHits;
      if (hits.length > 0 && hits.length <= Math.max(3, va.count * 0.1)) {
        for (const e of hits.slice(0, Math.min(QUERY_HITS_PER_VARIANT, queryBudget))) want(e, Priority.Always);
        queryBudget = Math.max(0, queryBudget - QUERY_HITS_PER_VARIANT);
      }
    }
  }

  for (const e of durationOutliers(m)) want(e, Priority.Always);

  let total = 0;
  for (const l of m.lines) total += l.length;
  let budget = Math.max(BUDGET_FLOOR, total * BUDGET_SHARE);
  for (let p = Priority.Always; p <= Priority.Extra; p++) {
    for (const e of candidates[p]) {
      if (keptEntry[e]) continue;
      const cost = keepEntry(m, e, keep, true) + ENTRY_OVERHEAD;
      if (p !== Priority.Always && cost > budget) continue;
      keptEntry[e] = 1;
      keepEntry(m, e, keep, false);
      budget -= cost;
    }
  }
  return keep;
}

/** Marks an entry's lines kept (head, a severe entry's trace, notable lines); returns their size. */
function keepEntry(m: Mined, e: number, keep: Uint8Array, dryRun: boolean): number {
  const en = m.entries[e];
  let chars = 0;
  const mark = (k: number): void => {
    if (keep[k]) return;
    chars += m.lines[k].length;
    if (!dryRun) keep[k] = 1;
  };
  mark(en.start);
  if (m.variants[en.variant].severe) {
    const end = Math.min(en.end, en.start + 1 + SEVERE_CONTINUATION);
    for (let k = en.start + 1; k < end; k++) mark(k);
  }
  if (en.notable) for (const k of en.notable) mark(k);
  return chars;
}

/** Positions whose values number at most this many across a cluster's variants tell event kinds apart. */
const KIND_POSITION_VALUES = 4;
const KIND_POSITION_SHARE = 0.25;

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
  // Few values, each shared by many variants: a kind position. As many values as variants: a parameter.
  const kindValues = Math.max(KIND_POSITION_VALUES, Math.floor(ordered.length * KIND_POSITION_SHARE));
  const values: Array<Set<string>> = Array.from({ length: len }, () => new Set<string>());
  for (const v of ordered) {
    const t = m.variants[v].tokens;
    for (let p = 0; p < len; p++) if (values[p].size <= kindValues) values[p].add(t[p]);
  }
  const kindPositions: number[] = [];
  for (let p = 0; p < len; p++) if (values[p].size > 1 && values[p].size <= kindValues) kindPositions.push(p);
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
