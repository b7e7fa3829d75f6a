/**
 * Which function bodies stay whole: the functions the question is about (their names, identifiers,
 * strings and comments against the question's terms, rarer terms weighing more), their callers
 * and callees one hop away, and small functions. All other bodies are elided.
 */
import type { Query } from '../query';
import type { CodeOutline, CodeUnit, Region } from './units';

/** Bodies up to this (rough tokens) are kept: the same bar as worthEliding (marker cost 22 + 6). */
const SMALL_BODY_TOKENS = 28;
/** Callers and callees longer than this many lines are not pulled in by the hop. */
const HOP_MAX_LINES = 20;
const HOP_MAX_UNITS = 3;
/** Lines of bodies kept beyond the targets: this share of the file, at least the minimum. */
const BUDGET_SHARE = 0.02;
const MIN_BUDGET_LINES = 20;
const MAX_TARGETS = 3;

export function regionText(lines: readonly string[], r: { start: number; end: number }): string {
  let s = '';
  for (let i = r.start; i <= r.end; i++) s += lines[i];
  return s;
}

/** Rough token cost of a region, without building its text. */
export function regionTokens(lines: readonly string[], r: Region): number {
  let chars = 0;
  for (let i = r.start; i <= r.end; i++) chars += lines[i].trim().length + 1;
  return Math.ceil(chars / 4);
}

function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.toLowerCase())
    .filter((w) => w.length >= 3);
}

/**
 * Names the question writes as code (camelCase, snake_case, `a.b`, `f()`, `A::b`): a function
 * with such a name is what the question is about. Plain words ("close", "read") are not.
 */
export function codeIdentifiers(question: string): Set<string> {
  const out = new Set<string>();
  for (const m of question.matchAll(/[A-Za-z_$][\w$]*(?:(?:\.|::|#|->)[A-Za-z_$][\w$]*)*(\(\))?/g)) {
    const parts = m[0].replace(/\(\)$/, '').split(/\.|::|#|->/);
    // In `Conn.advanceFrame` the member is the function; the qualifier names its type.
    const last = parts[parts.length - 1];
    if (parts.length > 1 || m[1] !== undefined || /[a-z][A-Z]|_/.test(last) || /^[A-Z][a-z]+[A-Z]/.test(last)) out.add(last.toLowerCase());
  }
  return out;
}

const CALL_RE = /([A-Za-z_$][\w$]*)\s*\(/g;

interface Scored {
  unit: CodeUnit;
  score: number;
  strong: boolean;
  text: string;
  lines: number;
}

export interface BodySelection {
  /** Units whose bodies stay whole. */
  keep: Set<CodeUnit>;
  /** The subset kept because the question is about them (their doc comments stay whole too). */
  relevant: Set<CodeUnit>;
}

export function selectBodies(outline: CodeOutline, lines: readonly string[], query: Query): BodySelection {
  const relevant = new Set<CodeUnit>();
  const small = new Set<CodeUnit>();
  const withBody = outline.units.filter((u) => u.body);
  for (const u of withBody) if (regionTokens(lines, u.body!) <= SMALL_BODY_TOKENS) small.add(u);
  const keep = relevant;
  const result = (): BodySelection => ({ keep: new Set([...small, ...relevant]), relevant });
  const terms = query.terms;
  if (terms.length === 0 || withBody.length === 0) return result();

  const docs = new Map<CodeUnit, string>();
  for (const c of outline.comments) if (c.doc) docs.set(c.doc, regionText(lines, c));
  const scored: Scored[] = withBody.map((unit) => {
    const text = (docs.get(unit) ?? '') + regionText(lines, unit);
    return { unit, score: 0, strong: false, text, lines: unit.end - unit.start + 1 };
  });
  const lower = scored.map((s) => s.text.toLowerCase());
  const idf = new Map<string, number>();
  for (const t of terms) {
    let df = 0;
    for (const l of lower) if (l.includes(t)) df++;
    idf.set(t, df === 0 ? 0 : Math.log(1 + withBody.length / df));
  }
  const termSet = new Set(terms);
  const idents = codeIdentifiers(query.text);
  for (let i = 0; i < scored.length; i++) {
    const s = scored[i];
    for (const t of terms) if (lower[i].includes(t)) s.score += idf.get(t)!;
    const name = s.unit.name.toLowerCase();
    if (!name) continue;
    const words = nameWords(s.unit.name);
    const hits = words.filter((w) => termSet.has(w));
    for (const w of hits) s.score += 2 * (idf.get(w) ?? 1);
    s.strong = idents.has(name) || (words.length >= 2 && hits.length === words.length);
    if (s.strong) s.score += 4;
  }
  const max = Math.max(...scored.map((s) => s.score));
  if (max <= 0) return result();

  const byScore = [...scored].sort((a, b) => b.score - a.score || a.unit.start - b.unit.start);
  let targets = byScore.filter((s) => s.strong);
  if (targets.length === 0) targets = byScore.filter((s) => s.score >= 0.6 * max).slice(0, MAX_TARGETS);
  for (const t of targets) keep.add(t.unit);

  // One hop: functions the targets call and functions that call a target, best matches first;
  // then the next best matches. Both draw on one budget of body lines.
  let budget = Math.max(MIN_BUDGET_LINES, Math.round(lines.length * BUDGET_SHARE));
  const take = (s: Scored) => {
    if (keep.has(s.unit) || small.has(s.unit) || s.lines > budget) return;
    keep.add(s.unit);
    budget -= s.lines;
  };
  const targetNames = new Set(targets.map((t) => t.unit.name).filter((n) => n.length >= 3));
  const callees = new Set<string>();
  for (const t of targets) for (const m of t.text.matchAll(CALL_RE)) callees.add(m[1]);
  const hop = byScore.filter((s) => {
    if (keep.has(s.unit) || small.has(s.unit) || s.lines > HOP_MAX_LINES) return false;
    if (callees.has(s.unit.name)) return true;
    for (const m of s.text.matchAll(CALL_RE)) if (targetNames.has(m[1])) return true;
    return false;
  });
  for (const s of hop.slice(0, HOP_MAX_UNITS)) take(s);
  for (const s of byScore) {
    if (s.score < 0.5 * max || budget <= 0) break;
    take(s);
  }
  return result();
}
