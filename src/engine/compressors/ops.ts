/**
 * Operations tool output with a known shape: `kubectl get` tables and `terraform plan`. Both are
 * mostly repetitive (hundreds of Running pods, hundreds of "Refreshing state..." lines) around a
 * few lines that matter, which stay verbatim: every pod or resource not in a normal state, every
 * resource terraform will destroy, replace or change, every line matching the question.
 */
import { renderSelection, type Ctx } from '../context';
import { body, splitLines } from '../lines';
import { weighTerms } from '../text/terms';
import type { Compressed } from './types';

/** A question term this rare among the rows (or blocks) singles one out. */
const SPECIFIC = Math.log(1 / 0.12);

// ---------------------------------------------------------------- kubectl get

/** The header of a `kubectl get` table: NAME (after NAMESPACE with -A), then 2+ spaces and upper-case columns. */
const KUBE_HEADER = /^(NAMESPACE\s{2,})?NAME\s{2,}[A-Z][A-Z-]*(\s{2,}[A-Z][A-Z()-]*(\s[A-Z(][A-Z()-]*)*)*\s*$/;
/** Status values of a healthy object (pods, nodes, PVCs, namespaces, jobs). */
const NORMAL_STATUS = new Set(['Running', 'Completed', 'Succeeded', 'Ready', 'Bound', 'Active', 'Available', 'Complete', 'deployed']);
/** Tables shorter than this are left alone. */
const MIN_ROWS = 20;
/** Rows with restarts are kept when at most this share of rows have any (then they are the odd ones). */
const RARE_RESTARTS = 0.1;

export function looksLikeKubectl(lines: readonly string[]): boolean {
  const first = lines.find((l) => l.trim() !== '');
  if (!first || !KUBE_HEADER.test(body(first))) return false;
  const h = body(first);
  return /\s(STATUS|READY)(\s|$)/.test(h);
}

interface Column {
  start: number;
  name: string;
}

function columns(header: string): Column[] {
  const out: Column[] = [];
  for (const m of header.matchAll(/\S+(?: [A-Z(][A-Z()-]*)*/g)) out.push({ start: m.index, name: m[0] });
  return out;
}

/** The cell of a column: the first word at or just after its header's offset. */
function cell(row: string, col: Column | undefined): string | undefined {
  if (!col) return undefined;
  // Columns are left-aligned under their header; tolerate a shift of a few characters.
  let s = col.start;
  while (s > 0 && row[s - 1] !== ' ' && row[s - 1] !== undefined) s--;
  const m = /^\s*(\S+)/.exec(row.slice(s));
  return m ? m[1] : undefined;
}

interface KubeRow {
  line: number;
  status: string | undefined;
  ready: string | undefined;
  hasReady: boolean;
  restarts: number;
}

export function compressKubectl(text: string, ctx: Ctx): Compressed | null {
  const lines = splitLines(text);
  const bodies = lines.map(body);
  const keep = new Uint8Array(lines.length);
  const statusOf: Array<string | undefined> = new Array(lines.length);
  // One pass reads each row's cells under the header in effect (`kubectl get a,b` prints several tables).
  const rows: KubeRow[] = [];
  let cols: Column[] = [];
  for (let i = 0; i < lines.length; i++) {
    if ((i & 1023) === 0) ctx.checkDeadline();
    const b = bodies[i];
    if (KUBE_HEADER.test(b)) {
      cols = columns(b);
      keep[i] = 1;
      continue;
    }
    if (b.trim() === '' || cols.length === 0) {
      keep[i] = 1;
      continue;
    }
    const col = (name: string) => cols.find((c) => c.name === name);
    const status = cell(b, col('STATUS'));
    statusOf[i] = status;
    rows.push({ line: i, status, ready: cell(b, col('READY')), hasReady: col('READY') !== undefined, restarts: Number(cell(b, col('RESTARTS')) ?? 0) });
  }
  if (rows.length < MIN_ROWS) return null;
  const terms = weighTerms(ctx.query, rows.map((r) => bodies[r.line]), 0.3);
  // Restarts: odd when few rows have any.
  const restartsOdd = rows.filter((r) => r.restarts > 0).length <= rows.length * RARE_RESTARTS;
  for (const { line, status, ready, hasReady, restarts } of rows) {
    let normal = status === undefined || NORMAL_STATUS.has(status);
    const m = ready ? /^(\d+)\/(\d+)$/.exec(ready) : null;
    // A running pod with containers not ready is not healthy; a completed one has none ready.
    if (m && m[1] !== m[2] && status !== 'Completed' && status !== 'Succeeded') normal = false;
    if (!m && ready !== undefined && hasReady && !/^(True|true)$/.test(ready)) normal = false;
    if (restartsOdd && restarts > 0) normal = false;
    if (!normal || terms.weight(bodies[line]) >= SPECIFIC) keep[line] = 1;
  }
  const describe = (s: number, e: number) => {
    const counts = new Map<string, number>();
    for (let i = s; i < e; i++) if (statusOf[i]) counts.set(statusOf[i]!, (counts.get(statusOf[i]!) ?? 0) + 1);
    const parts = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, n]) => `${n} ${k}`);
    return parts.length ? parts.join(', ') : undefined;
  };
  const out = renderSelection(lines, keep, ctx, { unit: 'rows', describe });
  return out === text ? null : { text: out, strategy: 'kubectl-status' };
}

// ---------------------------------------------------------------- terraform plan

const TF_SIGNATURE = /^(Terraform will perform the following actions:|Terraform used the selected providers|Plan: \d+ to add, \d+ to change, \d+ to destroy\.|No changes\. Your infrastructure matches the configuration\.|OpenTofu will perform the following actions:)/m;
/** `  # aws_instance.web will be destroyed`, `  # module.x.y must be replaced`. */
const TF_BLOCK = /^\s*# (\S+) (will be|must be|has moved to|is tainted)\b(.*)$/;
/** Lines of the refresh phase: one per resource, nothing to act on. */
const TF_REFRESH = /: (Refreshing state\.\.\.|Reading\.\.\.|Read complete after\b|Still reading\.\.\.|Preparing import\.\.\.)/;
/** Block actions whose body is folded (the header and resource line stay): creating, reading data sources. */
const TF_QUIET = /^ will be (created|read during apply)\b/;

export function looksLikeTerraformPlan(text: string): boolean {
  // A plan's summary (`Plan: …`, `No changes.`) sits in its last lines, and a short plan's header
  // in its first: the ends are enough, and detection runs on every output.
  if (text.length <= TF_ENDS * 2) return TF_SIGNATURE.test(text);
  return TF_SIGNATURE.test(text.slice(0, TF_ENDS)) || TF_SIGNATURE.test(text.slice(-TF_ENDS));
}

/** Characters looked at from each end of an output for a plan's signature. */
const TF_ENDS = 8192;

export function compressTerraformPlan(text: string, ctx: Ctx): Compressed | null {
  const lines = splitLines(text);
  const bodies = lines.map(body);
  const n = lines.length;
  const keep = new Uint8Array(n).fill(1);
  // Blocks: from a `# x will be ...` comment to the closing brace at the resource's indentation.
  const blocks: Array<{ start: number; end: number; quiet: boolean }> = [];
  for (let i = 0; i < n; i++) {
    const m = TF_BLOCK.exec(bodies[i]);
    if (!m) continue;
    let j = i + 1;
    while (j < n && /^\s*#/.test(bodies[j])) j++;
    const open = j < n ? /^(\s*)[-+~<> /]*(resource|data) "/.exec(bodies[j]) : null;
    if (!open) continue;
    const close = open[1] + '    }';
    const alt = open[1] + '}';
    let k = j + 1;
    while (k < n && bodies[k] !== close && bodies[k].trimEnd() !== alt.trimEnd() && !TF_BLOCK.test(bodies[k])) k++;
    if (k >= n || TF_BLOCK.test(bodies[k])) continue;
    blocks.push({ start: i, end: k + 1, quiet: TF_QUIET.test(' ' + m[2] + m[3]) });
    i = k;
  }
  const terms = weighTerms(ctx.query, blocks.map((b) => bodies.slice(b.start, b.end).join('\n')), 0.3);
  for (const b of blocks) {
    if (!b.quiet) continue;
    if (terms.weight(bodies.slice(b.start, b.end).join('\n')) >= SPECIFIC) continue;
    // Keep the comment lines and the resource line; fold the attributes; keep the closing brace.
    let j = b.start;
    while (j < b.end && /^\s*#/.test(bodies[j])) j++;
    for (let k = j + 1; k < b.end - 1; k++) keep[k] = 0;
  }
  const refreshLines: number[] = [];
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) ctx.checkDeadline();
    if (TF_REFRESH.test(bodies[i]) && !/\b(error|warning)\b/i.test(bodies[i])) refreshLines.push(i);
  }
  const refresh = refreshLines.length;
  const refreshTerms = weighTerms(ctx.query, refreshLines.map((i) => bodies[i]), 0.3);
  for (const i of refreshLines) if (refreshTerms.weight(bodies[i]) < SPECIFIC) keep[i] = 0;
  const describe = (s: number, e: number) => {
    let r = 0;
    for (let i = s; i < e; i++) if (TF_REFRESH.test(bodies[i])) r++;
    return r ? `${r} refresh ${r === 1 ? 'line' : 'lines'}` : 'attributes of resources to create or read';
  };
  if (refresh === 0 && !blocks.some((b) => b.quiet)) return null;
  const out = renderSelection(lines, keep, ctx, { unit: 'lines', describe });
  return out === text ? null : { text: out, strategy: 'terraform-plan' };
}
