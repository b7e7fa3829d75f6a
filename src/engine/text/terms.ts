/**
 * Query terms weighed against the items of one input. A term that occurs in most items (the
 * identifier a grep searched for, the repository name in every path) tells nothing apart, so
 * only the rarer, discriminative terms steer what lossy compressors keep.
 */
import type { Query } from '../query';

const SUFFIXES = ['ations', 'ation', 'ings', 'ing', 'ors', 'ers', 'ies', 'or', 'er', 'es', 'ed', 's'];

/** A crude stem: "extractor" → "extract", "errors" → "error", "changed" → "chang". */
export function stem(term: string): string {
  for (const s of SUFFIXES) {
    if (term.endsWith(s) && term.length - s.length >= 4) return term.slice(0, -s.length);
  }
  return term;
}

export interface WeighedTerms {
  /** Terms present in at most maxShare of the items, with their stems. */
  readonly rare: readonly string[];
  /** Terms present in more than maxShare of the items (the searched identifier, a common prefix). */
  readonly common: readonly string[];
  /** Number of distinct rare terms (by stem) found in the text, case-insensitive. */
  score(text: string): number;
  /** The rare terms (stems) found in the text. */
  matches(text: string): string[];
  /** Sum of the inverse item frequencies, ln(items / items with term), of the rare terms in the text. */
  weight(text: string): number;
}

/** Splits query terms into rare and common ones by their share of items that contain them. */
export function weighTerms(query: Query, items: readonly string[], maxShare = 0.4): WeighedTerms {
  const stems = [...new Set(query.terms.map(stem))];
  const lowered = items.map((s) => s.toLowerCase());
  const rare: string[] = [];
  const common: string[] = [];
  const idf = new Map<string, number>();
  for (const t of stems) {
    let n = 0;
    for (const s of lowered) if (s.includes(t)) n++;
    if (n === 0) continue;
    if (n <= Math.max(1, items.length * maxShare)) {
      rare.push(t);
      idf.set(t, Math.log(items.length / n));
    }
    else common.push(t);
  }
  const matches = (text: string): string[] => {
    if (rare.length === 0) return [];
    const lower = text.toLowerCase();
    return rare.filter((t) => lower.includes(t));
  };
  const weight = (text: string): number => {
    let w = 0;
    for (const t of matches(text)) w += idf.get(t) ?? 0;
    return w;
  };
  return { rare, common, matches, weight, score: (text) => matches(text).length };
}
