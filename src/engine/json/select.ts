/**
 * Scores the rows of an array of objects for lossy selection. Safety first: rows holding a rare
 * value of a categorical column (an outlier), an empty value where others have one (or the
 * reverse), or an error-like value are anomalies; rows whose anomaly sits in a column the question
 * names, or whose rare value is a word of the question, are "strong" and always kept, together
 * with rows that reference them by id (e.g. the merge commit listing an odd commit as parent).
 */
import type { Query } from '../query';
import { IDENTIFYING_KEY, isEmptySig, type ColumnInfo } from './columns';
import { decodeString, T, type JObj } from './parse';

export interface RowScores {
  score: Float64Array;
  strong: Uint8Array;
  /** Rows referencing a strong row's identity. */
  related: Set<number>;
  /** Short reasons per strong row, for descriptions. */
  why: Map<number, string>;
}

const ERRORISH = /\b(error|errors|errored|fail|failed|failure|failing|exception|fatal|critical|panic|denied|refused|timeout|timed out|invalid|unauthori[sz]ed|forbidden|crash(ed)?|broken|outage|degraded)\b/i;

export function keyMatchesQuery(key: string, terms: readonly string[]): boolean {
  for (const t of terms) if (keyMatchesTerm(key, t)) return true;
  return false;
}

const keyPartsCache = new Map<string, string[]>();
const KEY_PARTS_MAX = 4096;

/** A key's lowercase words (`pull_request.html_url` → pull, request, html, url); keys repeat across columns, terms and documents. */
function keyParts(key: string): string[] {
  let parts = keyPartsCache.get(key);
  if (parts === undefined) {
    if (keyPartsCache.size >= KEY_PARTS_MAX) keyPartsCache.clear();
    keyPartsCache.set(key, (parts = key.toLowerCase().split(/[_\-.\s]+/)));
  }
  return parts;
}

function keyMatchesTerm(key: string, t: string): boolean {
  for (const p of keyParts(key)) {
    // Short keys ("id") match only exactly or as a plural ("ids").
    if (p === t || p + 's' === t) return true;
    if (p.length < 3) continue;
    if (t.length >= 4 && p.length >= 4 && (p.startsWith(t) || t.startsWith(p))) return true;
  }
  return false;
}

/**
 * Question words that name a filter column: a word matching the keys of many columns ("url" in
 * an API response) asks for output fields, one matching a few columns ("draft") picks rows.
 */
const OUTPUT_WORDS = new Set(
  'id ids number numbers num name names title titles url urls link links href sha shas hash message messages body text description date dates time created updated path file login author authors email'.split(' '),
);

function filterTerms(info: ColumnInfo, terms: readonly string[]): string[] {
  const live = info.columns.filter((c) => !info.folded.has(c.id));
  return terms.filter((t) => {
    if (OUTPUT_WORDS.has(t)) return false;
    const n = live.filter((c) => keyMatchesTerm(c.key, t)).length;
    return n > 0 && n <= 3;
  });
}

export function scoreRows(src: string, rows: readonly JObj[], info: ColumnInfo, query: Query, tick: () => void): RowScores {
  const n = rows.length;
  const score = new Float64Array(n);
  const strong = new Uint8Array(n);
  const why = new Map<number, string>();
  const rare = new Uint8Array(n);
  const errorish = new Uint8Array(n);
  const terms = query.terms;
  const termSet = new Set(terms);
  // Question words in values, weighted to the ones that tell rows apart.
  const hits = new Uint8Array(n);
  const common = new Set<string>();
  if (terms.length) {
    const texts = rows.map((row) => valueText(src, row).toLowerCase());
    for (const t of terms) {
      tick();
      let df = 0;
      const has = new Uint8Array(n);
      for (let r = 0; r < n; r++) if (texts[r].includes(t)) { has[r] = 1; df++; }
      if (df * 2 > n) common.add(t);
      if (df === 0 || df * 2 > n) continue;
      for (let r = 0; r < n; r++) if (has[r]) hits[r]++;
    }
  }
  const values = terms.length ? valueWords(src, info) : new Set<string>();
  const filters = filterTerms(info, terms).filter((t) => !values.has(t) && !common.has(t));
  const mark = (r: number, reason: string) => {
    strong[r] = 1;
    if (!why.has(r)) why.set(r, reason);
  };

  // Minority values that are words of the question; only the shallowest such columns count
  // (an issue's own state, not its milestone's).
  const valueHits: Array<{ r: number; depth: number; why: string }> = [];
  for (const col of info.columns) {
    tick();
    if (info.folded.has(col.id)) continue;
    const relevant = filters.length > 0 && keyMatchesQuery(col.key, filters);
    // Value counts only while the column still looks categorical (few distinct values).
    const maxDistinct = Math.max(2, Math.min(12, n / 4));
    let counts: Map<string, number> | null = new Map<string, number>();
    let empties = 0;
    for (let r = 0; r < n; r++) {
      const s = col.sigs[r];
      if (counts) {
        counts.set(s, (counts.get(s) ?? 0) + 1);
        if (counts.size > maxDistinct) counts = null;
      }
      if (isEmptySig(s)) empties++;
    }
    const rareMax = Math.max(1, Math.floor(n * 0.1));
    const categorical = n >= 4 && counts !== null;
    const isRare = (c: number) => c <= rareMax && c * 4 <= n - c;
    const checkText = categorical || IDENTIFYING_KEY.test(col.key);
    for (let r = 0; r < n; r++) {
      const s = col.sigs[r];
      const c = counts?.get(s) ?? 1;
      const v = col.values[r];
      let flagged = false;
      if (categorical && isRare(c)) flagged = true;
      if (n >= 4 && isEmptySig(s) && isRare(empties)) flagged = true;
      if (n >= 4 && !isEmptySig(s) && isRare(n - empties)) flagged = true;
      if (flagged) {
        rare[r]++;
        if (relevant) mark(r, `${col.id}=${short(s)}`);
      }
      if (!checkText || !v || v.t === T.Obj || v.t === T.Arr || v.e - v.s > 202) continue;
      const text = v.t === T.Str ? decodeString(s) : s;
      // A minority value that is a word of the question ("open" among closed issues).
      if (categorical && c * 2 <= n && termSet.has(text.toLowerCase())) valueHits.push({ r, depth: col.path.length, why: `${col.id}=${short(s)}` });
      if (v.t === T.Str && !errorish[r] && ERRORISH.test(text)) errorish[r] = 1;
    }
  }

  const minDepth = Math.min(...valueHits.map((h) => h.depth));
  for (const h of valueHits) if (h.depth === minDepth) mark(h.r, h.why);

  for (let r = 0; r < n; r++) score[r] = strong[r] * 10 + Math.min(rare[r], 3) + errorish[r] * 2 + hits[r] * 2;

  // Rows that mention a strong row's own identity (top-level id-like value of 7+ characters).
  const related = new Set<number>();
  let sources: string[] | null = null;
  for (let r = 0; r < n; r++) {
    if (!strong[r]) continue;
    const row = rows[r];
    for (let k = 0; k < row.keys.length; k++) {
      const v = row.vals[k];
      if (!/^(id|uuid|guid|sha|hash|key|node_id)$/i.test(row.keys[k]) || (v.t !== T.Str && v.t !== T.Num)) continue;
      const raw = src.slice(v.s, v.e);
      const value = v.t === T.Str ? decodeString(raw) : raw;
      if (value.length < 7) continue;
      let found = 0;
      for (let o = 0; o < n && found < 3; o++) {
        if (o === r || strong[o]) continue;
        sources ??= rows.map((row2) => src.slice(row2.s, row2.e));
        if (sources[o].includes(value)) {
          related.add(o);
          found++;
        }
      }
    }
  }
  return { score, strong, related, why };
}

/** Short string values of the table's columns, lowercased: question words that are values, not keys. */
function valueWords(src: string, info: ColumnInfo): Set<string> {
  const out = new Set<string>();
  for (const c of info.columns) {
    if (info.folded.has(c.id)) continue;
    let distinct = 0;
    for (const v of c.values) {
      if (!v || v.t !== T.Str || v.e - v.s > 40) continue;
      const w = decodeString(src.slice(v.s, v.e)).toLowerCase();
      if (!out.has(w)) {
        out.add(w);
        if (++distinct > 50) break;
      }
    }
  }
  return out;
}

function short(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** The row's scalar values (strings decoded) joined, without keys, for question matching. */
function valueText(src: string, row: JObj): string {
  const out: string[] = [];
  const stack: JObj[] = [row];
  while (stack.length) {
    const o = stack.pop()!;
    for (const v of o.vals) {
      if (v.t === T.Obj) stack.push(v);
      else if (v.t === T.Arr) out.push(src.slice(v.s, Math.min(v.e, v.s + 2000)));
      else out.push(src.slice(v.s, v.e));
    }
  }
  return out.join('\n');
}
