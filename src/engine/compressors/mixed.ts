/**
 * Mixed content (markdown with fenced blocks, prose around a pasted log, a plain-text transcript):
 * cut into segments — fenced blocks, and blank-line separated blocks grouped by detected kind —
 * compress each with its own kind's compressor, and join. Fence lines are kept verbatim.
 */
import { BudgetExceeded, type Ctx } from '../context';
import { detectKind } from '../detect';
import { body, splitLines } from '../lines';
import { markerHashes } from '../marker';
import type { ContentKind } from '../types';
import { compressAs } from './registry';
import type { Compressed } from './types';

const FENCE_OPEN = /^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;

/** Fence languages that name a content kind rather than a programming language. */
const LANG_KIND: Record<string, ContentKind> = {
  json: 'json', jsonl: 'json', ndjson: 'json', json5: 'json',
  diff: 'diff', patch: 'diff',
  log: 'logs', logs: 'logs',
  csv: 'table', tsv: 'table',
  html: 'html', xml: 'html', svg: 'html',
  md: 'prose', markdown: 'prose',
};
/** Fence languages that say nothing about the content: detect it. */
const UNTYPED = new Set(['', 'text', 'txt', 'plain', 'plaintext', 'console', 'output', 'shell-session', 'terminal', 'sh-session', 'none']);

/** Past this many parts the remainder is treated as one (each part costs a detection). */
const MAX_DETECTIONS = 2000;

export interface Segment {
  start: number;
  end: number; // exclusive line index
  kind: ContentKind;
  /** For fenced blocks: the fence language; the first and (when closed) last line are the fences. */
  fence?: { lang: string; closed: boolean };
}

/** Splits lines into fenced blocks and runs of blank-line separated blocks of one detected kind. */
export function segment(lines: readonly string[], ctx: Ctx): Segment[] {
  const out: Segment[] = [];
  const push = (s: Segment) => {
    const last = out[out.length - 1];
    if (last && !last.fence && !s.fence && last.kind === s.kind && last.end === s.start) last.end = s.end;
    else out.push(s);
  };
  let i = 0;
  let detections = 0;
  while (i < lines.length) {
    if (++detections > MAX_DETECTIONS) {
      // Thousands of parts: the rest is one part, so the work stays bounded by the sample size.
      push({ start: i, end: lines.length, kind: plainKind(detectKind(lines.slice(i, i + 2000).join(''))) });
      break;
    }
    const open = FENCE_OPEN.exec(body(lines[i]));
    if (open) {
      const ticks = open[1];
      let j = i + 1;
      while (j < lines.length && !isClosingFence(body(lines[j]), ticks)) j++;
      const closed = j < lines.length;
      const end = closed ? j + 1 : lines.length;
      const lang = open[2].toLowerCase();
      push({ start: i, end, kind: fenceKind(lang, lines.slice(i + 1, closed ? j : end).join('')), fence: { lang, closed } });
      i = end;
      continue;
    }
    // A block: non-blank lines up to a blank line or a fence, then its trailing blank lines.
    const start = i;
    while (i < lines.length && body(lines[i]).trim() !== '' && !FENCE_OPEN.test(body(lines[i]))) i++;
    const blockEnd = i;
    while (i < lines.length && body(lines[i]).trim() === '') i++;
    const kind = blockEnd > start ? plainKind(detectKind(lines.slice(start, blockEnd).join(''))) : 'prose';
    push({ start, end: i, kind });
    if ((out.length & 255) === 0) ctx.checkDeadline();
  }
  return out;
}

function isClosingFence(line: string, ticks: string): boolean {
  const t = line.trim();
  return t.length >= ticks.length && t[0] === ticks[0] && /^(`{3,}|~{3,})$/.test(t);
}

/** A segment is never mixed again (that would recurse). */
function plainKind(kind: ContentKind): ContentKind {
  return kind === 'mixed' ? 'prose' : kind;
}

function fenceKind(lang: string, content: string): ContentKind {
  if (LANG_KIND[lang]) return LANG_KIND[lang];
  if (UNTYPED.has(lang)) return plainKind(detectKind(content));
  if (['bash', 'sh', 'shell', 'zsh', 'powershell', 'ps1', 'cmd', 'bat'].includes(lang)) {
    // Often a command with its output pasted below it: judge by the content.
    const k = detectKind(content);
    return k === 'prose' || k === 'mixed' ? 'code' : k;
  }
  return 'code';
}

/** Compresses one part with its kind's compressor; any failure but the time budget keeps it as is. */
function compressPart(kind: ContentKind, text: string, ctx: Ctx, fileName?: string): string {
  if (text.trim() === '') return text;
  try {
    const r = compressAs(kind, text, ctx.child(kind, fileName));
    return r && r.text.length < text.length ? r.text : text;
  } catch (e) {
    if (e instanceof BudgetExceeded) throw e;
    return text;
  }
}

// A hoisted function, not a const: registry.ts and this module import each other.
export function compressMixed(text: string, ctx: Ctx): Compressed | null {
  const lines = splitLines(text);
  const segments = segment(lines, ctx);
  const parts: string[] = [];
  const kinds = new Set<string>();
  for (const s of segments) {
    ctx.checkDeadline();
    if (s.fence) {
      const innerEnd = s.fence.closed ? s.end - 1 : s.end;
      const inner = lines.slice(s.start + 1, innerEnd).join('');
      const out = compressPart(s.kind, inner, ctx, s.kind === 'code' && s.fence.lang ? s.fence.lang : undefined);
      parts.push(lines[s.start], out, s.fence.closed ? lines[s.end - 1] : '');
      if (out !== inner) kinds.add(s.kind);
    } else {
      const seg = lines.slice(s.start, s.end).join('');
      const out = compressPart(s.kind, seg, ctx);
      parts.push(out);
      if (out !== seg) kinds.add(s.kind);
    }
  }
  const out = parts.join('');
  if (out === text) return null;
  // Parts that came back unchanged may have stored originals no marker names any more.
  const named = new Set(markerHashes(out));
  const hashes = ctx.hashes as string[];
  for (let k = hashes.length - 1; k >= 0; k--) if (!named.has(hashes[k])) hashes.splice(k, 1);
  return { text: out, strategy: `mixed:${[...kinds].sort().join('+')}` };
}
