/**
 * Long text values of a transcript-like array (chat messages holding tool outputs): each is
 * compressed as its own kind, then lines already shown in an earlier value of the same document
 * (prompts echoed again, the same page fetched twice, shell footers) and terminal progress meters
 * are replaced by a marker naming the stored lines. First occurrences always stay.
 */
import { renderSelection, type Ctx } from '../context';
import { detectKind } from '../detect';
import { hasMarker } from '../marker';
import { splitLines, body } from '../lines';
import { compressAs } from '../compressors/registry';

/** curl/wget-style progress meter rows and their two header lines. */
const PROGRESS = [
  /^\s*% Total\s+% Received\s+% Xferd\b/,
  /^\s+Dload\s+Upload\s+Total\s+Spent\s+Left\s+Speed\s*$/,
  /^\s*\d{1,3}\s+[\d.]+[kMG]?\s+\d{1,3}\s+[\d.]+[kMG]?\s+\d{1,3}\s+[\d.]+[kMG]?\s+[\d.]+[kMG]?\s+[\d.]+[kMG]?\s+[-\d:]{8}\s+[-\d:]{8}\s+[-\d:]{8}\s+[\d.]+[kMG]?\s*$/,
];
const SAFE_TO_DROP_MIN = 4;
const ERRORISH = /\b(error|fail|failed|failure|exception|fatal|denied|refused|traceback|warning)\b/i;

export class TranscriptText {
  private readonly seen = new Set<string>();

  constructor(private readonly ctx: Ctx) {}

  /** The compressed value, or null when nothing was gained. */
  compress(value: string): string | null {
    const lines = splitLines(value);
    if (lines.length < 4) {
      this.remember(lines);
      return null;
    }
    const kind = detectKind(value);
    let text = value;
    if (kind !== 'prose') {
      const r = compressAs(kind, value, this.ctx.child(kind));
      if (r && r.text.length < value.length) text = r.text;
    }
    const shown = text === value ? lines : splitLines(text);
    const keep = new Uint8Array(shown.length).fill(1);
    let dropped = 0;
    for (let i = 0; i < shown.length; i++) {
      const b = body(shown[i]);
      if (hasMarker(b) || ERRORISH.test(b)) continue;
      const blank = b.trim() === '';
      const progress = PROGRESS.some((re) => re.test(b));
      const len = b.trim().length;
      const repeat = this.seen.has(b) && (len >= SAFE_TO_DROP_MIN || (len > 0 && i > 0 && !keep[i - 1])) && this.ctx.query.score(b) === 0;
      if (progress || repeat || (blank && i > 0 && !keep[i - 1])) {
        keep[i] = 0;
        dropped++;
      }
    }
    this.remember(lines);
    if (dropped === 0) return text === value ? null : text;
    const out = renderSelection(shown, keep, this.ctx.child(kind === 'json' ? 'prose' : kind), {
      unit: 'lines',
      describe: (a, b) => (shown.slice(a, b).every((l) => PROGRESS.some((re) => re.test(body(l))) || body(l).trim() === '') ? 'progress meter' : 'repeated earlier'),
    });
    return out.length < value.length ? out : null;
  }

  /** Records the lines of a value shown verbatim (short ones too, they may repeat later). */
  remember(lines: readonly string[]): void {
    for (const l of lines) this.seen.add(body(l));
  }
}
