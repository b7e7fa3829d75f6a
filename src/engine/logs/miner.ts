/**
 * The template miner: splits a log into entries (a head line plus its continuation lines, e.g. a
 * stack trace), gives every entry a variant (its exact template key) and groups similar variants
 * into clusters (Drain-like: same length, same leading constant words, most positions equal).
 * One pass over the lines; merging works on distinct templates only, with a bounded search.
 */
import type { Ctx } from '../context';
import { body } from '../lines';
import { isSevere, looksLikeContinuation, startsWithTimestamp, timestampOf } from './line-facts';
import { HTTP_ERROR_KEY, isConstant, templateHash, templateHashAt, templateKey, VAR, WILD } from './template';

/** A query term on at most this share of lines singles lines out. */
const DISTINCTIVE_LINES = 0.02;
/** A query term on at most this share of lines makes the templates carrying it relevant. */
const RELEVANT_LINES = 0.2;
/** An entry never swallows more than this many continuation lines. */
const MAX_ENTRY_LINES = 300;
/** Share of equal positions for two templates to be one cluster. */
const MERGE_SIMILARITY = 0.6;
/** Clusters compared per new template (bounded work when templates explode). */
const MAX_CANDIDATES = 24;
/** Past this many distinct templates, new ones are not merged any more. */
const MAX_MERGING_VARIANTS = 20_000;

export interface Variant {
  id: number;
  tokens: string[];
  cluster: number;
  count: number;
  /** Entry indexes of the first and last occurrence. */
  first: number;
  last: number;
  severe: boolean;
  /** The template's constant text carries a query term that few lines carry (set after mining). */
  queryRelevant: boolean;
  /** Bit mask of the query terms in the template's constant text. */
  queryMask: number;
  /** Entries whose variable parts carry a distinctive query term the template lacks. */
  queryHits: number[];
}

export interface Cluster {
  id: number;
  tokens: string[];
  variants: number[];
  count: number;
  first: number;
  last: number;
  severe: boolean;
  firstTs: string | undefined;
  lastTs: string | undefined;
}

export interface Entry {
  /** Line index of the head and one past the last continuation line. */
  start: number;
  end: number;
  variant: number;
  /** Line indexes (within the entry) of continuation lines that are severe or match the query. */
  notable: number[] | undefined;
}

export interface Mined {
  lines: string[];
  entries: Entry[];
  /** Entry index of every line. */
  entryOf: Int32Array;
  variants: Variant[];
  clusters: Cluster[];
}

/** Decides how continuation lines are told apart from entry heads in this log. */
function headRules(lines: readonly string[]): { byTimestamp: boolean; byIndent: boolean } {
  let n = 0;
  let ts = 0;
  let indented = 0;
  for (let i = 0; i < lines.length && n < 400; i++) {
    const b = body(lines[i]);
    if (b.trim() === '') continue;
    n++;
    if (startsWithTimestamp(b)) ts++;
    if (b.charCodeAt(0) === 32 || b.charCodeAt(0) === 9) indented++;
  }
  return { byTimestamp: n > 0 && ts / n >= 0.5, byIndent: n > 0 && indented / n < 0.5 };
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && (c < 9 || c > 13)) return false;
  }
  return true;
}

interface TermLines {
  /** Bit t of masks[line] is set when query term t occurs on the line. */
  masks: Uint32Array;
  /** Lines with any term, ascending. */
  hits: number[];
  /** Lines per term. */
  df: Uint32Array;
}

/**
 * Which query terms occur on which lines: one lowercase copy of the text and one pass of a regex
 * alternating all terms (longest first; a match also counts the terms it contains), so the cost
 * follows the text once, not lines × terms.
 */
function lineTermMasks(text: string, lines: readonly string[], starts: Float64Array, terms: readonly string[]): TermLines {
  const masks = new Uint32Array(lines.length);
  const df = new Uint32Array(terms.length);
  const lower = text.toLowerCase();
  if (lower.length !== text.length) {
    // Case mapping changed lengths (rare scripts): fall back to per-line matching.
    for (let k = 0; k < lines.length; k++) masks[k] = termMask(lines[k], terms);
  } else {
    const bits = new Map<string, number>();
    terms.forEach((t) => {
      let mask = 0;
      terms.forEach((u, j) => {
        if (t.includes(u)) mask |= 1 << j;
      });
      bits.set(t, mask);
    });
    const alternation = [...terms].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    const re = new RegExp(alternation.join('|'), 'g');
    let line = 0;
    for (let m = re.exec(lower); m !== null; m = re.exec(lower)) {
      const pos = m.index;
      // The line holding pos: matches come in order; binary search from the current line.
      let lo = line;
      let hi = lines.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (starts[mid] <= pos) lo = mid;
        else hi = mid - 1;
      }
      line = lo;
      masks[line] |= bits.get(m[0]) ?? 0;
    }
  }
  const hits: number[] = [];
  for (let k = 0; k < lines.length; k++) {
    let m = masks[k];
    if (m === 0) continue;
    hits.push(k);
    for (let t = 0; m !== 0; t++, m >>>= 1) if (m & 1) df[t]++;
  }
  return { masks, hits, df };
}

/** Bit t set when query term t occurs in the text (case-insensitive; the first 1000 characters). */
function termMask(text: string, terms: readonly string[]): number {
  const lower = (text.length > 1000 ? text.slice(0, 1000) : text).toLowerCase();
  let mask = 0;
  for (let t = 0; t < terms.length; t++) if (lower.includes(terms[t])) mask |= 1 << t;
  return mask;
}

/** Offsets of every line in the text they were split from (and of its end). */
function lineStarts(lines: readonly string[]): Float64Array {
  const starts = new Float64Array(lines.length + 1);
  for (let k = 0; k < lines.length; k++) starts[k + 1] = starts[k] + lines[k].length;
  return starts;
}

/** `text` is the lines joined: templates are hashed inside it. */
export function mine(lines: string[], ctx: Ctx, text: string = lines.join('')): Mined {
  const rules = headRules(lines);
  const starts = lineStarts(lines);
  const terms = ctx.query.terms.slice(0, 31);
  const queryOn = terms.length > 0;
  // Query terms per line (bit masks), and in how many lines each term occurs: a term found on
  // many lines (a host name, `ssh`) says nothing about which line to keep.
  const termLines = queryOn ? lineTermMasks(text, lines, starts, terms) : undefined;
  const entries: Entry[] = [];
  const entryOf = new Int32Array(lines.length);
  const variants: Variant[] = [];
  const clusters: Cluster[] = [];
  // Variants by template hash (no string built per line); entries with a severe continuation
  // are keyed by both hashes.
  const byHash = new Map<number, number>();
  const byHashPair = new Map<string, number>();
  const leaves = new Map<string, number[]>();

  const clusterFor = (tokens: string[]): number => {
    const consts: string[] = [];
    for (const t of tokens) {
      if (isConstant(t)) consts.push(t);
      if (consts.length === 2) break;
    }
    const leafKey = `${tokens.length}\u0000${consts.join('\u0000')}`;
    let leaf = leaves.get(leafKey);
    if (!leaf) leaves.set(leafKey, (leaf = []));
    if (variants.length < MAX_MERGING_VARIANTS) {
      let best = -1;
      let bestSim = MERGE_SIMILARITY;
      for (let k = leaf.length - 1, seen = 0; k >= 0 && seen < MAX_CANDIDATES; k--, seen++) {
        const c = clusters[leaf[k]];
        let eq = 0;
        for (let p = 0; p < tokens.length; p++) if (c.tokens[p] === WILD || c.tokens[p] === tokens[p]) eq++;
        const sim = eq / tokens.length;
        if (sim >= bestSim && (sim > bestSim || best < 0)) {
          best = leaf[k];
          bestSim = sim;
        }
      }
      if (best >= 0) {
        const c = clusters[best];
        for (let p = 0; p < tokens.length; p++) if (c.tokens[p] !== tokens[p]) c.tokens[p] = WILD;
        return best;
      }
    }
    const id = clusters.length;
    clusters.push({ id, tokens: tokens.slice(), variants: [], count: 0, first: -1, last: -1, severe: false, firstTs: undefined, lastTs: undefined });
    leaf.push(id);
    return id;
  };

  const variantFor = (headLine: number, severeCont: string | undefined): number => {
    const head = lines[headLine];
    const h = templateHashAt(text, starts[headLine], starts[headLine + 1]);
    const pair = severeCont === undefined ? '' : `${h},${templateHash(severeCont)}`;
    let v = severeCont === undefined ? byHash.get(h) : byHashPair.get(pair);
    if (v !== undefined) return v;
    const headBody = body(head);
    let key = templateKey(headBody);
    if (severeCont !== undefined) key += ' \u0003 ' + templateKey(severeCont);
    v = variants.length;
    const tokens = key.split(' ');
    const cluster = clusterFor(tokens);
    const constText = tokens.filter((t) => t !== VAR).join(' ').replace(/\u0001/g, ' ');
    variants.push({
      id: v, tokens, cluster, count: 0, first: -1, last: -1,
      severe: isSevere(headBody) || key.includes('\u0003') || HTTP_ERROR_KEY.test(key),
      queryRelevant: false,
      queryMask: queryOn ? termMask(constText, terms) : 0,
      queryHits: [],
    });
    clusters[cluster].variants.push(v);
    if (severeCont === undefined) byHash.set(h, v);
    else byHashPair.set(pair, v);
    return v;
  };

  // Pass 1: entries (head + continuation lines).
  let i = 0;
  while (i < lines.length) {
    if ((entries.length & 2047) === 0) ctx.checkDeadline();
    const start = i;
    const head = lines[i];
    const headBlank = isBlank(head);
    i++;
    let severeCont: string | undefined;
    let notable: number[] | undefined;
    // A run of blank lines is one entry (of no event kind, see summary.ts), however long.
    if (headBlank) while (i < lines.length && isBlank(lines[i])) i++;
    while (i < lines.length && i - start < MAX_ENTRY_LINES) {
      if (headBlank) break;
      const b = lines[i];
      const blank = isBlank(b);
      const cont = blank || looksLikeContinuation(b) || (rules.byIndent && (b.charCodeAt(0) === 32 || b.charCodeAt(0) === 9)) ||
        (rules.byTimestamp && !startsWithTimestamp(b));
      if (!cont) break;
      if (!blank && isSevere(b)) {
        severeCont ??= b;
        (notable ??= []).push(i);
      }
      i++;
    }
    const v = variantFor(start, severeCont);
    const e = entries.length;
    for (let k = start; k < i; k++) entryOf[k] = e;
    // Every property set up front: one object shape for all entries.
    entries.push({ start, end: i, variant: v, notable });
  }

  // Pass 2: counts, first/last, spans and query hits.
  for (let e = 0; e < entries.length; e++) {
    if ((e & 4095) === 0) ctx.checkDeadline();
    const en = entries[e];
    const v = variants[en.variant];
    const c = clusters[v.cluster];
    v.count++;
    c.count++;
    if (v.first < 0) v.first = e;
    v.last = e;
    if (c.first < 0) c.first = e;
    c.last = e;
    if (v.severe) c.severe = true;
  }
  // Query hits: lines carrying a distinctive term (one found on few lines; a host name or `ssh`
  // on every line says nothing about which to keep) that their template does not carry.
  if (termLines) {
    let distinctive = 0;
    let relevant = 0;
    const limit = Math.max(3, entries.length * DISTINCTIVE_LINES);
    for (let t = 0; t < terms.length; t++) {
      if (termLines.df[t] > 0 && termLines.df[t] <= limit) distinctive |= 1 << t;
      if (termLines.df[t] > 0 && termLines.df[t] <= entries.length * RELEVANT_LINES) relevant |= 1 << t;
    }
    for (const v of variants) v.queryRelevant = (v.queryMask & relevant) !== 0;
    if (distinctive !== 0) {
      for (const k of termLines.hits) {
        const mask = termLines.masks[k] & distinctive;
        if (mask === 0) continue;
        const e = entryOf[k];
        const en = entries[e];
        if (en.start !== k) (en.notable ??= []).push(k);
        else if (mask & ~variants[en.variant].queryMask) variants[en.variant].queryHits.push(e);
      }
    }
  }
  for (const c of clusters) {
    if (c.first < 0) continue;
    c.firstTs = timestampOf(body(lines[entries[c.first].start]));
    if (c.last !== c.first) c.lastTs = timestampOf(body(lines[entries[c.last].start]));
  }
  return { lines, entries, entryOf, variants, clusters };
}
