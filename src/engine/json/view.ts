/**
 * The JSON view: the document re-encoded for a model to read. Pretty-print whitespace is dropped,
 * small values sit on one line, and every array of objects becomes a table block with one object
 * per line, fields equal in every row stated once in a header, and fields derived from another
 * field (URL templates and the like) stated once as a template. In lossy mode long strings are
 * shortened or compressed by their own kind, and rows of large record tables are selected by
 * question, anomaly and relation, the rest summarised or omitted behind markers naming the stored
 * originals.
 */
import type { Ctx } from '../context';
import { omissionMarker } from '../marker';
import { TranscriptText } from './transcript';
import { analyzeColumns, FLAT_DEPTH, IDENTIFYING_KEY, type Column, type ColumnInfo } from './columns';
import { decodeString, T, type JArr, type JNode, type JObj } from './parse';
import { compact, cutLiteral, keyLiteral, type Style } from './render';
import { keyMatchesQuery, scoreRows } from './select';

/** Containers longer than this on one line are expanded one member per line (near the top). */
const INLINE_MAX = 160;
const EXPAND_DEPTH = 3;
/** A string literal longer than this is shortened in lossy mode. */
const LONG_STRING = 1000;
/** A multi-line string in a transcript longer than this is compressed as its own kind. */
const TEXT_STRING = 400;
const HEAD_CHARS = 600;
const TAIL_CHARS = 240;
/** Summary rows cut their strings here. */
const SUMMARY_STRING = 100;
const SUMMARY_COLUMNS = 4;
const MAX_STRONG = 25;
const MAX_WEAK = 8;

/** One row of a table as it is shown: in full, reduced to identifying fields, or omitted. */
const enum Tier {
  Full = 2,
  Summary = 1,
  Omit = 0,
}

export interface ViewOptions {
  lossy: boolean;
  /** Target output size in characters (lossy mode); a lossless view past it throws OverBudget. */
  budget: number;
}

/** Thrown by a lossless view once its output is sure to be over the budget (the caller goes lossy). */
export class OverBudget extends Error {}

/** One instance, thrown as is: capturing a stack trace on every throw costs more than the check saves. */
const OVER_BUDGET = new OverBudget('lossless view over budget');

export class JsonView {
  constructor(
    private readonly src: string,
    private readonly style: Style,
    private readonly ctx: Ctx,
    private readonly opts: ViewOptions,
  ) {
    this.transcript = new TranscriptText(ctx);
  }

  private get total(): number {
    return this.src.length;
  }

  private tick = (): void => this.ctx.checkDeadline();
  private readonly transcript: TranscriptText;

  /** Column analyses by table (first row), shared by the lossless and the lossy view. */
  private static analyses = new WeakMap<JObj, ColumnInfo>();

  private columnsOf(rows: JObj[]): ColumnInfo {
    let info = JsonView.analyses.get(rows[0]);
    if (!info) {
      info = analyzeColumns(this.src, rows, this.tick);
      JsonView.analyses.set(rows[0], info);
    }
    return info;
  }

  /** Renders the whole document. */
  render(root: JNode): string {
    return this.value(root, '', 0, 'full', this.opts.budget);
  }

  /** Renders JSON Lines rows (each line one value). */
  renderLines(lines: Array<{ node: JNode; ls: number; le: number }>): string {
    const nodes = lines.map((l) => l.node);
    if (nodes.every((n) => n.t === T.Obj)) {
      const stored = (rows: number[]) => rows.map((r) => this.src.slice(lines[r].ls, lines[r].le)).join('');
      return this.table(nodes as JObj[], '', this.opts.budget, stored, `JSON Lines: ${nodes.length} objects, one per line`, false) + '\n';
    }
    return nodes.map((n) => this.value(n, '', EXPAND_DEPTH, 'full', this.opts.budget)).join('\n') + '\n';
  }

  private value(n: JNode, indent: string, depth: number, mode: 'full' | 'summary', budget: number): string {
    if (n.t === T.Str) return this.str(n, mode);
    if (n.t !== T.Obj && n.t !== T.Arr) return this.src.slice(n.s, n.e);
    if (n.t === T.Arr && this.isTable(n)) {
      const items = n.items as JObj[];
      const stored = (rows: number[]) => '[' + rows.map((r) => this.src.slice(items[r].s, items[r].e)).join(',\n') + ']';
      return this.table(items, indent, budget, stored, `${items.length} objects, one per line`, true);
    }
    const line = depth >= EXPAND_DEPTH || n.e - n.s <= INLINE_MAX * 4 ? this.inline(n, mode) : null;
    if (line !== null && (line.length <= INLINE_MAX || depth >= EXPAND_DEPTH)) return line;
    const inner = indent + '  ';
    const parts: string[] = [];
    const size = Math.max(1, n.e - n.s);
    if (n.t === T.Obj) {
      for (let k = 0; k < n.keys.length; k++) {
        const v = n.vals[k];
        const share = Math.max(400, (budget * (v.e - v.s)) / size);
        parts.push(inner + keyLiteral(n.keys[k]) + this.style.colon + this.value(v, inner, depth + 1, mode, share));
      }
      return '{\n' + parts.join(',\n') + '\n' + indent + '}';
    }
    for (const v of n.items) {
      this.tick();
      const share = Math.max(400, (budget * (v.e - v.s)) / size);
      parts.push(inner + this.value(v, inner, depth + 1, mode, share));
    }
    return '[\n' + parts.join(',\n') + '\n' + indent + ']';
  }

  private inline(n: JNode, mode: 'full' | 'summary'): string {
    return compact(this.src, n, this.style, (s) => this.str(s, mode));
  }

  private isTable(n: JArr): boolean {
    return n.items.length >= 3 && n.items.every((i) => i.t === T.Obj && i.keys.length > 0);
  }

  /** A string literal as shown: verbatim, or in lossy mode shortened/compressed with a marker. */
  private str(n: JNode, mode: 'full' | 'summary' | 'text'): string {
    const raw = this.src.slice(n.s, n.e);
    if (mode === 'summary') return raw.length > SUMMARY_STRING + 2 ? cutLiteral(raw, SUMMARY_STRING, 0, '…') : raw;
    if (!this.opts.lossy || raw.length <= TEXT_STRING) return raw;
    const value = decodeString(raw);
    if (mode === 'text') {
      const packed = this.compressText(value);
      if (packed !== null && packed.length < raw.length) return packed;
      if (raw.length <= LONG_STRING * 4) return raw;
    } else if (raw.length <= LONG_STRING) return raw;
    const hash = this.ctx.store(value, 'prose');
    const omitted = value.length - HEAD_CHARS - TAIL_CHARS;
    return cutLiteral(raw, HEAD_CHARS, TAIL_CHARS, ` ${omissionMarker(`${omitted} chars`, hash)} `);
  }

  /** A long multi-line string (a tool output in a transcript) compressed as its own kind. */
  private compressText(value: string): string | null {
    const packed = this.transcript.compress(value);
    return packed === null ? null : JSON.stringify(packed);
  }

  /**
   * An array of objects as a table block. `stored(rows)` gives the exact original text of rows
   * (for markers); `bracket` wraps the block in [ ].
   */
  private table(rows: JObj[], indent: string, budget: number, stored: (rows: number[]) => string, title: string, bracket: boolean): string {
    const n = rows.length;
    const info = n >= 3 ? this.columnsOf(rows) : emptyInfo();
    const leaves = info.columns.length ? countLeaves(info, n) : 0;
    const records = leaves >= 5;
    const rowIndent = bracket ? indent + '  ' : indent;
    const head: string[] = [];
    head.push((bracket ? '[ // ' : '// ') + title);
    const constantsLine = this.constantsLine(info, n, budget);
    if (constantsLine) head.push(rowIndent + constantsLine);
    const templateLine = this.templateLine(info);
    if (templateLine) head.push(rowIndent + templateLine);

    const fullMode = this.opts.lossy && !records ? 'text' : 'full';
    const full = (r: number) => rowIndent + this.row(rows[r], info, fullMode);
    let tiers: Uint8Array;
    let lines: string[];
    let summaryColumns: Column[] = [];
    if (!this.opts.lossy || !records || n < 4) {
      if (!this.opts.lossy && losslessRowsAtLeast(info, n, rowIndent.length, this.style) > this.opts.budget) throw OVER_BUDGET;
      tiers = new Uint8Array(n).fill(Tier.Full);
      let size = 0;
      lines = rows.map((_, r) => {
        if ((r & 63) === 0) this.tick();
        const line = full(r);
        size += line.length + 1;
        // The rows alone are over the whole output's budget: rendering the rest would be wasted.
        if (!this.opts.lossy && size > this.opts.budget) throw OVER_BUDGET;
        return line;
      });
    } else {
      ({ tiers, lines, summaryColumns } = this.select(rows, info, budget - head.join('\n').length, full, rowIndent));
    }

    const out: string[] = [...head];
    const summary: number[] = [];
    for (let r = 0; r < n; r++) if (tiers[r] === Tier.Summary) summary.push(r);
    if (summary.length) {
      const hash = this.ctx.store(stored(summary), 'json');
      const cols = summaryColumns.map((c) => c.id).join(', ');
      out.push(rowIndent + omissionMarker(`other fields of ${summary.length} rows`, hash, `those rows show only ${cols}`));
    }
    for (let r = 0; r < n; ) {
      if (tiers[r] !== Tier.Omit) {
        out.push(lines[r]);
        r++;
        continue;
      }
      let j = r;
      while (j < n && tiers[j] === Tier.Omit) j++;
      const run: number[] = [];
      for (let k = r; k < j; k++) run.push(k);
      const hash = this.ctx.store(stored(run), 'json');
      out.push(rowIndent + omissionMarker(`${run.length} ${run.length === 1 ? 'row' : 'rows'}`, hash, this.describeRun(info, run)));
      r = j;
    }
    if (bracket) out.push(indent + ']');
    return out.join('\n');
  }

  /** Chooses a tier per row within the budget and renders the shown rows (summarised rows show `summaryColumns`). */
  private select(
    rows: JObj[], info: ColumnInfo, budget: number, full: (r: number) => string, rowIndent: string,
  ): { tiers: Uint8Array; lines: string[]; summaryColumns: Column[] } {
    const n = rows.length;
    const scores = scoreRows(this.src, rows, info, this.ctx.query, this.tick);
    const tiers = new Uint8Array(n);
    const lines: string[] = new Array(n);
    let used = 0;
    const take = (r: number) => {
      if (tiers[r] === Tier.Full) return;
      lines[r] = full(r);
      tiers[r] = Tier.Full;
      used += lines[r].length + 1;
    };
    const order = [...Array(n).keys()].sort((a, b) => scores.score[b] - scores.score[a] || a - b);
    let strong = 0;
    for (const r of order) if (scores.strong[r] && strong++ < MAX_STRONG) take(r);
    for (const r of scores.related) if (strong++ < MAX_STRONG + 10) take(r);
    let weak = 0;
    for (const r of order) {
      if (scores.score[r] < 2 || tiers[r] === Tier.Full) continue;
      if (weak >= MAX_WEAK || used > budget * 0.4) break;
      // The source size bounds the rendered size (same values, no more whitespace).
      if (used + (rows[r].e - rows[r].s) > budget * 0.45 && used + full(r).length > budget * 0.45) continue;
      take(r);
      weak++;
    }
    // Nothing stood out: show the first row in full as the example of the shape.
    if (used === 0) take(0);

    const sumCols = this.summaryColumns(info);
    const only = onlySet(sumCols);
    const none = emptyInfo();
    const summaryLine = (r: number) => rowIndent + (this.object(rows[r], '', 0, none, 'summary', only) ?? '{}');
    const rest: number[] = [];
    for (let r = 0; r < n; r++) if (tiers[r] !== Tier.Full) rest.push(r);
    const left = budget - used;
    const restLines = new Map<number, string>();
    let restSize = 0;
    for (const r of rest) {
      if ((r & 63) === 0) this.tick();
      if (restSize > left) break;
      const l = summaryLine(r);
      restLines.set(r, l);
      restSize += l.length + 1;
    }
    if (restSize <= left && restLines.size === rest.length) {
      for (const r of rest) {
        tiers[r] = Tier.Summary;
        lines[r] = restLines.get(r)!;
      }
      return { tiers, lines, summaryColumns: sumCols };
    }
    // Not all fit: the first rows and the last rows, the middle omitted.
    let room = Math.max(0, left - 80);
    let front = 0;
    for (const r of rest) {
      const l = restLines.get(r) ?? summaryLine(r);
      if (l.length + 1 > room * 0.7 - front) break;
      tiers[r] = Tier.Summary;
      lines[r] = l;
      front += l.length + 1;
    }
    room -= front;
    for (let k = rest.length - 1; k >= 0; k--) {
      const r = rest[k];
      if (tiers[r] !== Tier.Omit) break;
      const l = summaryLine(r);
      if (l.length + 1 > room) break;
      tiers[r] = Tier.Summary;
      lines[r] = l;
      room -= l.length + 1;
    }
    return { tiers, lines, summaryColumns: sumCols };
  }

  /** A row on one line, folded columns left out. */
  private row(o: JObj, info: ColumnInfo, mode: 'full' | 'text'): string {
    return this.object(o, '', 0, info, mode, null) ?? '{}';
  }

  private object(o: JObj, prefix: string, depth: number, info: ColumnInfo, mode: 'full' | 'text' | 'summary', only: Set<string> | null): string | null {
    const parts: string[] = [];
    for (let k = 0; k < o.keys.length; k++) {
      const v = o.vals[k];
      const id = prefix + o.keys[k];
      let text: string | null;
      if (v.t === T.Obj && v.keys.length > 0 && depth + 1 < FLAT_DEPTH) {
        if (only && !only.has(id + '.')) continue;
        text = this.object(v, id + '.', depth + 1, info, mode, only);
        if (text === null) continue;
      } else {
        if (only ? !only.has(id) : info.folded.has(id)) continue;
        text = v.t === T.Str ? this.str(v, mode) : compact(this.src, v, this.style, (s) => this.str(s, mode));
      }
      parts.push(keyLiteral(o.keys[k]) + this.style.colon + text);
    }
    if (parts.length === 0 && depth > 0) return null;
    return '{' + parts.join(this.style.comma) + '}';
  }

  /** Identifying columns shown for summarised rows: question-named ones first, then by position. */
  private summaryColumns(info: ColumnInfo) {
    const terms = this.ctx.query.terms;
    const relevant = (c: Column) => terms.length > 0 && keyMatchesQuery(c.key, terms);
    const candidates = info.columns.filter(
      (c) => !info.folded.has(c.id) && c.path.length <= 2 && !/(^|_)(url|uri|href|link)$/i.test(c.key) && (IDENTIFYING_KEY.test(c.key) || relevant(c)),
    );
    const categorical = (c: Column) => new Set(c.sigs).size <= Math.max(2, Math.min(12, c.sigs.length / 4));
    const rank = (c: Column) => c.path.length * 3 + (relevant(c) ? 0 : categorical(c) ? 1 : /^(id|uuid|guid|node_id)$/i.test(c.key) ? 2.5 : 2);
    const chosen = new Set(candidates.map((c, i) => ({ c, k: rank(c) + i / 1e4 })).sort((a, b) => a.k - b.k).slice(0, SUMMARY_COLUMNS).map((x) => x.c));
    return info.columns.filter((c) => chosen.has(c));
  }

  /** "same in every row" header: the equal fields as one object (shortened in lossy mode). */
  private constantsLine(info: ColumnInfo, n: number, budget: number): string | null {
    if (info.constant.length === 0) return null;
    const cap = this.opts.lossy ? Math.max(300, budget * 0.15) : Infinity;
    const terms = this.ctx.query.terms;
    const rank = (c: (typeof info.constant)[number]) => (keyMatchesQuery(c.key, terms) ? 0 : IDENTIFYING_KEY.test(c.key) ? 1 : 2) + c.path.length * 0.01;
    const ordered = this.opts.lossy ? [...info.constant].sort((a, b) => rank(a) - rank(b)) : info.constant;
    const shown: typeof info.constant = [];
    let size = 0;
    for (const c of ordered) {
      const v = c.values[0]!;
      const len = c.id.length + Math.min(v.e - v.s, HEAD_CHARS + TAIL_CHARS + 80) + 4;
      if (size + len > cap) continue;
      shown.push(c);
      size += len;
    }
    const shownSet = new Set(shown.map((c) => c.id));
    const obj = this.pathsObject(info.constant.filter((c) => shownSet.has(c.id)));
    let line = shown.length ? `// same in all ${n} rows: ${obj}` : '//';
    const hidden = info.constant.filter((c) => !shownSet.has(c.id));
    if (hidden.length) {
      const hash = this.ctx.store(this.pathsObject(hidden, true), 'json');
      line += ' ' + omissionMarker(`${hidden.length} more fields equal in every row`, hash);
    }
    return line;
  }

  /** Leaf columns (with their row-0 values) rebuilt into one nested object. */
  private pathsObject(cols: ColumnInfo['constant'], raw = false): string {
    type Tree = Map<string, Tree | JNode>;
    const tree: Tree = new Map();
    for (const c of cols) {
      let t = tree;
      for (let i = 0; i < c.path.length - 1; i++) {
        let next = t.get(c.path[i]);
        if (!(next instanceof Map)) {
          next = new Map();
          t.set(c.path[i], next);
        }
        t = next;
      }
      t.set(c.key, c.values[0]!);
    }
    const style = raw ? { colon: ':', comma: ',' } : this.style;
    const render = (t: Tree): string =>
      '{' + [...t].map(([k, v]) => keyLiteral(k) + style.colon + (v instanceof Map ? render(v) : raw ? compact(this.src, v, style) : compact(this.src, v, style, (s) => this.str(s, 'full')))).join(style.comma) + '}';
    return render(tree);
  }

  /** Derived fields: listed in lossless mode, stored behind a marker in lossy mode. */
  private templateLine(info: ColumnInfo): string | null {
    if (info.templates.length === 0) return null;
    const list = info.templates.map((t) => `${t.column.id} = ${JSON.stringify(t.prefix)} + ${t.source.id}${t.suffix ? ` + ${JSON.stringify(t.suffix)}` : ''}`.replace(/^(\S+) = "" \+ /, '$1 = '));
    if (!this.opts.lossy) return `// derived in every row (left out): ${list.join('; ')}`;
    const hash = this.ctx.store(list.join('\n') + '\n', 'prose');
    const names = info.templates.slice(0, 3).map((t) => t.column.id).join(', ');
    return '// ' + omissionMarker(`${info.templates.length} fields derived from other fields of the same row`, hash, `e.g. ${names}`);
  }

  /** What an omitted run of rows held: the mix of a categorical column, e.g. "state: closed ×12". */
  private describeRun(info: ColumnInfo, run: number[]): string | undefined {
    const terms = this.ctx.query.terms;
    const cols = info.columns.filter((c) => !info.folded.has(c.id) && c.path.length <= 2);
    let best: { id: string; counts: Map<string, number>; rank: number } | null = null;
    for (const c of cols) {
      const counts = new Map<string, number>();
      for (const r of run) counts.set(c.sigs[r], (counts.get(c.sigs[r]) ?? 0) + 1);
      if (counts.size > 3 || [...counts.keys()].some((k) => k.length > 30 || k === '')) continue;
      if (counts.size === 1 && run.length < 2) continue;
      const rank = (terms.length && keyMatchesQuery(c.key, terms) ? 0 : 1) + (IDENTIFYING_KEY.test(c.key) ? 0 : 0.5);
      if (!best || rank < best.rank) best = { id: c.id, counts, rank };
    }
    if (!best || best.rank >= 1.5) return undefined;
    return `${best.id}: ` + [...best.counts].map(([v, k]) => `${v} ×${k}`).join(', ');
  }
}

/** Column ids to show, plus every ancestor prefix ("a." for "a.b") so nested objects are entered. */
function onlySet(cols: readonly Column[]): Set<string> {
  const out = new Set<string>();
  for (const c of cols) {
    out.add(c.id);
    for (let i = 1; i < c.path.length; i++) out.add(c.path.slice(0, i).join('.') + '.');
  }
  return out;
}

function emptyInfo(): ColumnInfo {
  return { columns: [], byId: new Map(), constant: [], templates: [], folded: new Set() };
}

/**
 * A lower bound of the characters the lossless rows of a table take (each line and its newline):
 * every leaf that is not folded appears with its key and at least its whitespace-free signature,
 * and top-level fields are separated by commas. Nested objects' braces and commas are not counted.
 */
export function losslessRowsAtLeast(info: ColumnInfo, n: number, indent: number, style: Style): number {
  let size = n * (indent + 3);
  const topLevel = new Uint16Array(n);
  for (const c of info.columns) {
    if (info.folded.has(c.id)) continue;
    const key = keyLiteral(c.key).length + style.colon.length;
    const top = c.path.length === 1;
    for (let r = 0; r < n; r++) {
      if (c.values[r] === undefined) continue;
      size += key + c.sigs[r].length;
      if (top) topLevel[r]++;
    }
  }
  for (let r = 0; r < n; r++) if (topLevel[r] > 1) size += (topLevel[r] - 1) * style.comma.length;
  return size;
}

/** Mean number of leaf columns per row. */
function countLeaves(info: ColumnInfo, n: number): number {
  let filled = 0;
  for (const c of info.columns) for (const v of c.values) if (v !== undefined) filled++;
  return filled / Math.max(1, n);
}

export { decodeString };
