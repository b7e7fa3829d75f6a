/**
 * Build and test output: keeps every failing test, every distinct error and warning with its
 * location and detail (assertion, diff, stack, snippet) — of many diagnostics of one code in one
 * file, the first three messages — every summary/count line and lines matching the question;
 * folds passing tests, progress and repeated diagnostics behind counted markers.
 */
import { renderSelection, type Ctx } from '../context';
import { body, splitLines } from '../lines';
import { blockEnd, indentWidth, keepAncestors, keepBlock } from '../build/blocks';
import { classifyLine, type LineRole } from '../build/classify';
import { diagnosticCode, diagnosticFile, fileGroup, lineTemplate } from '../build/diagnostic';
import { rareQueryMatches } from '../build/query-lines';
import { compressTerraformPlan, looksLikeTerraformPlan } from './ops';
import type { Compressed, Compressor } from './types';

/** Test-failure headers are always kept, even when their text repeats (a summary lists them again). */
const TEST_FAILURE = /^\s*(✖|✗|×|✘|❌|not ok \d+|--- FAIL:|●|FAIL\b|FAILED\b|\d+\) \S|_{3,} |test at \S+:\d+|---- \S+ std(out|err) ----$)|\.\.\. (FAILED|FAIL|ERROR)\s*$/;
/**
 * The line naming the test binary cargo runs next (`Running unittests src/lib.rs (target/debug/deps/x-1f2e)`,
 * `Doc-tests x`): a failure below it is read against it, and there is one per binary.
 */
const TEST_BINARY = /^\s*(Running (unittests )?\S+ \([^)]*\)|Doc-tests [\w-]+)\s*$/;
const ESLINT_ROW = /^\s+\d+:\d+\s+(error|warning)\s/;
const MIN_CHARS = 800;
/** With at most this many error and warning lines, every one is kept: folding a few saves little. */
const FEW_DIAGNOSTICS = 25;
/** Distinct messages of one diagnostic code kept per file. */
const MESSAGES_PER_CODE = 3;

export const compressBuild: Compressor = (text, ctx) => {
  if (text.length < MIN_CHARS) return null;
  if (looksLikeTerraformPlan(text)) {
    const plan = compressTerraformPlan(text, ctx);
    if (plan) return plan;
  }
  const lines = splitLines(text);
  const roles: LineRole[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    roles[i] = classifyLine(body(lines[i]));
    if ((i & 4095) === 0) ctx.checkDeadline();
  }
  const keep = selectLines(lines, roles, ctx);
  let dropped = 0;
  for (let i = 0; i < lines.length; i++) if (!keep[i]) dropped++;
  if (dropped === 0) return null;
  const out = renderSelection(lines, keep, ctx, { describe: (s, e) => describeRun(lines, roles, s, e) });
  return { text: out, strategy: 'build-failures' } satisfies Compressed;
};

function selectLines(lines: readonly string[], roles: readonly LineRole[], ctx: Ctx): Uint8Array {
  const n = lines.length;
  const keep = new Uint8Array(n);
  const seenTemplates = new Set<string>();
  const seenGroups = new Set<string>();
  const shownPerCode = new Map<string, number>();
  const seenDetail = new Set<string>();
  let coveredUntil = 0;
  let lastHeader = ''; // nearest unindented line, the file header of ESLint-style rows
  let diagnostics = 0;
  for (const r of roles) if (r === 'fail' || r === 'warn') diagnostics++;
  const keepAll = diagnostics <= FEW_DIAGNOSTICS;

  for (let i = 0; i < n; i++) {
    const role = roles[i];
    const line = body(lines[i]);
    if (role !== 'blank' && indentWidth(lines[i]) === 0) lastHeader = line;
    if (role === 'summary' || (role === 'suite' && TEST_BINARY.test(line))) keep[i] = 1;
    if ((role !== 'fail' && role !== 'warn') || i < coveredUntil) continue;
    const end = blockEnd(lines, roles, i);
    coveredUntil = end;
    let distinct = false;
    if (keepAll) {
      const textKey = 'text:' + line.replace(/\d+/g, '#');
      distinct = !seenTemplates.has(textKey);
      seenTemplates.add(textKey);
    }
    if (shouldKeep(line, role, lines, i, end, lastHeader, seenTemplates, seenGroups, shownPerCode) || distinct) {
      keepBlock(lines, keep, i, end);
      keepAncestors(lines, roles, keep, i);
      if (!TEST_FAILURE.test(line)) dropRepeatedDetail(lines, keep, i + 1, end, seenDetail);
    }
    if ((i & 1023) === 0) ctx.checkDeadline();
  }

  for (const i of rareQueryMatches(lines, ctx)) keep[i] = 1;
  keepEdges(roles, keep);
  keepShortGaps(roles, keep);
  return keep;
}

/** Unclassified lines kept when they lie in a short gap between kept lines. */
const SHORT_GAP = 8;

/**
 * A few unclassified lines between kept ones are the detail of what is kept around them, set off
 * by blank lines or printed unindented: mocha's `409 !== 201` and `-201 / +409` under an
 * AssertionError, pip's "The conflict is caused by:" lines between two ERROR lines. A marker for
 * them would save little and hide the fact the failure is about.
 */
function keepShortGaps(roles: readonly LineRole[], keep: Uint8Array): void {
  const n = roles.length;
  let i = 0;
  while (i < n) {
    if (keep[i]) {
      i++;
      continue;
    }
    let j = i;
    let content = 0;
    let plain = true;
    while (j < n && !keep[j]) {
      if (roles[j] !== 'blank') {
        content++;
        if (roles[j] !== 'other') plain = false;
      }
      j++;
    }
    if (i > 0 && j < n && plain && content <= SHORT_GAP) for (let k = i; k < j; k++) keep[k] = 1;
    i = j;
  }
}

/**
 * Failing tests are always kept. A diagnostic with a file is kept when it is the first for its file
 * (or dependency package) or says something new; anything else only when its template is new.
 */
function shouldKeep(
  line: string, role: LineRole, lines: readonly string[], i: number, end: number, lastHeader: string,
  seenTemplates: Set<string>, seenGroups: Set<string>, shownPerCode: Map<string, number>,
): boolean {
  const template = role + ':' + lineTemplate(line);
  const newTemplate = !seenTemplates.has(template);
  seenTemplates.add(template);
  if (role === 'fail' && TEST_FAILURE.test(line)) return true;
  const file = diagnosticFile(line) ?? locationInBlock(lines, i, end) ?? (ESLINT_ROW.test(line) ? lastHeader.trim() : undefined);
  if (file === undefined) {
    // Runtime warnings carry a code ([DEP0005], [FSTDEP022]) that names their template.
    const code = role === 'warn' ? diagnosticCode(line) : undefined;
    if (code === undefined) return newTemplate;
    const seen = seenTemplates.has('warn-code:' + code);
    seenTemplates.add('warn-code:' + code);
    return !seen;
  }
  const group = fileGroup(file);
  const newGroup = !seenGroups.has(group);
  seenGroups.add(group);
  // A compiler's code names the template better than its text (which embeds names and types).
  const code = diagnosticCode(line);
  const codeKey = 'code:' + (code ?? template);
  const newCode = !seenTemplates.has(codeKey);
  seenTemplates.add(codeKey);
  // A few distinct messages of one code in one file are each kept (each names what to fix); past
  // that they fold (tsc's "implicitly has an 'any' type" for every parameter of a file).
  const messageKey = 'message:' + group + '|' + line.replace(/[:(]\d+(?:[:,]\d+)*\)?/g, '');
  const perCodeKey = group + '|' + codeKey;
  const shown = shownPerCode.get(perCodeKey) ?? 0;
  const newMessage = !seenTemplates.has(messageKey) && shown < MESSAGES_PER_CODE;
  seenTemplates.add(messageKey);
  if (newGroup || newCode || newMessage) {
    shownPerCode.set(perCodeKey, shown + 1);
    return true;
  }
  return false;
}

/**
 * A hint repeated under many diagnostics (tsc's "Try `npm i --save-dev @types/x`...") is kept once.
 * Only short detail lines are candidates: a long elaboration is specific to its diagnostic.
 */
function dropRepeatedDetail(lines: readonly string[], keep: Uint8Array, start: number, end: number, seen: Set<string>): void {
  if (end - start > 3) return;
  for (let k = start; k < end; k++) {
    const t = lineTemplate(body(lines[k]));
    if (t === '') continue;
    if (seen.has(t)) keep[k] = 0;
    else seen.add(t);
  }
}

/** rustc puts the location on the line after the header (`  --> src/main.rs:4:5`). */
function locationInBlock(lines: readonly string[], i: number, end: number): string | undefined {
  for (let k = i + 1; k < Math.min(end, i + 3); k++) {
    const m = /^\s*-->\s*([^\s:]+):\d+/.exec(body(lines[k]));
    if (m) return m[1];
  }
  return undefined;
}

/** The first line (the command or config) and the last line (the verdict) are cheap context. */
function keepEdges(roles: readonly LineRole[], keep: Uint8Array): void {
  const first = roles.findIndex((r) => r !== 'blank');
  if (first >= 0) keep[first] = 1;
  for (let i = roles.length - 1; i > first; i--) {
    if (roles[i] === 'blank') continue;
    // A trailing diagnostic is kept or folded by the rules above, like any other.
    if (roles[i] === 'other' || roles[i] === 'summary') keep[i] = 1;
    break;
  }
}

const ROLE_LABEL: Record<LineRole, [string, string]> = {
  pass: ['passing test', 'passing tests'],
  skip: ['skipped test', 'skipped tests'],
  suite: ['suite line', 'suite lines'],
  progress: ['progress line', 'progress lines'],
  warn: ['warning', 'warnings'],
  fail: ['error', 'errors'],
  summary: ['summary line', 'summary lines'],
  other: ['other line', 'other lines'],
  blank: ['', ''],
};

/** "2,300 passing tests, 4 skipped tests" or "TS7006×8, TS2305×4": what an omitted run held. */
function describeRun(lines: readonly string[], roles: readonly LineRole[], start: number, end: number): string {
  const counts = new Map<LineRole, number>();
  const codes = new Map<string, number>();
  for (let k = start; k < end; k++) {
    const r = roles[k];
    if (r === 'blank') continue;
    counts.set(r, (counts.get(r) ?? 0) + 1);
    if (r === 'fail' || r === 'warn') {
      const code = diagnosticCode(body(lines[k]));
      if (code) codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  }
  // Detail lines of folded diagnostics are not worth naming next to the diagnostics themselves.
  if (counts.has('fail') || counts.has('warn')) counts.delete('other');
  const parts = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([role, c]) => {
      if ((role === 'fail' || role === 'warn') && codes.size > 0) {
        const top = [...codes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
        const listed = top.reduce((a, [, k]) => a + k, 0);
        const named = top.map(([code, k]) => (k > 1 ? `${code}×${k}` : code)).join(', ');
        return listed === c ? named : `${c.toLocaleString('en-US')} ${ROLE_LABEL[role][1]} (${named}…)`;
      }
      return `${c.toLocaleString('en-US')} ${ROLE_LABEL[role][c === 1 ? 0 : 1]}`;
    });
  return parts.join(', ');
}
