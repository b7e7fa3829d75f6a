/**
 * Log compressor: mines line templates, keeps a verbatim representative of every kind of event
 * (and more of the severe, rare and query-matching ones), replaces each omitted run with a marker
 * naming its stored bytes and its dominant event kind, and ends with a bounded summary of the
 * frequent kinds (count and time span).
 */
import { renderSelection, type Ctx } from '../context';
import { splitLines } from '../lines';
import { mine, type Mined } from '../logs/miner';
import { selectLines } from '../logs/select';
import { describeRun, summaryBlock } from '../logs/summary';
import type { Compressor } from './types';

/** Below this many lines a log is left to the generic fallback. */
const MIN_LINES = 8;
/** Markers of runs this long or longer name the dominant event kind; shorter ones stay terse. */
const DESCRIBED_RUN = 3;
/** Characters of a marker line without detail: brackets, count, `omitted`, 24-hex hash. */
const MARKER_CHARS = 60;

/** The terminator of the last terminated line (summary lines follow the log's own convention). */
function lastEol(lines: readonly string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].endsWith('\r\n')) return '\r\n';
    if (lines[i].endsWith('\n')) return '\n';
  }
  return '\n';
}

/** Keeps omitted runs that are no longer than the marker that would replace them. */
function keepCheapRuns(m: Mined, keep: Uint8Array): void {
  const lines = m.lines;
  for (let i = 0; i < lines.length; ) {
    if (keep[i]) {
      i++;
      continue;
    }
    let j = i;
    let chars = 0;
    while (j < lines.length && !keep[j]) chars += lines[j++].length;
    const markerChars = MARKER_CHARS + (j - i >= DESCRIBED_RUN ? (describeRun(m, i, j)?.length ?? 0) : 0);
    if (chars <= markerChars) keep.fill(1, i, j);
    i = j;
  }
}

export const compressLogs: Compressor = (text: string, ctx: Ctx) => {
  const lines = splitLines(text);
  if (lines.length < MIN_LINES) return null;
  const mined: Mined = mine(lines, ctx, text);
  const keep = selectLines(mined);
  keepCheapRuns(mined, keep);
  let dropped = 0;
  for (let i = 0; i < keep.length; i++) if (!keep[i]) dropped++;
  if (dropped === 0) return null;
  ctx.checkDeadline();
  let out = renderSelection(lines, keep, ctx, { describe: (s, e) => (e - s >= DESCRIBED_RUN ? describeRun(mined, s, e) : undefined) });
  const eolStr = lastEol(lines);
  const summary = summaryBlock(mined, keep, eolStr);
  // A last line without terminator gets one before the summary (`\n` after a bare `\r`, so the
  // line reads back unchanged).
  if (summary) out += (out.endsWith('\n') ? '' : out.endsWith('\r') ? '\n' : eolStr) + summary;
  return { text: out, strategy: 'log-templates' };
};
