/**
 * Content detection: a cheap look at a sample of lines, scored per kind. Structural kinds (JSON,
 * diffs, git log) are recognised by their unmistakable openings; line-oriented kinds by the share
 * of lines that look like them.
 */
import type { ContentKind } from './types';
import { isJsonDocument } from './json/parse';
import { RECORD_LOG_MAX, recordLogScore } from './logs/detect-log';
import { startsWithTimestamp } from './logs/line-facts';
import { looksLikeKubectl, looksLikeTerraformPlan } from './compressors/ops';

const SAMPLE_LINES = 100;

const RE = {
  jsonStart: /^\s*[[{]/,
  diffHeader: /^(diff --git |--- (a\/|\/dev\/null)|\+\+\+ (b\/|\/dev\/null)|@@ -\d+(,\d+)? \+\d+(,\d+)? @@|Index: |diff -[ruN])/,
  /** A --graph prefix (`* `, `| `, `| * `, `|/ `) may precede the commit lines of any format. */
  gitCommit: /^(?:[*|\\/] *)*commit [0-9a-f]{7,40}\b/,
  gitMeta: /^(?:[*|\\/] *)*(Author|Date|Merge):/,
  gitOneline: /^(?:[*|\\/] *)*[0-9a-f]{7,12} \S/,
  /** A --graph line with no commit on it (`|\`, `|/`, `| |`, `|/|`). */
  gitGraph: /^[*|\\/_ .-]*[|\\/][*|\\/_ .-]*$/,
  grepLine: /^(?:\.{0,2}\/)?[\w@.+~\-/\\]+[\w)]\.?\w*[:-]\d+[:-]/,
  // Not `path.py::name`: a pytest node id (`tests/test_x.py::test_y PASSED`).
  grepNoLine: /^(?:\.{0,2}\/)?[\w@.+~\-/\\]+\.\w+:(?!:)\S/,
  rgNumbered: /^\d+[:-]/,
  /**
   * A compiler or linter diagnostic in `file:line[:col]: ` form (gcc, mypy, ruff, flake8, pylint):
   * it looks like a grep hit, but it is build output, whose compressor keeps every error.
   */
  diagnostic: /^(?:\.{0,2}\/)?[\w@.+~\-/\\]+\.\w+:\d+(?::\d+)?:\s?(?:(?:fatal )?error|warning|note|info|hint|remark)\b|^(?:\.{0,2}\/)?[\w@.+~\-/\\]+\.\w+:\d+:\d+: [A-Z]{1,4}\d{2,4}\b|^(?:\.{0,2}\/)?[\w@.+~\-/\\]+\.go:\d+:\d+: \S/,
  lsLong: /^[-dlcbpsD][rwxsStT-]{9}[.@+]?\s+\d+\s/,
  lsTotal: /^total \d+/,
  lsDirHeader: /^(\.{1,2}|\.?\/?[\w@.+~\-/]+):$/,
  /** Tree drawings; a `── ` anywhere in the line is looked for with includes (a regex would try every position). */
  treeStart: /^[│├└|`]/,
  findPath: /^(\.{1,2}\/|\/)[^\s:]*$/,
  build: /::\S+ (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b|\berror TS\d+|\b(warning|error)\[?[A-Z]*\d*\]?:|^npm (ERR!|warn|error)|^\s*(✔|✖|✓|✗|×|ℹ|▶)\s|^\s*(ok|not ok) \d+\b|^(PASS|FAIL)\s|^={3,} .*(passed|failed|error)|^--- (FAIL|PASS):|^(=== RUN|--- SKIP)|^test result:|^\s*(Compiling|Finished|Running|Downloaded|Downloading|Installing|Collecting|Successfully installed|Requirement already)|\b(passed|failed|passing|failing|pending)\b.*\d|^\s+at .+:\d+:\d+\)?$|^#\s*(tests|pass|fail|suites|duration_ms)\b|^\s*\d+\) |\bTraceback \(most recent call last\)|^(FAILED|PASSED|ERROR) |^(E|>)\s{3}|^test .+ \.\.\. (ok|FAILED|failed|ignored)$|^running \d+ tests?$|^\s+\d+:\d+\s+(error|warning)\s|^> (Task|Configure project) :|^BUILD (SUCCESSFUL|FAILED)\b/,
  logTime: /^\s*[\[(]?(\d{4}[-/.]\d{2}[-/.]\d{2}[T ]?|\d{2}[-/]\w{3}[-/]\d{4}|(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b|(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+\d\d:|\d{6}\s+\d{6}\b|\d{1,2}:\d{2}:\d{2}|\d{10}(\.\d+)?\b|\d{13}\b|-\s+\d+\s+\d{4}\.\d\d\.\d\d)/,
  /** A Go crash: `panic:`, goroutine headers, `\t/path/file.go:41 +0x1d4` frames, `created by`. */
  goCrash: /^(panic: |fatal error: |goroutine \d+ \[|created by |\t\S+\.go:\d+( \+0x[0-9a-f]+)?$)/,
  logLevel: /(^|[\s\[|(<])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRIT|CRITICAL|SEVERE|ALERT|EMERG|notice|info|warn|error|debug)([\]|):>\s]|$)/,
  htmlStart: /^\s*(<!doctype html|<html|<head|<body|<div|<\?xml)/i,
  htmlTag: /<\/?[a-zA-Z][\w-]*(\s[^<>]*)?>/g,
  mdTableRow: /^\s*\|.*\|\s*$/,
  mdTableSep: /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$/,
  /** The border of a boxed table (mysql, sqlite -box, psql \pset border 2): `+------+-----+`. */
  boxBorder: /^\s*\+(-+\+){2,}\s*$/,
  fence: /^\s*(```|~~~)/,
  codeLine: /^\s*(import\s|export\s|from\s+\S+\s+import|package\s+\w|#include\s|using\s+\w|def\s+\w+\s*\(|class\s+\w|func\s|fn\s+\w|pub\s|impl\b|struct\s+\w|interface\s+\w|enum\s+\w|const\s+\w|let\s+\w|var\s+\w|function\b|return\b|if\s*\(|for\s*\(|while\s*\(|switch\s*\(|}\s*else|@\w+|async\s|await\s|public\s|private\s|protected\s|static\s|#\[|\/\/|\/\*|\*\/|\s*\* |"""|#!)|[;{]\s*$|^\s*}\)?;?\s*$/,
};

function sampleLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (lines.length < SAMPLE_LINES && start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const line = text.slice(start, Math.min(nl, start + 2000)).replace(/\r$/, '');
    if (line.trim() !== '') lines.push(line);
    start = nl + 1;
  }
  return lines;
}

function share(lines: string[], test: (l: string) => boolean): number {
  if (lines.length === 0) return 0;
  let n = 0;
  for (const l of lines) if (test(l)) n++;
  return n / lines.length;
}

export function looksLikeJson(text: string): boolean {
  const t = text.trim();
  if (!RE.jsonStart.test(t)) return false;
  const last = t[t.length - 1];
  if (((t[0] === '{' && last === '}') || (t[0] === '[' && last === ']')) && isJsonDocument(text)) return true;
  const lines = sampleLines(t);
  if (lines.length < 2) return false;
  return lines.every((l) => {
    const s = l.trim();
    if (!(s.startsWith('{') || s.startsWith('['))) return false;
    try {
      JSON.parse(s);
      return true;
    } catch {
      return false;
    }
  });
}

function looksLikeCsv(lines: string[]): boolean {
  if (lines.length < 3) return false;
  for (const sep of [',', '\t', ';', '|']) {
    const counts = lines.slice(0, 50).map((l) => l.split(sep).length - 1);
    const first = counts[0];
    if (first < 1) continue;
    const same = counts.filter((c) => c === first).length / counts.length;
    if (same >= 0.9 && (sep !== ',' || first >= 2 || lines.length > 5)) return true;
  }
  return false;
}

/** The first line names the columns: 3+ comma, tab or semicolon separated cells, all names, none a number or date. */
function hasCsvHeader(lines: string[]): boolean {
  const first = lines[0];
  for (const sep of [',', '\t', ';']) {
    const cells = first.split(sep);
    if (cells.length < 3) continue;
    const count = cells.length - 1;
    const rows = lines.slice(1, 50);
    if (rows.filter((l) => l.split(sep).length - 1 === count).length < rows.length * 0.9) continue;
    if (cells.every((c) => /^\s*"?[A-Za-z_][\w .()\/%#-]{0,60}"?\s*$/.test(c))) return true;
  }
  return false;
}

/** Ripgrep --heading output: a path line, then numbered lines, then a blank line. */
function looksLikeRgHeading(lines: string[]): boolean {
  let numbered = 0;
  for (const l of lines) if (RE.rgNumbered.test(l)) numbered++;
  // Without numbered lines there are no headings to look for (the usual case: not ripgrep --heading).
  if (numbered === 0) return false;
  let headings = 0;
  for (const l of lines) {
    if (!RE.rgNumbered.test(l) && (/^[\w@.+~\-/\\]+\.\w+$/.test(l) || /^[\w@.+~\-/\\]+\/[\w.-]+$/.test(l))) headings++;
  }
  return headings > 0 && numbered >= headings && (numbered + headings) / lines.length > 0.8;
}

/** Lines shaped like grep hits (`path:N:`, `path:text`); compiler diagnostics are among them. */
function isGrepShaped(l: string): boolean {
  return RE.grepLine.test(l) || RE.grepNoLine.test(l);
}

function isGrepHit(l: string): boolean {
  return isGrepShaped(l) && !RE.diagnostic.test(l) && !startsWithTimestamp(l);
}

/** A sentence-like line: unindented, many words, nearly all of them plain words. */
function isProseLine(l: string): boolean {
  if (!/^["'(A-Za-z]/.test(l) || isGrepHit(l) || RE.logTime.test(l) || RE.build.test(l)) return false;
  const words = l.split(/\s+/);
  if (words.length < 8) return false;
  let plain = 0;
  for (const w of words) if (/^["'(]?[A-Za-z][a-z'’-]*[)"',.;:!?]*$/.test(w)) plain++;
  return plain / words.length >= 0.75;
}

/** A short paragraph of sentences: the question or explanation around pasted output. */
function isProseParagraph(block: string[]): boolean {
  return block.length > 0 && block.length <= 12 && share(block, isProseLine) >= 0.5;
}

/** The first and last blank-line separated paragraphs (only when a blank line sets them apart). */
function edgeParagraphs(text: string): [string[], string[]] {
  const head = text.slice(0, 4000);
  const headEnd = head.search(/\n[ \t]*\r?\n/);
  const tail = text.slice(-4000).trimEnd();
  let tailStart = -1;
  for (const m of tail.matchAll(/\n[ \t]*\r?\n/g)) tailStart = m.index;
  const lines = (s: string) => s.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  return [headEnd > 0 ? lines(head.slice(0, headEnd)) : [], tailStart > 0 ? lines(tail.slice(tailStart)) : []];
}

/**
 * Timestamps or levels on most lines; failing that, a record layout with repeated templates (its
 * score is at most RECORD_LOG_MAX, so it is only worked out when it could decide the kind).
 */
function logScore(lines: string[], unbeatable: boolean): number {
  const s = share(lines, (l) => RE.logTime.test(l) || RE.logLevel.test(l.slice(0, 120)) || RE.goCrash.test(l));
  return s >= 0.5 || unbeatable ? s : Math.max(s, recordLogScore(lines));
}

/** Detects the kind of a piece of content. */
export function detectKind(text: string): ContentKind {
  const head = text.slice(0, 4096);
  if (looksLikeJson(text)) return 'json';
  const lines = sampleLines(text);
  if (lines.length === 0) return 'prose';
  if (RE.htmlStart.test(head) && (head.match(RE.htmlTag)?.length ?? 0) >= 5) return 'html';

  const first = lines[0];
  if (RE.gitCommit.test(first) || (share(lines, (l) => RE.gitCommit.test(l)) > 0.01 && lines.some((l) => RE.gitMeta.test(l)))) return 'gitlog';
  if (lines.some((l) => /^@@ -\d+/.test(l)) && lines.some((l) => /^(\+\+\+|---) /.test(l)) &&
    share(lines, (l) => RE.diffHeader.test(l) || /^[-+ ]/.test(l) || /^\s*\S+\s+\|\s+\d+ [-+]*$/.test(l)) > 0.6) return 'diff';

  // Operations tool output with a known shape: `kubectl get` tables, `terraform plan`.
  if (looksLikeKubectl(lines)) return 'table';
  if (looksLikeTerraformPlan(text)) return 'build';

  const fences = share(lines, (l) => RE.fence.test(l));
  if (fences > 0 && lines.filter((l) => RE.fence.test(l)).length >= 2) return 'mixed';

  // A delimited table under a header of column names is a table, whatever its first column holds
  // (dates make every row look like a log line, and the log compressor folds the odd row away).
  if (hasCsvHeader(lines) && looksLikeCsv(lines)) return 'table';

  // A line opening with a timestamp (a log line; its date looks like `path-N-`) is neither a
  // grep hit nor a diagnostic.
  const grepShaped = lines.map((l) => isGrepShaped(l) && !startsWithTimestamp(l));
  const diagnostic = lines.map((l, i) => grepShaped[i] && RE.diagnostic.test(l));
  const grepHit = lines.map((l, i) => grepShaped[i] && !diagnostic[i]);
  const oneline = lines.map((l) => RE.gitOneline.test(l));
  const onelineShare = oneline.filter(Boolean).length / lines.length;
  const before: Array<[ContentKind, number]> = [
    // git log --graph --oneline: its graph-only lines (`|\`, `|/`) count once commits are most lines.
    ['gitlog', onelineShare >= 0.3 ? onelineShare + share(lines, (l) => RE.gitGraph.test(l)) : onelineShare],
    ['search', Math.max(grepHit.filter((hit, i) => hit || lines[i] === '--').length / lines.length, looksLikeRgHeading(lines) ? 0.9 : 0)],
    // A pipe table row (`| a | b |`) opens like a tree line; it is not one.
    ['dirlist', share(lines, (l) => RE.lsLong.test(l) || RE.lsTotal.test(l) || RE.lsDirHeader.test(l) || (RE.treeStart.test(l) && !RE.mdTableRow.test(l)) || l.includes('── ') || RE.findPath.test(l))],
    ['build', lines.filter((l, i) => diagnostic[i] || RE.build.test(l)).length / lines.length * 2.5],
  ];
  const after: Array<[ContentKind, number]> = [
    ['table', share(lines, (l) => RE.mdTableRow.test(l) || RE.boxBorder.test(l)) + (lines.some((l) => RE.mdTableSep.test(l) || RE.boxBorder.test(l)) ? 0.2 : 0)],
    // Search hits quote code; they are search results, not code.
    // A `* abc1234 subject` graph line looks like a comment line; it is a commit.
    ['code', lines.filter((l, i) => RE.codeLine.test(l) && !grepHit[i] && !oneline[i]).length / lines.length * 1.2],
  ];
  // Ties go to the kind listed first: a record-layout log score cannot win against these.
  const unbeatable = before.some(([, s]) => s >= RECORD_LOG_MAX) || after.some(([, s]) => s > RECORD_LOG_MAX);
  const scores: Array<[ContentKind, number]> = [...before, ['logs', logScore(lines, unbeatable)], ...after];
  scores.sort((a, b) => b[1] - a[1]);
  const [bestKind, best] = scores[0];
  // Sentences around an excerpt of another kind (a question quoting a log): mixed content.
  if (best >= 0.25 && best < 0.75 && share(lines, isProseLine) >= 0.25) return 'mixed';
  if (best >= 0.5 && bestKind !== 'code' && bestKind !== 'gitlog' && edgeParagraphs(text).some(isProseParagraph)) return 'mixed';
  if (best >= 0.5) return bestKind;
  if (looksLikeCsv(lines)) return 'table';
  // Several kinds present in quantity: mixed content (e.g. prose around a log excerpt).
  if (scores.filter(([, s]) => s >= 0.2).length >= 2) return 'mixed';
  if (best >= 0.3) return bestKind;
  return 'prose';
}
