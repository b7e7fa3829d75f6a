/**
 * Column analysis of an array of objects: every leaf reached through nested objects is a column
 * (arrays and deep objects are leaves). Finds columns equal in every row (stated once instead of
 * per row) and string columns derived from another column by a fixed prefix and suffix (stated
 * once as a template). Both folds are lossless: every value can be rebuilt from what is shown.
 */
import { decodeString, T, type JNode, type JObj } from './parse';
import { signature } from './render';

/** Objects nested deeper than this inside a row are treated as one value. */
export const FLAT_DEPTH = 6;

export interface Column {
  /** Dotted path (keys joined by '.'); `path` holds the keys themselves. */
  id: string;
  path: string[];
  key: string;
  /** The value in each row, undefined where the row lacks it. */
  values: Array<JNode | undefined>;
  /** Whitespace-free value signatures, per row ('' where missing). */
  sigs: string[];
}

export interface Template {
  column: Column;
  source: Column;
  prefix: string;
  suffix: string;
}

export interface ColumnInfo {
  columns: Column[];
  byId: Map<string, Column>;
  constant: Column[];
  templates: Template[];
  /** Column ids left out of every row (constant or derived). */
  folded: Set<string>;
}

/** Keys that name or identify a record; they stay visible in every rendering. */
export const IDENTIFYING_KEY =
  /^(id|uuid|guid|key|number|num|name|full_name|display_name|title|subject|summary|message|msg|url|html_url|web_url|href|link|path|file|filename|state|status|conclusion|result|outcome|level|severity|priority|type|kind|category|sha|hash|commit|version|tag|login|user|username|author|email|label|ref|branch|code|error|reason|created_at|updated_at|timestamp|time|date)$/i;

export function analyzeColumns(src: string, rows: readonly JObj[], tick: () => void): ColumnInfo {
  const byId = new Map<string, Column>();
  const columns: Column[] = [];
  const n = rows.length;
  const stack: Array<{ o: JObj; path: string[] }> = [];
  for (let r = 0; r < n; r++) {
    if ((r & 255) === 0) tick();
    stack.push({ o: rows[r], path: [] });
    while (stack.length) {
      const { o, path } = stack.pop()!;
      for (let k = 0; k < o.keys.length; k++) {
        const v = o.vals[k];
        const p = path.length ? [...path, o.keys[k]] : [o.keys[k]];
        if (v.t === T.Obj && v.keys.length > 0 && p.length < FLAT_DEPTH) {
          stack.push({ o: v, path: p });
          continue;
        }
        const id = p.join('.');
        let col = byId.get(id);
        if (!col) {
          col = { id, path: p, key: p[p.length - 1], values: new Array(n), sigs: new Array(n).fill('') };
          byId.set(id, col);
          columns.push(col);
        }
        col.values[r] = v;
        col.sigs[r] = signature(src, v);
      }
    }
  }
  const constant = n >= 2 ? columns.filter((c) => c.sigs.every((s, i) => s !== '' && s === c.sigs[0] && c.values[i] !== undefined)) : [];
  const folded = new Set(constant.map((c) => c.id));
  const templates = n >= 2 ? findTemplates(src, columns, folded, tick) : [];
  for (const t of templates) folded.add(t.column.id);
  return { columns, byId, constant, templates, folded };
}

/** Decoded string (or number) values of a column for rows [0, limit); null if another type occurs. */
function stringValues(src: string, col: Column, limit: number): string[] | null {
  const out: string[] = [];
  for (let r = 0; r < limit; r++) {
    const v = col.values[r];
    if (!v || (v.t !== T.Str && v.t !== T.Num)) return null;
    const raw = src.slice(v.s, v.e);
    out.push(v.t === T.Str ? decodeString(raw) : raw);
  }
  return out;
}

/** Rows a template is first found on; it is then verified on every row. */
const TEMPLATE_SAMPLE = 64;

/** Finds string columns equal to prefix + (another column) + suffix in every row. */
function findTemplates(src: string, columns: Column[], folded: Set<string>, tick: () => void): Template[] {
  const n = columns.length ? columns[0].values.length : 0;
  const sample = Math.min(n, TEMPLATE_SAMPLE);
  const values = new Map<Column, string[]>();
  for (const c of columns) {
    if (folded.has(c.id)) continue;
    const v = stringValues(src, c, sample);
    if (v) values.set(c, v);
  }
  // Sources: short, present everywhere; longer first so the most specific match wins.
  const sources = [...values.entries()]
    .filter(([, v]) => v.every((s) => s.length >= 3 && s.length <= 120))
    .sort((a, b) => b[1][0].length - a[1][0].length);
  const out: Template[] = [];
  const usedAsTarget = new Set<Column>();
  const usedAsSource = new Set<Column>();
  const holds = (xs: string[], ys: string[], prefix: string, suffix: string) => {
    for (let r = 0; r < xs.length; r++) if (xs[r] !== prefix + ys[r] + suffix) return false;
    return true;
  };
  for (const [col, xs] of values) {
    tick();
    if (IDENTIFYING_KEY.test(col.key) || col.values[0]?.t !== T.Str || usedAsSource.has(col)) continue;
    const x0 = xs[0];
    for (const [src2, ys] of sources) {
      if (src2 === col || usedAsTarget.has(src2)) continue;
      const idx = x0.indexOf(ys[0]);
      if (idx < 0) continue;
      const prefix = x0.slice(0, idx);
      const suffix = x0.slice(idx + ys[0].length);
      if (!holds(xs, ys, prefix, suffix)) continue;
      if (n > sample) {
        const allX = stringValues(src, col, n);
        const allY = stringValues(src, src2, n);
        if (!allX || !allY || !holds(allX, allY, prefix, suffix)) continue;
      }
      out.push({ column: col, source: src2, prefix, suffix });
      usedAsTarget.add(col);
      usedAsSource.add(src2);
      break;
    }
  }
  return out;
}

/** Empty values: null, "", [], {} or missing. */
export function isEmptySig(sig: string): boolean {
  return sig === '' || sig === 'null' || sig === '""' || sig === '[]' || sig === '{}';
}
