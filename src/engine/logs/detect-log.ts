/**
 * Recognises logs that carry neither a leading timestamp nor a level word: record-per-line output
 * whose lines share a field layout (e.g. `id node component state epoch flag message`) and repeat a
 * small set of templates. Tables of numbers and search hits do not qualify: the templates must
 * keep constant words and repeat.
 */
import { templateHash, templateKey } from './template';

/** Constant words of a template (masked parts are control characters, not letters). */
const WORDS = /[A-Za-z_]{2,}/g;
/** Lines whose template words are checked (building keys costs more than hashing them). */
const WORDY_SAMPLE = 60;

function classOf(tok: string): string {
  if (/^[+-]?\d+(?:[.,]\d+)?$/.test(tok)) return 'n';
  if (/\d/.test(tok)) return 'd';
  if (/[A-Za-z]/.test(tok)) return 'w';
  return 'p';
}

export const RECORD_LOG_MAX = 0.9;

/** 0 when the sample is not record-like; otherwise RECORD_LOG_MAX × the share of lines with the dominant field layout. */
export function recordLogScore(lines: readonly string[]): number {
  if (lines.length < 5) return 0;
  const shapes = new Map<string, number>();
  for (const l of lines) {
    const toks = l.trim().split(/[\s|]+/, 4);
    if (toks.length < 4) continue;
    const shape = toks.slice(0, 3).map(classOf).join('');
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
  }
  let best = '';
  let bestN = 0;
  for (const [s, n] of shapes) if (n > bestN) [best, bestN] = [s, n];
  const share = bestN / lines.length;
  if (!/[nd]/.test(best) || share < 0.6) return 0;
  const keys = new Set<number>();
  for (const l of lines) keys.add(templateHash(l));
  if (keys.size / lines.length > 0.5) return 0;
  const step = Math.max(1, Math.floor(lines.length / WORDY_SAMPLE));
  let sampled = 0;
  let wordy = 0;
  for (let i = 0; i < lines.length; i += step) {
    sampled++;
    if ((templateKey(lines[i]).match(WORDS)?.length ?? 0) >= 2) wordy++;
  }
  return wordy / sampled < 0.8 ? 0 : RECORD_LOG_MAX * share;
}
