/**
 * Parses code-search output line by line: grep/ripgrep `path:N:text` matches, `path-N-text`
 * context lines and `--` separators, ripgrep `--heading` blocks (a path line, then `N:text`),
 * and `grep -r` without line numbers (`path:text`).
 */
import { body } from '../lines';

export type SearchLineKind = 'match' | 'context' | 'header' | 'separator' | 'blank' | 'other';

export interface SearchLine {
  kind: SearchLineKind;
  /** File the line belongs to ('' when unknown). */
  file: string;
  /** Line number as printed, if any. */
  lineNo?: string;
  /** The matched or context text (everything after the prefix), verbatim. */
  text: string;
}

const MATCH = /^([^\s:][^:]*?):(\d+):(.*)$/;
const NUMBERED = /^(\d+)([:-])(.*)$/;
const NO_NUMBER = /^((?:\.{0,2}\/)?[\w@.+~\-/\\]*[\w)]\.\w+):(.*)$/;
const PATH_ONLY = /^(?:\.{0,2}\/)?[\w@.+~\-/\\]+(?:\.\w+|\/[\w.-]+)$/;

export function parseSearch(lines: readonly string[]): SearchLine[] {
  const bodies = lines.map(body);
  const matches = bodies.map((b) => MATCH.exec(b));
  // Paths of match lines, so that `path-N-text` context lines split at the right dash.
  const known = new Set<string>();
  for (const m of matches) if (m) known.add(m[1]);
  const out: SearchLine[] = [];
  let heading = '';
  for (let i = 0; i < bodies.length; i++) {
    const b = bodies[i];
    if (b.trim() === '') {
      out.push({ kind: 'blank', file: '', text: '' });
      continue;
    }
    if (b === '--') {
      out.push({ kind: 'separator', file: '', text: '' });
      continue;
    }
    if (heading) {
      const n = NUMBERED.exec(b);
      if (n) {
        out.push({ kind: n[2] === ':' ? 'match' : 'context', file: heading, lineNo: n[1], text: n[3] });
        continue;
      }
    }
    const m = matches[i];
    if (m) {
      heading = '';
      out.push({ kind: 'match', file: m[1], lineNo: m[2], text: m[3] });
      continue;
    }
    const c = contextLine(b, known);
    if (c) {
      out.push(c);
      continue;
    }
    if (PATH_ONLY.test(b) && i + 1 < bodies.length && NUMBERED.test(bodies[i + 1])) {
      heading = b;
      out.push({ kind: 'header', file: b, text: '' });
      continue;
    }
    const nn = NO_NUMBER.exec(b);
    if (nn) {
      out.push({ kind: 'match', file: nn[1], text: nn[2] });
      continue;
    }
    out.push({ kind: 'other', file: '', text: b });
  }
  return out;
}

function contextLine(b: string, known: Set<string>): SearchLine | null {
  // Try every `-N-` split point whose prefix is a known match path.
  for (let at = b.indexOf('-'); at > 0 && at < 1024; at = b.indexOf('-', at + 1)) {
    const file = b.slice(0, at);
    if (!known.has(file)) continue;
    const n = /^(\d+)-/.exec(b.slice(at + 1));
    if (n) return { kind: 'context', file, lineNo: n[1], text: b.slice(at + 2 + n[1].length) };
  }
  return null;
}
