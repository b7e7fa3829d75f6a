/**
 * Inside a long body that stays (the question is about it), the statements the question does not
 * touch are elided too: runs of whole statements become one marker each, and statements that do
 * match but are long are entered, so only their matching parts stay. Terms count by how rare
 * they are among the body's statements: a word on every line of the function decides nothing.
 */
import type { CodeLanguage } from './languages';
import { lineComment } from './languages';
import type { Stmt } from './statements';
import type { Region } from './units';
import { firstIndent } from './units';
import { body } from '../lines';
import { regionTokens } from './select';
import { MARKER_TOKENS } from './render';

/** Bodies shorter than this stay whole: the question may need lines that name none of its words. */
export const INNER_MIN_LINES = 80;
/** A matching statement this long is entered; shorter ones stay whole. */
const ENTER_MIN_LINES = 8;
/** A statement scoring at least this share of the body's best statement stays. */
const KEEP_SHARE = 0.6;

function text(lines: readonly string[], s: { start: number; end: number }): string {
  let t = '';
  for (let r = s.start; r <= s.end; r++) t += lines[r];
  return t.toLowerCase();
}

export function innerRegions(stmts: readonly Stmt[], lines: readonly string[], lang: CodeLanguage, terms: readonly string[]): Region[] {
  if (terms.length === 0) return [];
  const out: Region[] = [];
  const prefix = lang === 'python' ? '...  # ' : `${lineComment(lang)} `;
  // The blocks of one statement (the cases of a switch, the branches of an if) compete as one group.
  const visit = (blocks: ReadonlyArray<readonly Stmt[]>) => {
    const texts = new Map<Stmt, string>();
    for (const b of blocks) for (const s of b) texts.set(s, text(lines, s));
    const score = groupScorer([...texts.values()], terms);
    const best = Math.max(0, ...[...texts.values()].map(score));
    if (best <= 0) return;
    for (const block of blocks) {
      const keep = block.map((s) => score(texts.get(s)!) >= KEEP_SHARE * best);
      let i = 0;
      while (i < block.length) {
        if (keep[i]) {
          const s = block[i];
          if (s.end - s.start + 1 >= ENTER_MIN_LINES && s.blocks.length > 0) visit(s.blocks);
          i++;
          continue;
        }
        // A run of statements to drop: consecutive, with nothing but blank lines between them.
        let j = i;
        while (j + 1 < block.length && !keep[j + 1] && blankBetween(lines, block[j].end, block[j + 1].start)) j++;
        const r: Region = { start: block[i].start, end: block[j].end, prefix, suffix: '', indent: firstIndent(lines, block[i].start, block[j].end) };
        if (regionTokens(lines, r) > MARKER_TOKENS + 6) out.push(r);
        i = j + 1;
      }
    }
  };
  visit([stmts]);
  return out;
}

/** Scores a statement's text by the query terms it holds, each weighted by its rarity in the group. */
function groupScorer(texts: readonly string[], terms: readonly string[]): (t: string) => number {
  const weight = new Map<string, number>();
  for (const t of terms) {
    let df = 0;
    for (const x of texts) if (x.includes(t)) df++;
    if (df > 0 && df < texts.length) weight.set(t, Math.log(texts.length / df));
  }
  return (t: string) => {
    let s = 0;
    for (const [term, w] of weight) if (t.includes(term)) s += w;
    return s;
  };
}

function blankBetween(lines: readonly string[], a: number, b: number): boolean {
  if (b <= a) return false;
  for (let r = a + 1; r < b; r++) if (body(lines[r]).trim() !== '') return false;
  return true;
}
