/**
 * Tables: CSV/TSV (one consistent delimiter) and markdown pipe tables. Lossless first: a column
 * with the same value in every row is stated once above the table and left out of the rows (the
 * other cells stay verbatim, in order, with the same delimiter). Lossy only for large tables:
 * the header, the first and last rows, rows matching the question, rows with error-like or rare
 * values are kept; every omitted run becomes a marker naming its stored exact lines.
 */
import { roughTokens, type Ctx } from '../context';
import { omissionMarker } from '../marker';
import { body, eol, splitLines } from '../lines';
import { compressKubectl, looksLikeKubectl } from './ops';
import type { Compressor } from './types';

const LOSSY_MIN_ROWS = 40;
const HEAD_ROWS = 5;
const TAIL_ROWS = 3;
const MAX_KEPT = 60;
const MIN_ROWS_FOR_FOLD = 8;
const ERRORISH = /\b(error|errors|fail|failed|failure|exception|fatal|critical|panic|denied|refused|timeout|invalid|crash|crashed)\b/i;

interface Layout {
  delimiter: string;
  markdown: boolean;
  /** Index of the header line and of the first data line. */
  header: number;
  first: number;
}

/** Splits a row into cells, respecting double-quoted cells for CSV/TSV; markdown drops the outer pipes. */
export function splitRow(line: string, layout: Pick<Layout, 'delimiter' | 'markdown'>): string[] {
  let s = line;
  if (layout.markdown) {
    s = s.trim();
    if (s.startsWith('|')) s = s.slice(1);
    if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  }
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (!layout.markdown && c === '"') {
      if (quoted && s[i + 1] === '"') {
        cur += '""';
        i++;
        continue;
      }
      quoted = !quoted;
      cur += c;
      continue;
    }
    if (!quoted && c === layout.delimiter && !(layout.markdown && s[i - 1] === '\\')) {
      cells.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  cells.push(cur);
  return cells;
}

function detectLayout(lines: string[]): Layout | null {
  const nonBlank = lines.map((l) => body(l)).filter((l) => l.trim() !== '');
  if (nonBlank.length < 3) return null;
  const mdRows = nonBlank.filter((l) => /^\s*\|.*\|\s*$/.test(l)).length;
  if (mdRows / nonBlank.length >= 0.8) {
    const header = lines.findIndex((l) => /^\s*\|.*\|\s*$/.test(body(l)));
    const sep = header + 1;
    const isSep = sep < lines.length && /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(body(lines[sep]));
    return { delimiter: '|', markdown: true, header, first: isSep ? sep + 1 : sep };
  }
  for (const delimiter of ['\t', ',', ';', '|']) {
    const sample = nonBlank.slice(0, 60);
    const counts = sample.map((l) => splitRow(l, { delimiter, markdown: false }).length);
    if (counts[0] < 2) continue;
    const same = counts.filter((c) => c === counts[0]).length / counts.length;
    if (same >= 0.9) {
      const header = lines.findIndex((l) => body(l).trim() !== '');
      return { delimiter, markdown: false, header, first: header + 1 };
    }
  }
  return null;
}

export const compressTable: Compressor = (text: string, ctx: Ctx) => {
  const lines = splitLines(text);
  if (looksLikeKubectl(lines)) return compressKubectl(text, ctx);
  const layout = detectLayout(lines);
  if (!layout) return null;
  const headerCells = splitRow(body(lines[layout.header]), layout);
  const width = headerCells.length;
  const rows: number[] = [];
  for (let i = layout.first; i < lines.length; i++) {
    if ((i & 1023) === 0) ctx.checkDeadline();
    if (body(lines[i]).trim() !== '') rows.push(i);
  }
  const cells = new Map<number, string[]>();
  for (const i of rows) cells.set(i, splitRow(body(lines[i]), layout));
  const regular = rows.filter((i) => cells.get(i)!.length === width);

  // Lossless: columns equal in every (regular) row.
  const constant: number[] = [];
  if (regular.length >= MIN_ROWS_FOR_FOLD && regular.length === rows.length) {
    for (let c = 0; c < width; c++) {
      const v = cells.get(rows[0])![c];
      if (v.trim() !== '' && rows.every((i) => cells.get(i)![c] === v)) constant.push(c);
    }
    if (constant.length === width) constant.length = 0;
  }
  let out = lines.slice();
  let strategy = 'table';
  if (constant.length) {
    const drop = new Set(constant);
    const rejoin = (line: string, cs: string[]) => {
      const kept = cs.filter((_, c) => !drop.has(c));
      const joined = layout.markdown ? '|' + kept.join('|') + '|' : kept.join(layout.delimiter);
      const indent = layout.markdown ? /^\s*/.exec(line)![0] : '';
      return indent + joined + eol(line);
    };
    const note = constant.map((c) => `${headerCells[c].trim() || `column ${c + 1}`} = ${cells.get(rows[0])![c].trim()}`).join('; ');
    out = lines.map((l, i) => {
      if (i === layout.header) return `# same in all ${rows.length} rows (column left out): ${note}\n` + rejoin(l, headerCells);
      if (layout.markdown && i === layout.header + 1 && layout.first === i + 1) return rejoin(l, splitRow(body(l), layout));
      const cs = cells.get(i);
      return cs ? rejoin(l, cs) : l;
    });
    strategy = 'table-fold';
  }

  if (rows.length < LOSSY_MIN_ROWS) return strategy === 'table' ? null : { text: out.join(''), strategy };

  // Lossy row selection over the (folded) lines; line indexes are unchanged by the fold.
  const keep = new Uint8Array(out.length);
  for (let i = 0; i < layout.first; i++) keep[i] = 1;
  for (let k = 0; k < Math.min(HEAD_ROWS, rows.length); k++) keep[rows[k]] = 1;
  for (let k = Math.max(0, rows.length - TAIL_ROWS); k < rows.length; k++) keep[rows[k]] = 1;
  const score = new Map<number, number>();
  for (const i of rows) {
    const line = body(lines[i]);
    let s = ctx.query.score(line) * 2;
    if (ERRORISH.test(line)) s += 3;
    if (cells.get(i)!.length !== width) s += 1;
    if (s > 0) score.set(i, s);
  }
  // Rare values of categorical columns (few distinct values, one seen in under 5% of rows).
  for (let c = 0; c < width; c++) {
    const counts = new Map<string, number>();
    for (const i of regular) {
      const v = cells.get(i)![c].trim();
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    if (counts.size < 2 || counts.size > 12) continue;
    for (const i of regular) {
      const n = counts.get(cells.get(i)![c].trim())!;
      if (n <= Math.max(1, regular.length * 0.05)) score.set(i, (score.get(i) ?? 0) + 2);
    }
  }
  const ranked = [...score].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MAX_KEPT);
  for (const [i] of ranked) keep[i] = 1;
  // Blank lines and trailing text after the table stay.
  for (let i = 0; i < out.length; i++) if (body(lines[i]).trim() === '') keep[i] = 1;
  ctx.checkDeadline();
  return { text: renderRows(lines, out, keep, ctx), strategy: strategy + '-rows' };
};

/**
 * Kept lines as shown (`shown`, possibly folded); each omitted run becomes one marker naming the
 * run's original lines. A run cheaper than its marker is shown instead.
 */
function renderRows(original: string[], shown: string[], keep: Uint8Array, ctx: Ctx): string {
  const out: string[] = [];
  for (let i = 0; i < shown.length; ) {
    if (keep[i]) {
      out.push(shown[i++]);
      continue;
    }
    let j = i;
    while (j < shown.length && !keep[j]) j++;
    const run = original.slice(i, j).join('');
    const n = j - i;
    const marker = omissionMarker(`${n} ${n === 1 ? 'row' : 'rows'}`, '0'.repeat(24));
    if (roughTokens(run) <= roughTokens(marker) + 2) {
      out.push(...shown.slice(i, j));
    } else {
      const last = original[j - 1];
      out.push(omissionMarker(`${n} ${n === 1 ? 'row' : 'rows'}`, ctx.store(run)) + (eol(last) || (j < shown.length ? '\n' : '')));
    }
    i = j;
  }
  return out.join('');
}
