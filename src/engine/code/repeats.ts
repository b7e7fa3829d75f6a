/**
 * Long parameter lists repeated verbatim (overloads, sync/async twins, `get`/`post`/`put` helpers
 * of one client class) are folded: a run of parameter lines already shown earlier becomes one
 * marker naming the lines it repeats. Every signature still starts and ends where it did, so the
 * folded code stays syntactically whole, and the first occurrence is always shown in full.
 */
import { body } from '../lines';
import type { CodeLanguage } from './languages';
import { lineComment } from './languages';
import { MARKER_TOKENS } from './render';
import { regionTokens } from './select';
import type { CodeOutline, Region } from './units';
import { firstIndent } from './units';

const MIN_RUN_LINES = 4;
/** A fold must save clearly more than its marker costs. */
const MIN_RUN_TOKENS = MARKER_TOKENS * 2;
/** Earlier places a run may repeat from that are tried. */
const MAX_CANDIDATES = 64;

/** Rows strictly inside the parentheses of a signature spanning several lines, or null. */
function parameterRows(lines: readonly string[], start: number, limit: number): { start: number; end: number } | null {
  let depth = 0;
  let open = -1;
  for (let r = start; r <= limit; r++) {
    let quote = '';
    for (const ch of body(lines[r])) {
      if (quote) {
        if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'" || ch === '`') {
        quote = ch;
      } else if (ch === '(') {
        if (depth === 0) open = r;
        depth++;
      } else if (ch === ')' && depth > 0) {
        depth--;
        if (depth === 0 && r - open >= 2) return { start: open + 1, end: r - 1 };
      }
    }
    // A signature ends at the line that opens its body; decorators before it close on their own line.
    if (depth === 0 && open >= 0 && /[{:]\s*$/.test(body(lines[r]))) return null;
  }
  return null;
}

/**
 * Fold regions for repeated parameter runs in signatures that stay visible (not inside `hidden`,
 * the regions already elided). Each region's `sameAs` names the 0-based rows it repeats.
 */
export function repeatedParameterRegions(outline: CodeOutline, lines: readonly string[], lang: CodeLanguage, hidden: readonly Region[]): Region[] {
  const hiddenRows = new Uint8Array(lines.length);
  for (const h of hidden) hiddenRows.fill(1, h.start, h.end + 1);
  const covered = (row: number) => hiddenRows[row] === 1;
  const shown = new Map<string, number[]>();
  const segmentEnd = new Map<number, number>();
  const out: Region[] = [];
  const units = [...outline.units].sort((a, b) => a.start - b.start);
  for (const u of units) {
    const limit = u.body ? u.body.start - 1 : Math.min(u.end, u.start + 200);
    const params = parameterRows(lines, u.start, limit);
    if (!params || covered(params.start) || covered(params.end)) continue;
    let r = params.start;
    const visible: number[] = [];
    while (r <= params.end) {
      const best = longestEarlierRun(lines, r, params.end, shown, segmentEnd);
      const run: Region = { start: r, end: r + best.length - 1, prefix: `${lineComment(lang)} `, suffix: '', indent: '' };
      if (best.length >= MIN_RUN_LINES && regionTokens(lines, run) >= MIN_RUN_TOKENS) {
        run.indent = firstIndent(lines, run.start, run.end);
        run.sameAs = { start: best.from, end: best.from + best.length - 1 };
        out.push(run);
        r += best.length;
      } else {
        visible.push(r++);
      }
    }
    // What stays visible here may be referred to later, segment by segment.
    for (let i = 0; i < visible.length; i++) {
      let j = i;
      while (j + 1 < visible.length && visible[j + 1] === visible[j] + 1) j++;
      for (let k = i; k <= j; k++) {
        segmentEnd.set(visible[k], visible[j]);
        if (k + MIN_RUN_LINES - 1 > j) continue;
        const key = runKey(lines, visible[k]);
        const list = shown.get(key);
        if (!list) shown.set(key, [visible[k]]);
        else if (list.length < MAX_CANDIDATES) list.push(visible[k]);
      }
      i = j;
    }
  }
  return out;
}

/** Candidates are found by their first lines together: single short lines like `self,` repeat everywhere. */
function runKey(lines: readonly string[], row: number): string {
  let key = '';
  for (let i = row; i < row + MIN_RUN_LINES; i++) key += body(lines[i]) + '\n';
  return key;
}

function longestEarlierRun(
  lines: readonly string[],
  at: number,
  last: number,
  shown: ReadonlyMap<string, number[]>,
  segmentEnd: ReadonlyMap<number, number>,
): { from: number; length: number } {
  let best = { from: -1, length: 0 };
  if (at + MIN_RUN_LINES - 1 > last) return best;
  for (const from of shown.get(runKey(lines, at)) ?? []) {
    const stop = segmentEnd.get(from)!;
    let n = 1;
    while (at + n <= last && from + n <= stop && body(lines[at + n]) === body(lines[from + n])) n++;
    if (n > best.length) best = { from, length: n };
  }
  return best;
}
