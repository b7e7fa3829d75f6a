/**
 * Parses unified / git diffs line by line into roles. Hunk bodies are read by the line counts of
 * their `@@ -a,b +c,d @@` header, so a removed line that starts with `--` or a `diff` word inside
 * a hunk is still a change line. Anything outside files and hunks (a --stat block, commit headers
 * of `git log -p`, prose) is 'other'.
 */
import { body } from '../lines';

export type DiffRole = 'other' | 'file' | 'hunk' | 'add' | 'del' | 'ctx' | 'nonl';

export interface DiffLine {
  role: DiffRole;
  /** Index of the file section (-1 outside files). */
  file: number;
  /** Index of the hunk (-1 outside hunks). */
  hunk: number;
}

export interface DiffFile {
  /** Path as named by the header (new path, or old path for deletions). */
  path: string;
  /** First line index of the section (its `diff --git` or `---` line). */
  start: number;
  end: number;
}

export interface DiffHunk {
  file: number;
  /** Index of the `@@` line. */
  start: number;
  end: number;
  adds: number;
  dels: number;
}

export interface ParsedDiff {
  lines: DiffLine[];
  files: DiffFile[];
  hunks: DiffHunk[];
}

const FILE_START = /^(diff --git |diff -[a-zA-Z]+ |Index: |diff --cc |diff --combined )/;
const HUNK = /^@@+ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

function pathOf(header: string): string {
  const git = /^diff --git (?:a\/)?(\S+) (?:b\/)?(\S+)/.exec(header);
  if (git) return git[2];
  const idx = /^Index: (.+)$/.exec(header);
  if (idx) return idx[1].trim();
  const m = /^(?:---|\+\+\+) (?:[ab]\/)?([^\t]+)/.exec(header);
  if (m) return m[1].trim();
  return header.split(/\s+/).pop() ?? '';
}

export function parseDiff(rawLines: readonly string[]): ParsedDiff {
  const lines: DiffLine[] = [];
  const files: DiffFile[] = [];
  const hunks: DiffHunk[] = [];
  let file = -1;
  let oldLeft = 0;
  let newLeft = 0;
  let hunk = -1;
  const closeFile = (at: number) => {
    if (file >= 0 && files[file].end < 0) files[file].end = at;
  };
  const closeHunk = (at: number) => {
    if (hunk >= 0 && hunks[hunk].end < 0) hunks[hunk].end = at;
  };
  for (let i = 0; i < rawLines.length; i++) {
    const b = body(rawLines[i]);
    if (hunk >= 0 && hunks[hunk].end < 0) {
      if (oldLeft > 0 || newLeft > 0) {
        const c = b[0];
        if (c === '+' && newLeft > 0) {
          newLeft--;
          hunks[hunk].adds++;
          lines.push({ role: 'add', file, hunk });
          continue;
        }
        if (c === '-' && oldLeft > 0) {
          oldLeft--;
          hunks[hunk].dels++;
          lines.push({ role: 'del', file, hunk });
          continue;
        }
        if ((c === ' ' || b === '') && oldLeft > 0 && newLeft > 0) {
          oldLeft--;
          newLeft--;
          lines.push({ role: 'ctx', file, hunk });
          continue;
        }
      }
      if (b.startsWith('\\')) {
        lines.push({ role: 'nonl', file, hunk });
        continue;
      }
      closeHunk(i);
    }
    const h = HUNK.exec(b);
    if (h && file >= 0 && files[file].end < 0) {
      closeHunk(i);
      hunk = hunks.length;
      hunks.push({ file, start: i, end: -1, adds: 0, dels: 0 });
      oldLeft = h[2] === undefined ? 1 : Number(h[2]);
      newLeft = h[4] === undefined ? 1 : Number(h[4]);
      lines.push({ role: 'hunk', file, hunk });
      continue;
    }
    const startsFile = FILE_START.test(b) || (b.startsWith('--- ') && i + 1 < rawLines.length && body(rawLines[i + 1]).startsWith('+++ ') && (file < 0 || lines[i - 1]?.role !== 'file'));
    if (startsFile) {
      closeFile(i);
      file = files.length;
      files.push({ path: pathOf(b), start: i, end: -1 });
      lines.push({ role: 'file', file, hunk: -1 });
      continue;
    }
    if (file >= 0 && files[file].end < 0 && isFileHeaderLine(b)) {
      if (b.startsWith('+++ ') && !b.includes('/dev/null')) files[file].path = pathOf(b);
      else if (b.startsWith('--- ') && files[file].path === '') files[file].path = pathOf(b);
      lines.push({ role: 'file', file, hunk: -1 });
      continue;
    }
    closeFile(i);
    lines.push({ role: 'other', file: -1, hunk: -1 });
  }
  closeHunk(rawLines.length);
  closeFile(rawLines.length);
  return { lines, files, hunks };
}

function isFileHeaderLine(b: string): boolean {
  return /^(--- |\+\+\+ |index |old mode |new mode |deleted file mode |new file mode |similarity index |dissimilarity index |rename from |rename to |copy from |copy to |Binary files |GIT binary patch|={5,}|RCS file: |retrieving revision )/.test(b);
}
