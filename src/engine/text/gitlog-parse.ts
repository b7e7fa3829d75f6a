/**
 * Parses `git log` output (default, --stat, -p, --graph) into commits and line roles. A --graph
 * prefix (`* `, `| `, `|/ `...) is looked past when classifying a line, never removed.
 */
import { body } from '../lines';

export type LogRole = 'commit' | 'meta' | 'subject' | 'message' | 'trailer' | 'stat' | 'summary' | 'patch' | 'blank' | 'other';

export interface LogCommit {
  start: number;
  end: number;
  sha: string;
}

export interface ParsedLog {
  roles: LogRole[];
  /** Commit index of each line (-1 before the first commit). */
  commitOf: Int32Array;
  commits: LogCommit[];
}

const COMMIT = /^commit ([0-9a-f]{7,64})\b/;
const META = /^(Author|AuthorDate|Commit|CommitDate|Date|Merge|Reflog|Notes):/;
const TRAILER = /^\s{4}(Signed-off-by|Co-authored-by|Co-Authored-By|Reviewed-by|Acked-by|Tested-by|Reported-by|Suggested-by|Change-Id|Cc):/i;
const STAT = /^\s*\S.*\s\|\s+(\d+ ?[-+]*|Bin( \d+ -> \d+ bytes)?)\s*$/;
const SUMMARY = /^\s*\d+ files? changed(, \d+ insertions?\(\+\))?(, \d+ deletions?\(-\))?\s*$/;

/** A line with its --graph prefix removed (for classification only). */
export function graphless(line: string): string {
  const b = body(line);
  if (b[0] !== '*' && b[0] !== '|' && b[0] !== '\\' && b[0] !== '/') return b;
  const m = /^(?:[*|\\/] ?)+/.exec(b);
  return m ? b.slice(m[0].length) : b;
}

export function parseGitLog(lines: readonly string[]): ParsedLog {
  const roles: LogRole[] = new Array(lines.length);
  const commitOf = new Int32Array(lines.length).fill(-1);
  const commits: LogCommit[] = [];
  let state: 'none' | 'header' | 'message' | 'after' | 'patch' = 'none';
  let sawSubject = false;
  for (let i = 0; i < lines.length; i++) {
    const b = graphless(lines[i]);
    const c = COMMIT.exec(b);
    if (c) {
      if (commits.length) commits[commits.length - 1].end = i;
      commits.push({ start: i, end: lines.length, sha: c[1] });
      roles[i] = 'commit';
      commitOf[i] = commits.length - 1;
      state = 'header';
      sawSubject = false;
      continue;
    }
    commitOf[i] = commits.length - 1;
    if (b.trim() === '') {
      roles[i] = 'blank';
      if (state === 'header') state = 'message';
      continue;
    }
    if (state === 'header' && META.test(b)) {
      roles[i] = 'meta';
      continue;
    }
    if (state === 'patch' || b.startsWith('diff --git ') || b.startsWith('diff --cc ')) {
      state = 'patch';
      roles[i] = 'patch';
      continue;
    }
    if ((state === 'message' || state === 'header') && b.startsWith('    ')) {
      state = 'message';
      if (!sawSubject) {
        roles[i] = 'subject';
        sawSubject = true;
      } else roles[i] = TRAILER.test(b) ? 'trailer' : 'message';
      continue;
    }
    if (STAT.test(b)) {
      state = 'after';
      roles[i] = 'stat';
      continue;
    }
    if (SUMMARY.test(b)) {
      state = 'after';
      roles[i] = 'summary';
      continue;
    }
    roles[i] = commits.length ? (state === 'message' ? 'message' : 'other') : 'other';
  }
  return { roles, commitOf, commits };
}
