/**
 * Directory listings (ls -la, ls -R / -laR, find, tree). Lines stay verbatim; whole lines and
 * whole directories go behind markers. With a focus from the question (its rarer terms in
 * directory paths or entry names), the matching directories keep their whole listing, matching
 * entries keep their line and their directory header, and runs of other directories fold into one
 * marker each. Without one, vendored/build directories (node_modules, .git, target, dist...) fold,
 * and long directories keep their head.
 */
import { renderSelection, type Ctx } from '../context';
import { splitLines } from '../lines';
import { parseDirlist, type ParsedDirlist } from '../text/dirlist-parse';
import { weighTerms } from '../text/terms';
import type { Compressor } from './types';

const NOISE = /(^|\/)(node_modules|\.git|\.hg|\.svn|target|dist|build|out|__pycache__|\.venv|venv|\.tox|\.mypy_cache|\.pytest_cache|\.next|\.nuxt|\.cache|coverage|vendor|bower_components|\.gradle|\.idea|\.terraform)(\/|$)/;
/** A matching directory longer than this keeps its header, matching entries and head only. */
const FULL_GROUP = 80;
/** Entries kept at the head of a long or unfocused directory. */
const HEAD = 12;
/** A directory or entry is singled out when its terms are this rare: ln(1/share), share ≈ 12%. */
const SPECIFIC = Math.log(1 / 0.12);

export const compressDirlist: Compressor = (text, ctx) => {
  if (text.length < 1000) return null;
  const lines = splitLines(text);
  const parsed = parseDirlist(lines);
  if (parsed.groups.length === 0) return null;
  ctx.checkDeadline();
  const keep = selectDirlist(lines.length, parsed, ctx);
  const out = renderSelection(lines, keep, ctx, { unit: 'lines', describe: (s, e) => describeRun(parsed, s, e) });
  return { text: out, strategy: 'dirlist-select' };
};

function selectDirlist(n: number, parsed: ParsedDirlist, ctx: Ctx): Uint8Array {
  const keep = new Uint8Array(n);
  const { groups, lines } = parsed;
  const terms = weighTerms(ctx.query, groups.map((g) => g.path), 0.3);
  // Entry names are weighed among entries, minus terms common to directory paths (the project name).
  const entryTerms = weighTerms(ctx.query, lines.map((l) => l.name), 0.3);
  const entryWeight = (name: string) => {
    let w = 0;
    for (const t of entryTerms.matches(name)) if (!terms.common.includes(t)) w += entryTerms.weight(t);
    return w;
  };
  const groupHit = groups.map((g) => !NOISE.test(g.path) && terms.weight(g.path) >= SPECIFIC);
  const keepLine = (i: number) => {
    keep[i] = 1;
    // Tree entries need their ancestors to say where they are.
    for (let p = lines[i].parent; p >= 0 && !keep[p]; p = lines[p].parent) keep[p] = 1;
  };
  let focused = groupHit.some(Boolean);
  for (let i = 0; i < n; i++) {
    const l = lines[i];
    if (l.header || !l.name || l.group < 0) continue;
    if ((i & 1023) === 0) ctx.checkDeadline();
    if (NOISE.test(groups[l.group].path)) continue;
    // A subdirectory's entry in ls -R output: its own block speaks for it.
    if (groups[l.group].headerLine >= 0 && /^d[rwxsStT-]{9}/.test(lines[i].raw)) continue;
    if (entryWeight(l.name) >= SPECIFIC) {
      keepLine(i);
      const h = groups[l.group].headerLine;
      if (h >= 0) keepLine(h);
      focused = true;
    }
  }
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g];
    if (NOISE.test(group.path) && !(focused && groupHit[g])) continue;
    if (focused && !groupHit[g]) continue;
    if (group.headerLine >= 0) keepLine(group.headerLine);
    const limit = focused && group.lines.length <= FULL_GROUP ? Infinity : HEAD;
    let shown = 0;
    for (const i of group.lines) {
      if (i === group.headerLine) continue;
      if (shown++ < limit) keepLine(i);
    }
  }
  for (const i of oddEntries(lines)) keepLine(i);
  for (const i of sensitiveEntries(lines, groups)) keepLine(i);
  // Outside groups (blank separators, a leading `total`): keep when between kept lines.
  for (let i = 0; i < n; i++) {
    if (lines[i].group < 0 && !keep[i]) keep[i] = i > 0 && keep[i - 1] && i + 1 < n && keep[i + 1] ? 1 : 0;
  }
  return keep;
}

const LS_MODE = /^([-dlcbpsD])([rwxsStT-]{9})[.@+]?\s/;
/** The size column of an `ls -l` line (after mode, links, owner and group). */
const LS_SIZE = /^[-dlcbpsD][rwxsStT-]{9}[.@+]?\s+\d+\s+\S+\s+\S+\s+(\d+)\s/;
/** A file this many times the listing's median size (and at least MIN_HUGE bytes) is an outlier: a core dump, a stray archive. */
const SIZE_OUTLIER = 100;
const MIN_HUGE = 1 << 20;
/**
 * Names of files that hold secrets or keys: an agent (and its reviewer) must see that they are
 * there whatever the question (`.env.production` in a find, an `id_rsa` in a repository).
 */
const SENSITIVE = /^(\.env(\.[\w.-]+)?|[\w.-]*\.env|id_(rsa|dsa|ecdsa|ed25519)|[\w.-]+\.(pem|key|p12|pfx|jks|keystore|kdbx|ppk|asc|gpg)|\.(npmrc|pypirc|netrc|pgpass|htpasswd|git-credentials)|credentials(\.\w+)?|secrets?(\.\w+)?|[\w.-]*service[-_]account[\w.-]*\.json)$/i;
/** Sensitive entries kept at most. */
const MAX_SENSITIVE = 40;

/** Entries whose name says they hold secrets or keys (outside vendored and build directories). */
function sensitiveEntries(lines: ParsedDirlist['lines'], groups: ParsedDirlist['groups']): number[] {
  const out: number[] = [];
  for (let i = 0; i < lines.length && out.length < MAX_SENSITIVE; i++) {
    const l = lines[i];
    if (l.header || !l.name || l.group < 0 || NOISE.test(groups[l.group].path)) continue;
    const path = l.name.replace(/ -> .*$/, '').replace(/\/$/, '');
    if (NOISE.test(path)) continue;
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (SENSITIVE.test(base)) out.push(i);
  }
  return out;
}
/** Odd entries kept at most, so a listing where every entry is odd still folds. */
const MAX_ODD = 60;

/**
 * Entries a reviewer must see whatever the question: in `ls -l` output, setuid/setgid files and
 * world-writable files (not symlinks, not sticky directories), non-directory entries whose type
 * and mode are rare in the listing (a symlink or an executable among plain files), and files far
 * larger than the listing's median (a 9.8 GB core dump among 4 KB sources).
 */
function oddEntries(lines: ParsedDirlist['lines']): number[] {
  const modes = new Map<string, number>();
  let long = 0;
  for (const l of lines) {
    const m = l.header ? null : LS_MODE.exec(l.raw);
    if (!m) continue;
    long++;
    modes.set(m[1] + m[2], (modes.get(m[1] + m[2]) ?? 0) + 1);
  }
  if (long < 20) return [];
  const rare = Math.max(1, Math.floor(long * 0.02));
  const sizes: number[] = [];
  for (const l of lines) {
    const m = l.header ? null : LS_SIZE.exec(l.raw);
    if (m && l.raw[0] === '-') sizes.push(Number(m[1]));
  }
  sizes.sort((a, b) => a - b);
  const median = sizes.length ? sizes[sizes.length >> 1] : Infinity;
  const huge = Math.max(MIN_HUGE, median * SIZE_OUTLIER);
  const out: number[] = [];
  for (let i = 0; i < lines.length && out.length < MAX_ODD; i++) {
    const l = lines[i];
    const m = l.header || !l.name ? null : LS_MODE.exec(l.raw);
    if (!m) continue;
    const [type, perms] = [m[1], m[2]];
    const special = type !== 'd' && /[sS]/.test(perms[2] + perms[5]);
    const worldWritable = type !== 'l' && perms[7] === 'w' && !/[tT]/.test(perms[8]);
    const size = type === '-' ? Number(LS_SIZE.exec(l.raw)?.[1] ?? 0) : 0;
    if (special || worldWritable || (type !== 'd' && (modes.get(type + perms) ?? 0) <= rare) || size >= huge) out.push(i);
  }
  return out;
}

function describeRun(parsed: ParsedDirlist, start: number, end: number): string | undefined {
  const dirs = new Set<number>();
  let entries = 0;
  for (let i = start; i < end; i++) {
    const l = parsed.lines[i];
    if (l.group < 0) continue;
    if (l.header) dirs.add(l.group);
    else if (l.name) entries++;
  }
  if (dirs.size === 0) return entries ? `${entries} entries` : undefined;
  return `${dirs.size} ${dirs.size === 1 ? 'directory' : 'directories'}, ${entries} lines`;
}
