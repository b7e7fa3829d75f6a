/**
 * Prose and markdown: whole paragraphs only, never a rewritten line. Headings, the first and last
 * paragraphs, paragraphs that match the question and paragraphs that report a problem are kept;
 * the other paragraphs of a long text go behind markers. Short texts are left alone.
 */
import { renderSelection, type Ctx } from '../context';
import { body, splitLines } from '../lines';
import type { Compressed, Compressor } from './types';

/** Below this a text is read whole: folding it would save little and risk much. */
const MIN_CHARS = 3000;
/** Only worth it when at least this share of the text goes. */
const MIN_DROPPED_SHARE = 0.3;

const HEADING = /^\s{0,3}(#{1,6}\s|={3,}\s*$|-{3,}\s*$)|^[A-Z][A-Z0-9 ,:&/'-]{3,60}$/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const PROBLEM = /\b(error|errors|fail|failed|failing|failure|failures|fatal|exception|panic|panicked|warning|warn|deprecated|broken|crash|crashed|bug|vulnerab\w*|security|breaking)\b|[a-z](Error|Exception)\b/i;

interface Paragraph {
  start: number;
  end: number; // exclusive; blank lines after it are not part of it
  heading: boolean;
}

/** Blank-line separated paragraphs; a fenced block is one paragraph, blank lines and all. */
export function paragraphs(lines: readonly string[], ctx: Ctx): Paragraph[] {
  const out: Paragraph[] = [];
  let i = 0;
  while (i < lines.length) {
    if (body(lines[i]).trim() === '') {
      i++;
      continue;
    }
    const start = i;
    const fence = FENCE.exec(body(lines[i]));
    if (fence) {
      const marker = fence[1];
      i++;
      while (i < lines.length && !body(lines[i]).trimStart().startsWith(marker)) i++;
      i = Math.min(lines.length, i + 1);
    } else if (HEADING.test(body(lines[i]))) {
      i++;
    } else {
      while (i < lines.length && body(lines[i]).trim() !== '' && !HEADING.test(body(lines[i])) && !FENCE.test(body(lines[i]))) i++;
      // A setext underline belongs to the line above it.
      if (i < lines.length && /^\s{0,3}(={3,}|-{3,})\s*$/.test(body(lines[i])) && i - start === 1) i++;
    }
    out.push({ start, end: i, heading: HEADING.test(body(lines[start])) || (i - start === 2 && /^\s{0,3}(={3,}|-{3,})\s*$/.test(body(lines[start + 1]))) });
    if ((out.length & 1023) === 0) ctx.checkDeadline();
  }
  return out;
}

export const compressProse: Compressor = (text, ctx) => {
  if (text.length < MIN_CHARS) return null;
  const lines = splitLines(text);
  const paras = paragraphs(lines, ctx);
  const content = paras.filter((p) => !p.heading);
  if (content.length < 4) return null;

  const keepPara = new Set<Paragraph>();
  keepPara.add(content[0]);
  keepPara.add(content[content.length - 1]);
  const texts = content.map((p) => lines.slice(p.start, p.end).join(''));
  const matches = queryMatches(texts, ctx);
  for (const p of paras) if (p.heading) keepPara.add(p);
  content.forEach((p, k) => {
    if (matches[k] || PROBLEM.test(texts[k])) keepPara.add(p);
  });

  const keep = new Uint8Array(lines.length);
  let keptChars = 0;
  for (const p of keepPara) {
    for (let k = p.start; k < p.end; k++) {
      keep[k] = 1;
      keptChars += lines[k].length;
    }
  }
  // Blank lines follow the paragraph above them: kept after a kept one, folded after a dropped one.
  let prevKept = 1;
  for (let k = 0; k < lines.length; k++) {
    if (body(lines[k]).trim() === '' && !insideParagraph(paras, k)) keep[k] = prevKept;
    else prevKept = keep[k];
  }
  if (keptChars > text.length * (1 - MIN_DROPPED_SHARE)) return null;

  // startsBefore[k]: paragraphs starting before line k, to count a run's paragraphs in O(1).
  const startsBefore = new Uint32Array(lines.length + 1);
  for (const p of paras) startsBefore[p.start + 1]++;
  for (let k = 1; k <= lines.length; k++) startsBefore[k] += startsBefore[k - 1];
  const out = renderSelection(lines, keep, ctx, {
    describe: (s, e) => {
      const n = startsBefore[e] - startsBefore[s];
      return n > 0 ? `${n} ${n === 1 ? 'paragraph' : 'paragraphs'}` : undefined;
    },
  });
  return { text: out, strategy: 'prose-paragraphs' } satisfies Compressed;
};

/**
 * Paragraphs that contain the question's distinctive terms: a term found in most paragraphs
 * ("change" in a settings guide) does not single any out. Long questions need two terms.
 */
function queryMatches(texts: readonly string[], ctx: Ctx): boolean[] {
  const terms = ctx.query.terms;
  const result = texts.map(() => false);
  if (terms.length === 0) return result;
  const lower = texts.map((t) => t.toLowerCase());
  const limit = Math.max(1, Math.floor(texts.length * 0.2));
  const counts = new Array<number>(texts.length).fill(0);
  for (const term of terms) {
    const hits: number[] = [];
    lower.forEach((t, k) => {
      if (t.includes(term)) hits.push(k);
    });
    if (hits.length > limit) continue;
    for (const k of hits) counts[k]++;
  }
  const need = terms.length >= 6 ? 2 : 1;
  return counts.map((c) => c >= need);
}

function insideParagraph(paras: readonly Paragraph[], line: number): boolean {
  // Only fenced paragraphs hold blank lines. Paragraphs are sorted: binary search.
  let lo = 0;
  let hi = paras.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = paras[mid];
    if (line < p.start) hi = mid - 1;
    else if (line >= p.end) lo = mid + 1;
    else return true;
  }
  return false;
}
