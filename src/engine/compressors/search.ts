/**
 * Code-search results (grep, ripgrep). Kept hit lines stay exactly as printed (`path:N:text`), so
 * an agent can quote and open them; what goes is whole hit lines, behind markers that say how many
 * matches of which files they hold. Kept: declarations of the searched identifier (class, struct,
 * interface, impl ... for it), declarations and signatures that match the question's rarer terms,
 * signatures returning the identifier, the first hit of each error message when the hits are log
 * lines (`grep -rn ERROR logs/`), and a handful of hits carrying the question's rarer terms; then,
 * within a budget, other declarations and code lines that match the question. Comments and plain
 * usages go first.
 */
import { renderSelection, type Ctx } from '../context';
import { splitLines } from '../lines';
import { classifyCodeLine, declaredNames, returnType } from '../text/code-line';
import { parseSearch, type SearchLine } from '../text/search-parse';
import { stem, weighTerms } from '../text/terms';
import type { Compressor } from './types';

/** Below this many characters the output is left as it is. */
const MIN_CHARS = 1500;
/** Share of the input's characters that optional (non-essential) hits may fill. */
const BUDGET_SHARE = 0.22;
/** Classification looks at this many characters of a hit (minified lines are not code to read). */
const CLASSIFY_CHARS = 400;

const MUST = 3;
/** Files shown by their first hit when the question singles out nothing. */
const REPRESENTED_FILES = 12;
/** A hit that is a log line at an error level (`grep -rn ERROR logs/`). */
const SEVERE_HIT = /\b(ERROR|FATAL|CRITICAL|SEVERE|PANIC|EMERG|ALERT)\b|\bTraceback\b|^\S*(Exception|Error): /;
/** Distinct error messages among the hits kept verbatim (the first hit of each). */
const SEVERE_MESSAGES = 24;
/** At most this many hits matching the question's rarer terms, not otherwise kept, are all kept. */
const FEW_QUERY_HITS = 8;

export const compressSearch: Compressor = (text, ctx) => {
  if (text.length < MIN_CHARS) return null;
  const lines = splitLines(text);
  const parsed = parseSearch(lines);
  let hits = 0;
  let nonBlank = 0;
  for (const p of parsed) {
    if (p.kind === 'blank') continue;
    nonBlank++;
    if (p.kind !== 'other') hits++;
  }
  if (nonBlank === 0 || hits / nonBlank < 0.6) return null;
  ctx.checkDeadline();

  const { priority, queryHit } = prioritize(parsed, ctx);
  const keep = select(lines, parsed, priority, queryHit, ctx);
  const out = renderSelection(lines, keep, ctx, {
    unit: 'lines',
    describe: (start, end) => describeRun(parsed, start, end),
  });
  return { text: out, strategy: 'search-select' };
};

function prioritize(parsed: readonly SearchLine[], ctx: Ctx): { priority: Int8Array; queryHit: Uint8Array } {
  const texts = parsed.filter((p) => p.kind === 'match' || p.kind === 'context').map((p) => p.text);
  const terms = weighTerms(ctx.query, texts, 0.4);
  const subjects = new Set(terms.common);
  const isSubject = (name: string) => subjects.has(stem(name.toLowerCase())) || subjects.has(name.toLowerCase());
  const mentionsSubject = (s: string) => {
    const lower = s.toLowerCase();
    for (const t of subjects) if (lower.includes(t)) return true;
    return false;
  };
  // Signatures returning the identifier count as essential only when the question is about returns.
  const asksReturns = ctx.query.terms.some((t) => t.startsWith('return'));
  const returnsSubject = (t: string) => {
    if (!asksReturns) return false;
    const ret = returnType(t);
    return ret !== undefined && mentionsSubject(ret);
  };
  const pr = new Int8Array(parsed.length).fill(-1);
  const queryHit = new Uint8Array(parsed.length);
  const severeSeen = new Set<string>();
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i];
    if (p.kind !== 'match' && p.kind !== 'context') continue;
    if ((i & 1023) === 0) ctx.checkDeadline();
    const t = p.text.length > CLASSIFY_CHARS ? p.text.slice(0, CLASSIFY_CHARS) : p.text;
    const kind = classifyCodeLine(t);
    const rare = terms.score(t);
    if (rare > 0) queryHit[i] = 1;
    let score: number;
    if (kind === 'declaration') {
      const names = declaredNames(t);
      if (names.some(isSubject)) score = 4;
      else if (rare > 0 || returnsSubject(t)) score = 3;
      else score = 2;
    } else if (kind === 'signature') {
      if (rare > 0 || returnsSubject(t)) score = 3;
      else score = 1;
    } else if (kind === 'code') {
      score = rare > 0 ? 2 : 1;
    } else {
      score = rare > 0 ? 1 : 0;
    }
    // Context lines are never essential.
    if (p.kind === 'context') score = Math.min(score, 1);
    // Errors in matched log lines: the first of each message (numbers aside) is essential.
    else if (severeSeen.size < SEVERE_MESSAGES && SEVERE_HIT.test(t)) {
      const message = t.replace(/\d+/g, '#');
      if (!severeSeen.has(message)) {
        severeSeen.add(message);
        score = MUST;
      }
    }
    pr[i] = score;
  }
  return { priority: pr, queryHit };
}

function select(lines: readonly string[], parsed: readonly SearchLine[], pr: Int8Array, queryHit: Uint8Array, ctx: Ctx): Uint8Array {
  const keep = new Uint8Array(lines.length);
  let total = 0;
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    total += lines[i].length;
    if (pr[i] >= MUST) {
      keep[i] = 1;
      used += lines[i].length;
    }
  }
  // Optional hits that extend a kept run (no new marker), by priority, while the budget lasts.
  const budget = Math.max(used, total * BUDGET_SHARE);
  for (let level = MUST - 1; level >= 2 && used < budget; level--) {
    for (let i = 0; i < lines.length && used < budget; i++) {
      if (pr[i] !== level || keep[i]) continue;
      if (!((i > 0 && keep[i - 1]) || (i + 1 < lines.length && keep[i + 1]))) continue;
      if (used + lines[i].length > budget) continue;
      keep[i] = 1;
      used += lines[i].length;
    }
  }
  // A handful of hits matching the question's rarer terms are what it asks about: each is kept,
  // also on its own (many such hits are kept only where they extend a kept run, above).
  let isolated = 0;
  for (let i = 0; i < lines.length; i++) if (queryHit[i] && !keep[i] && pr[i] >= 1) isolated++;
  if (isolated <= FEW_QUERY_HITS) {
    for (let i = 0; i < lines.length; i++) {
      if (!queryHit[i] || keep[i] || pr[i] < 1) continue;
      keep[i] = 1;
      used += lines[i].length;
    }
  }
  // Without a signal from the question, show where the matches are: the first hit of each file.
  if (used === 0) {
    const seen = new Set<string>();
    for (let i = 0; i < lines.length && used < budget && seen.size < REPRESENTED_FILES; i++) {
      const p = parsed[i];
      if (p.kind !== 'match' || seen.has(p.file) || pr[i] < 1) continue;
      seen.add(p.file);
      if (lines[i].length > budget / 4) continue;
      keep[i] = 1;
      used += lines[i].length;
    }
  }
  ctx.checkDeadline();
  // Structure: ripgrep headings of files with kept hits, separators and blanks between kept lines.
  const lastKeptHit = new Map<string, boolean>();
  for (let i = 0; i < parsed.length; i++) if (keep[i] && parsed[i].file) lastKeptHit.set(parsed[i].file, true);
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i];
    if (p.kind === 'header') keep[i] = lastKeptHit.has(p.file) ? 1 : 0;
    else if (p.kind === 'other') keep[i] = 1;
  }
  for (let i = 0; i < parsed.length; i++) {
    const k = parsed[i].kind;
    if ((k === 'separator' || k === 'blank') && i > 0 && keep[i - 1] && i + 1 < parsed.length && keep[i + 1]) keep[i] = 1;
  }
  return keep;
}

/** "12 matches in 3 files: a.go 7, b.go 4, c.go 1" (at most three names). */
function describeRun(parsed: readonly SearchLine[], start: number, end: number): string | undefined {
  const perFile = new Map<string, number>();
  let matches = 0;
  for (let i = start; i < end; i++) {
    const p = parsed[i];
    if (p.kind !== 'match') continue;
    matches++;
    perFile.set(p.file, (perFile.get(p.file) ?? 0) + 1);
  }
  if (matches === 0) return undefined;
  const files = [...perFile.entries()];
  const named = files.slice(0, 3).map(([f, n]) => `${f} ${n}`).join(', ');
  const more = files.length > 3 ? `, +${files.length - 3} more` : '';
  return `${matches} ${matches === 1 ? 'match' : 'matches'} in ${files.length} ${files.length === 1 ? 'file' : 'files'}: ${named}${more}`;
}
