/**
 * git log (default, --stat, -p, --graph, --oneline). When the question singles out some commits
 * (its rarer terms in their stat paths or messages), those keep their commit line, author, date,
 * subject, matching stat lines, summary and (with -p) the relevant parts of their patch, and runs
 * of the other commits fold into one marker each. Otherwise every commit keeps its commit line,
 * author, date and subject, and its body, trailers, stat and patch fold behind a marker.
 */
import { renderSelection, type Ctx } from '../context';
import { body, splitLines } from '../lines';
import { parseDiff } from '../text/diff-parse';
import { parseGitLog, type ParsedLog } from '../text/gitlog-parse';
import { weighTerms } from '../text/terms';
import { selectDiff } from './diff';
import type { Compressor } from './types';

/** A commit is singled out when its weight reaches this share of the best commit's weight. */
const RELEVANT_SHARE = 0.6;
/** ... and the best weight shows a term found in at most ~15% of commits. */
const MIN_WEIGHT = Math.log(1 / 0.15);
/** Subjects kept in a --oneline log whatever the question: reverts, crash and security fixes, regressions. */
const SIGNAL = /\b(revert(s|ed)?|crash(es|ed)?|panic|segfault|regression|security|vulnerab\w*|CVE-\d+(-\d+)?|data loss|corrupt\w*|hotfix|deadlock|leak)\b/i;
const ONELINE = /^(?:[*|\\/] *)*[0-9a-f]{7,40} \S/;
/** A --graph line with no commit on it (`|\`, `|/`, `| |`): it goes with the commit above it. */
const GRAPH_ONLY = /^[*|\\/_ .-]*[|\\/][*|\\/_ .-]*$/;
/** A singled-out (or signal) commit keeps its whole message when it has at most this many lines and characters. */
const SHORT_MESSAGE_LINES = 6;
const SHORT_MESSAGE_CHARS = 600;
/** A message line naming another commit (`This reverts commit 4b1d…`, `Fixes: 1a2b3c4d`) is kept with a singled-out commit. */
const NAMES_COMMIT = /\b[0-9a-f]{7,40}\b/;
/** Without a question, a log of more commits than this keeps the headlines of the newest NEWEST and of signal commits. */
const MANY_COMMITS = 40;
const NEWEST = 20;

export const compressGitlog: Compressor = (text, ctx) => {
  const lines = splitLines(text);
  const log = parseGitLog(lines);
  if (log.commits.length === 0) return compressOneline(lines, ctx);
  ctx.checkDeadline();
  const keep = selectLog(lines, log, ctx);
  const out = renderSelection(lines, keep, ctx, { unit: 'lines', describe: (s, e) => describeRun(log, s, e) });
  return { text: out, strategy: 'gitlog-select' };
};

function selectLog(lines: readonly string[], log: ParsedLog, ctx: Ctx): Uint8Array {
  const n = lines.length;
  const keep = new Uint8Array(n);
  const { roles, commits, commitOf } = log;
  // Each commit's searchable text: message and stat, not its patch.
  const items = commits.map((c) => {
    let s = '';
    for (let i = c.start; i < c.end && s.length < 20_000; i++) if (roles[i] !== 'patch') s += lines[i];
    return s;
  });
  const terms = weighTerms(ctx.query, items, 0.3);
  const weights = items.map((s) => terms.weight(s));
  const best = weights.reduce((a, w) => Math.max(a, w), 0);
  const focused = best >= MIN_WEIGHT;
  const relevant = weights.map((w) => focused && w >= best * RELEVANT_SHARE);
  const lineBar = best * RELEVANT_SHARE * 0.5;
  const messages = commits.map((c) => messageSpan(lines, roles, c.start, c.end));
  // Reverts, crash and security fixes: the headline (and a short message) survive any folding.
  const signal = messages.map((m) => m.subject >= 0 && (SIGNAL.test(lines[m.subject]) || /\bCVE-\d{4}-\d+/.test(m.text)));
  // Without a question, a long log keeps the headlines of its newest commits and of signal commits.
  const shown = commits.map((_, c) => !focused && (commits.length <= MANY_COMMITS || c < NEWEST || signal[c]));

  const hasPatch = roles.includes('patch');
  const diffKeep = hasPatch ? selectDiff(lines, parseDiff(lines), ctx) : undefined;
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) ctx.checkDeadline();
    const c = commitOf[i];
    const role = roles[i];
    if (c < 0) {
      keep[i] = 1;
      continue;
    }
    const headline = role === 'commit' || role === 'meta' || role === 'subject';
    const m = messages[c];
    const inMessage = m.subject >= 0 && i >= m.subject && i <= m.end;
    if (!relevant[c]) {
      if (!shown[c]) keep[i] = 0;
      else if (headline) keep[i] = 1;
      else keep[i] = signal[c] && m.short && inMessage ? 1 : 0;
      continue;
    }
    if (headline || role === 'summary') keep[i] = 1;
    else if (inMessage && m.short) keep[i] = 1;
    else if (role === 'stat') keep[i] = terms.weight(lines[i]) >= lineBar ? 1 : 0;
    else if (role === 'message' || role === 'trailer') {
      keep[i] = terms.weight(lines[i]) >= best * RELEVANT_SHARE || (role === 'message' && NAMES_COMMIT.test(lines[i])) ? 1 : 0;
    }
    else if (role === 'patch') keep[i] = diffKeep?.[i] ?? 0;
    else if (role === 'blank') keep[i] = roles[i - 1] === 'meta' || (roles[i + 1] === 'commit' && keep[i - 1]) ? 1 : 0;
  }
  return keep;
}

interface MessageSpan {
  /** Line of the subject (-1 without one) and last line of the message or its trailers. */
  subject: number;
  end: number;
  /** At most SHORT_MESSAGE_LINES lines and SHORT_MESSAGE_CHARS characters. */
  short: boolean;
  text: string;
}

function messageSpan(lines: readonly string[], roles: readonly string[], start: number, end: number): MessageSpan {
  let subject = -1;
  let last = -1;
  let text = '';
  let count = 0;
  for (let i = start; i < end; i++) {
    const r = roles[i];
    if (r === 'subject') subject = i;
    if (r === 'subject' || r === 'message' || r === 'trailer') {
      last = i;
      count++;
      if (text.length <= SHORT_MESSAGE_CHARS) text += lines[i];
    } else if (r === 'stat' || r === 'summary' || r === 'patch') break;
  }
  return { subject, end: last, short: count <= SHORT_MESSAGE_LINES && text.length <= SHORT_MESSAGE_CHARS, text };
}

function describeRun(log: ParsedLog, start: number, end: number): string | undefined {
  let commits = 0;
  let stats = 0;
  for (let i = start; i < end; i++) {
    if (log.roles[i] === 'commit') commits++;
    else if (log.roles[i] === 'stat') stats++;
  }
  if (commits) return `${commits} ${commits === 1 ? 'commit' : 'commits'}`;
  if (stats) return `message and ${stats} stat ${stats === 1 ? 'line' : 'lines'}`;
  return undefined;
}

/**
 * --oneline (also with --graph): keep the commits the question singles out, the newest few and
 * signal commits; fold the rest. A graph-only line (`|\`, `|/`) is kept with the commit above it.
 */
function compressOneline(lines: readonly string[], ctx: Ctx) {
  const bodies = lines.map(body);
  const isCommit = bodies.map((b) => ONELINE.test(b));
  const isGraph = bodies.map((b, i) => !isCommit[i] && GRAPH_ONLY.test(b));
  const count = isCommit.filter(Boolean).length;
  const other = bodies.filter((b, i) => b.trim() && !isGraph[i]).length;
  if (count < 40 || count / Math.max(1, other) < 0.6) return null;
  const terms = weighTerms(ctx.query, bodies, 0.3);
  const keep = new Uint8Array(lines.length);
  let head = 0;
  let lastCommitKept = true;
  for (let i = 0; i < lines.length; i++) {
    if (isGraph[i]) keep[i] = lastCommitKept ? 1 : 0;
    else if (!isCommit[i]) keep[i] = 1;
    else {
      if (head < NEWEST) {
        keep[i] = 1;
        head++;
      } else if (terms.weight(bodies[i]) >= MIN_WEIGHT || SIGNAL.test(bodies[i])) keep[i] = 1;
      lastCommitKept = keep[i] === 1;
    }
  }
  const describe = (s: number, e: number) => {
    let k = 0;
    for (let i = s; i < e; i++) if (isCommit[i]) k++;
    return k === e - s ? undefined : `${k} ${k === 1 ? 'commit' : 'commits'}`;
  };
  const allCommits = isGraph.every((g) => !g);
  return { text: renderSelection(lines, keep, ctx, allCommits ? { unit: 'commits' } : { unit: 'lines', describe }), strategy: 'gitlog-oneline' };
}
