/**
 * Unified / git diffs. Always kept: everything outside hunks (the --stat block, commit headers),
 * file headers and `@@` lines. Change lines are kept verbatim by relevance: hunks of files the
 * question names and change lines that carry its rarer terms first, then whole hunks in order of
 * relevance while a budget lasts; other hunks keep their first change lines. Context keeps one
 * line on each side of kept changes. Deleted or added whole files, lockfiles and minified files
 * keep a head. Every dropped run is one marker naming the stored exact lines.
 */
import { renderSelection, type Ctx } from '../context';
import { splitLines } from '../lines';
import { parseDiff, type ParsedDiff } from '../text/diff-parse';
import { weighTerms } from '../text/terms';
import type { Compressor } from './types';

/** Share of the input's characters that change lines may fill beyond the essential ones. */
const BUDGET_SHARE = 0.25;
/** A change line is essential when its query terms are this specific: ln(1/share), share ≈ 2%. */
const SPECIFIC = Math.log(50);
/** Change lines shown of a whole added/deleted file, lockfile or minified file. */
const BULK_HEAD = 5;
/** A new or deleted file with more change lines than this is folded to its head. */
const BULK_LINES = 40;

const LOCKFILE = /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|go\.sum|bun\.lockb|flake\.lock|[^/]+\.min\.(js|css)|[^/]+\.map|[^/]+\.snap)$/;

export const compressDiff: Compressor = (text, ctx) => {
  const lines = splitLines(text);
  const parsed = parseDiff(lines);
  if (parsed.hunks.length === 0) return null;
  ctx.checkDeadline();
  const keep = selectDiff(lines, parsed, ctx);
  const out = renderSelection(lines, keep, ctx, { unit: 'lines', describe: (s, e) => describeRun(parsed, s, e) });
  return { text: out, strategy: 'diff-select' };
};

/** The keep-mask for a diff (also used for the patches of `git log -p`). */
export function selectDiff(lines: readonly string[], parsed: ParsedDiff, ctx: Ctx): Uint8Array {
  const n = lines.length;
  const keep = new Uint8Array(n);
  const roles = parsed.lines;
  const changeTexts: string[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += lines[i].length;
    const r = roles[i].role;
    if (r === 'add' || r === 'del') changeTexts.push(lines[i]);
    else if (r !== 'ctx') keep[i] = 1;
  }
  const terms = weighTerms(ctx.query, changeTexts, 0.3);
  const qtext = ctx.query.text.toLowerCase();
  const named = parsed.files.map((f) => namedInQuery(f.path, qtext, ctx.query.terms));
  const bulk = parsed.files.map((f) => isBulk(f.path, f.start, f.end, parsed, lines));

  let used = 0;
  for (let i = 0; i < n; i++) if (keep[i]) used += lines[i].length;
  const budget = used + total * BUDGET_SHARE;

  // Essential: change lines with specific query terms (a few per bulk file).
  const hunkRel = new Int32Array(parsed.hunks.length);
  const bulkHits = new Int32Array(parsed.files.length);
  for (let i = 0; i < n; i++) {
    const r = roles[i];
    if ((r.role !== 'add' && r.role !== 'del') || r.hunk < 0) continue;
    if ((i & 1023) === 0) ctx.checkDeadline();
    let hit = terms.weight(lines[i].length > 2000 ? lines[i].slice(0, 2000) : lines[i]) >= SPECIFIC;
    // A deleted changelog or a lockfile mentions everything; show only a few of its hits.
    if (hit && bulk[r.file] && bulkHits[r.file]++ >= BULK_HEAD) hit = false;
    if (hit) {
      hunkRel[r.hunk]++;
      keep[i] = 1;
      used += lines[i].length;
    }
  }

  // Hunks holding a change whose shape (numbers aside) occurs once in the diff: in a repetitive
  // change (an import renamed in 60 files) the one edit unlike the others is what a reader needs.
  const unique = uniqueChangeHunks(lines, parsed);

  // Whole hunks: those of files the question names, then by relevance (more hits, then a unique
  // change, then smaller first) while the budget lasts. The rest keep their first change lines.
  const whole = (h: number) => {
    const { start, end } = parsed.hunks[h];
    for (let i = start + 1; i < end; i++) {
      if (!keep[i]) used += lines[i].length;
      keep[i] = 1;
    }
  };
  const cost = (h: number) => {
    let c = 0;
    const { start, end } = parsed.hunks[h];
    for (let i = start + 1; i < end; i++) if (!keep[i]) c += lines[i].length;
    return c;
  };
  const order: number[] = [];
  for (let h = 0; h < parsed.hunks.length; h++) {
    const f = parsed.hunks[h].file;
    if (bulk[f]) continue;
    if (named[f]) whole(h);
    else order.push(h);
  }
  const costs = new Map(order.map((h) => [h, cost(h)]));
  order.sort((a, b) => hunkRel[b] - hunkRel[a] || unique[b] - unique[a] || costs.get(a)! - costs.get(b)! || a - b);
  const partial: number[] = [];
  for (const h of order) {
    const c = cost(h);
    if (used + c <= budget) whole(h);
    else partial.push(h);
  }
  // Hunks the question does not touch go whole, `@@` line included, so neighbours share a marker.
  for (const h of partial) if (hunkRel[h] === 0) keep[parsed.hunks[h].start] = 0;
  for (let f = 0; f < parsed.files.length; f++) {
    if (!bulk[f]) continue;
    const h = parsed.hunks.find((x) => x.file === f);
    if (h) keepHead(h.start, h.end, BULK_HEAD);
  }
  // In partly kept hunks, one context line on each side of kept changes.
  const extra: number[] = [];
  for (let i = 0; i < n; i++) {
    if (roles[i].role !== 'ctx' || keep[i]) continue;
    if ((i > 0 && keep[i - 1] && isChange(roles[i - 1].role)) || (i + 1 < n && keep[i + 1] && isChange(roles[i + 1].role))) extra.push(i);
  }
  for (const i of extra) keep[i] = 1;
  for (let i = 0; i < n; i++) if (roles[i].role === 'nonl') keep[i] = i > 0 && keep[i - 1] ? 1 : 0;
  return keep;

  function keepHead(start: number, end: number, count: number): void {
    let shown = 0;
    for (let i = start + 1; i < end && shown < count; i++) {
      if (roles[i].role !== 'add' && roles[i].role !== 'del') continue;
      if (!keep[i]) used += lines[i].length;
      keep[i] = 1;
      shown++;
    }
  }
}

/**
 * 1 for each hunk with a change line whose shape (digits masked, blanks collapsed, first 300
 * characters) no other change line has, when such lines are the minority (a repetitive diff); all 0
 * otherwise, where every change is unlike the others and the order stays by relevance and size.
 */
function uniqueChangeHunks(lines: readonly string[], parsed: ParsedDiff): Uint8Array {
  const out = new Uint8Array(parsed.hunks.length);
  const shapes = new Map<string, number>();
  const shapeOf: Array<string | undefined> = [];
  let changes = 0;
  for (let i = 0; i < lines.length; i++) {
    const r = parsed.lines[i];
    if (!isChange(r.role) || r.hunk < 0) continue;
    const shape = lines[i].slice(0, 300).replace(/\d+/g, '#').replace(/\s+/g, ' ');
    shapeOf[i] = shape;
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
    changes++;
  }
  let uniqueLines = 0;
  for (const n of shapes.values()) if (n === 1) uniqueLines++;
  if (uniqueLines * 2 > changes) return out;
  for (let i = 0; i < lines.length; i++) {
    const s = shapeOf[i];
    if (s !== undefined && shapes.get(s) === 1) out[parsed.lines[i].hunk] = 1;
  }
  return out;
}

function isChange(role: string): boolean {
  return role === 'add' || role === 'del';
}

/** The question names the file: its path or base name (with extension) appears in it. */
function namedInQuery(path: string, qtext: string, terms: readonly string[]): boolean {
  if (!qtext || !path) return false;
  const lower = path.toLowerCase();
  const base = lower.slice(lower.lastIndexOf('/') + 1);
  if (base.length >= 4 && base.includes('.') && new RegExp(`(^|[^\\w.-])${escapeRe(base)}($|[^\\w-])`).test(qtext)) return true;
  return lower.length >= 4 && qtext.includes(lower);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Lockfiles, minified files, and whole added or deleted files of many lines. */
function isBulk(path: string, start: number, end: number, parsed: ParsedDiff, lines: readonly string[]): boolean {
  if (LOCKFILE.test(path)) return true;
  let adds = 0;
  let dels = 0;
  let ctxs = 0;
  let chars = 0;
  for (let i = start; i < end; i++) {
    const r = parsed.lines[i].role;
    if (r === 'add') adds++;
    else if (r === 'del') dels++;
    else if (r === 'ctx') ctxs++;
    else continue;
    chars += lines[i].length;
  }
  const changes = adds + dels;
  if (changes > 0 && chars / changes > 400) return true;
  return ctxs === 0 && (adds === 0 || dels === 0) && changes > BULK_LINES;
}

function describeRun(parsed: ParsedDiff, start: number, end: number): string | undefined {
  let adds = 0;
  let dels = 0;
  let ctxs = 0;
  let hunks = 0;
  for (let i = start; i < end; i++) {
    const r = parsed.lines[i].role;
    if (r === 'add') adds++;
    else if (r === 'del') dels++;
    else if (r === 'ctx') ctxs++;
    else if (r === 'hunk') hunks++;
  }
  const parts: string[] = [];
  if (hunks) parts.push(`${hunks} ${hunks === 1 ? 'hunk' : 'hunks'}`);
  if (adds) parts.push(`+${adds}`);
  if (dels) parts.push(`-${dels}`);
  if (ctxs) parts.push(`${ctxs} context`);
  return parts.length ? parts.join(', ') : undefined;
}
