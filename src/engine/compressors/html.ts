/**
 * HTML, conservatively: whole lines inside <script>, <style>, <svg>, <noscript> and comment
 * blocks, and lines that are pure markup (tags only: no text, no link, no image or form target)
 * are dropped; every run of dropped lines becomes one marker naming the stored lines. Lines with
 * text or links stay verbatim, so nothing inside a kept line is rewritten. Single-line (minified)
 * HTML has no whole lines to drop and is left to the generic fallback.
 */
import { renderSelection, type Ctx } from '../context';
import { body, splitLines } from '../lines';
import type { Compressor } from './types';

const BLOCK_OPEN = /<(script|style|svg|noscript|template)\b[^>]*>/i;
const COMMENT_OPEN = '<!--';
const TAG = /<\/?[a-zA-Z][\w:-]*(?:\s+[^<>]*?)?\/?>/g;
/** Attributes that carry information a reader needs (targets, labels, values). */
const USEFUL_ATTR = /\b(href|src|action|alt|title|value|placeholder|aria-label|name|id)\s*=/i;

function pureMarkup(line: string): boolean {
  const t = line.trim();
  if (t === '' || !t.startsWith('<')) return false;
  if (USEFUL_ATTR.test(t) && !/^<\/?(div|span|section|header|footer|nav|main|article|aside)\b[^>]*>$/i.test(t)) return false;
  return t.replace(TAG, '').trim() === '';
}

export const compressHtml: Compressor = (text: string, ctx: Ctx) => {
  const lines = splitLines(text);
  if (lines.length < 8) return null;
  const keep = new Uint8Array(lines.length).fill(1);
  let closeTag: string | null = null;
  let dropped = 0;
  for (let i = 0; i < lines.length; i++) {
    if ((i & 1023) === 0) ctx.checkDeadline();
    const b = body(lines[i]);
    if (closeTag) {
      keep[i] = 0;
      dropped++;
      if (b.toLowerCase().includes(closeTag)) closeTag = null;
      continue;
    }
    const t = b.trim();
    const block = BLOCK_OPEN.exec(t);
    if (block && t.startsWith('<')) {
      const close = `</${block[1].toLowerCase()}>`;
      // Only a line that opens the block (and maybe closes it) with nothing else around.
      const end = t.toLowerCase().lastIndexOf(close);
      if (end < 0 || end + close.length === t.length) {
        keep[i] = 0;
        dropped++;
        if (end < 0) closeTag = close;
        continue;
      }
    }
    if (t.startsWith(COMMENT_OPEN) && (!t.includes('-->') || t.endsWith('-->'))) {
      keep[i] = 0;
      dropped++;
      if (!t.includes('-->')) closeTag = '-->';
      continue;
    }
    if (pureMarkup(b)) {
      keep[i] = 0;
      dropped++;
    }
  }
  if (dropped === 0) return null;
  return {
    text: renderSelection(lines, keep, ctx, { unit: 'lines', describe: () => 'markup, scripts, styles' }),
    strategy: 'html-text',
  };
};
