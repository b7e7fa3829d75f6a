/**
 * Parses directory listings into groups of lines that belong to one directory: `ls -R`/`ls -laR`
 * blocks (a `path:` header, `total`, entries), `find` output (paths grouped by parent), `tree`
 * (entries under their parent line, found by indentation) and a plain `ls -la`.
 */
import { body } from '../lines';

export interface DirLine {
  /** Group (directory) index; -1 for lines outside any group. */
  group: number;
  /** The directory header line of its group (ls -R `path:`; tree parent line). */
  header: boolean;
  /** Entry name or path, for matching. */
  name: string;
  /** Index of the parent directory's line in tree output (-1 if none). */
  parent: number;
  /** The line without its terminator. */
  raw: string;
}

export interface DirGroup {
  /** Directory path as shown. */
  path: string;
  /** Line index of the header (-1 without one). */
  headerLine: number;
  lines: number[];
}

export interface ParsedDirlist {
  lines: DirLine[];
  groups: DirGroup[];
}

const LS_HEADER = /^(.+):$/;
const LS_LONG = /^[-dlcbpsD][rwxsStT-]{9}[.@+]?\s+\d+\s+\S+\s+\S+\s+[\d,]+\s+\S+\s+\S+\s+\S+\s(.*)$/;
const TREE = /^((?:[│|]\s{2,3}|\s{4})*)(?:[├└|`][─-]{2}\s?)(.*)$/;

export function parseDirlist(raw: readonly string[]): ParsedDirlist {
  const bodies = raw.map(body);
  const lines: DirLine[] = [];
  const groups: DirGroup[] = [];
  const byPath = new Map<string, number>();
  const groupFor = (path: string, headerLine: number): number => {
    let g = byPath.get(path);
    if (g === undefined || headerLine >= 0) {
      g = groups.length;
      groups.push({ path, headerLine, lines: [] });
      byPath.set(path, g);
    }
    return g;
  };
  const treeStack: Array<{ depth: number; line: number; path: string }> = [];
  let current = -1;
  for (let i = 0; i < bodies.length; i++) {
    const b = bodies[i];
    const h = LS_HEADER.exec(b);
    if (h && !b.includes(' -> ') && (i === 0 || bodies[i - 1].trim() === '')) {
      current = groupFor(h[1], i);
      groups[current].lines.push(i);
      lines.push({ group: current, header: true, name: h[1], parent: -1, raw: b });
      continue;
    }
    const t = TREE.exec(b);
    if (t) {
      const depth = Math.round(t[1].length / 4) + 1;
      while (treeStack.length && treeStack[treeStack.length - 1].depth >= depth) treeStack.pop();
      const parent = treeStack[treeStack.length - 1];
      const parentPath = parent ? parent.path : '.';
      const name = t[2];
      let g: number;
      if (parent) {
        g = byPath.get(parentPath) ?? groupFor(parentPath, parent.line);
      } else g = groupFor('.', -1);
      groups[g].lines.push(i);
      lines.push({ group: g, header: false, name, parent: parent ? parent.line : -1, raw: b });
      treeStack.push({ depth, line: i, path: `${parentPath}/${name.replace(/ -> .*$/, '')}` });
      continue;
    }
    if (current >= 0 && b.trim() !== '') {
      const l = LS_LONG.exec(b);
      groups[current].lines.push(i);
      lines.push({ group: current, header: false, name: l ? l[1] : b.trim(), parent: -1, raw: b });
      continue;
    }
    if (current < 0 && /^(\.{0,2}\/|\/)?[^\s:]+$/.test(b) && b.includes('/')) {
      // find output: group by parent directory.
      const slash = b.replace(/\/$/, '').lastIndexOf('/');
      const dir = slash > 0 ? b.slice(0, slash) : '.';
      const g = byPath.get(dir) ?? groupFor(dir, -1);
      groups[g].lines.push(i);
      lines.push({ group: g, header: false, name: b, parent: -1, raw: b });
      continue;
    }
    if (b.trim() !== '' && current < 0) {
      // A plain listing without headers: one group.
      const g = byPath.get('') ?? groupFor('', -1);
      const l = LS_LONG.exec(b);
      groups[g].lines.push(i);
      lines.push({ group: g, header: false, name: l ? l[1] : b.trim(), parent: -1, raw: b });
      continue;
    }
    lines.push({ group: b.trim() === '' ? -1 : current, header: false, name: '', parent: -1, raw: b });
    if (current >= 0 && b.trim() !== '') groups[current].lines.push(i);
  }
  return { lines, groups };
}
