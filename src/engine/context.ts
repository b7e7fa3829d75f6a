import { ccrHashOfBytes } from './hash';
import { omissionMarker } from './marker';
import { body, eol, indentOf } from './lines';
import type { Query } from './query';
import type { ContentKind, OriginalSink } from './types';

export class BudgetExceeded extends Error {
  constructor() {
    super('compression time budget exceeded');
  }
}

/** What every compressor gets: the question, the store for originals and the time budget. */
export class Ctx {
  readonly hashes: string[] = [];

  constructor(
    readonly query: Query,
    readonly kind: ContentKind,
    private readonly sink: OriginalSink,
    private readonly deadline: number,
    readonly fileName?: string,
  ) {}

  /** Writes an original to the store and returns its hash; call before emitting the marker. */
  store(text: string, kind: ContentKind = this.kind): string {
    // One UTF-8 encoding serves the hash and the store.
    const utf8 = Buffer.from(text, 'utf8');
    const hash = ccrHashOfBytes(utf8);
    this.sink.put(hash, text, kind, utf8);
    if (!this.hashes.includes(hash)) this.hashes.push(hash);
    return hash;
  }

  /** Throws BudgetExceeded past the deadline; compressors call it inside long loops. */
  checkDeadline(): void {
    if (performance.now() > this.deadline) throw new BudgetExceeded();
  }

  /** A context for a part of the input (mixed content), sharing store, hashes and deadline. */
  child(kind: ContentKind, fileName: string | undefined = this.fileName): Ctx {
    const c = new Ctx(this.query, kind, this.sink, this.deadline, fileName);
    (c as { hashes: string[] }).hashes = this.hashes;
    return c;
  }
}

/** Rough token cost of a string, for deciding whether a marker is worth it (not for reporting). */
export function roughTokens(s: string): number {
  return Math.ceil(s.length / 4);
}

export interface SelectionOptions {
  /** Describes an omitted run [start, end) for its marker, e.g. the event kinds it held. */
  describe?: (start: number, end: number) => string | undefined;
  /** What a line is called in markers ("lines", "rows", "matches"...). */
  unit?: string;
}

/**
 * Renders the kept lines verbatim and replaces each run of dropped lines with one marker line
 * naming the stored run. A run cheaper than its marker is kept instead (nothing lost for free).
 */
export function renderSelection(lines: readonly string[], keep: ArrayLike<boolean | number>, ctx: Ctx, opts: SelectionOptions = {}): string {
  const out: string[] = [];
  const unit = opts.unit ?? 'lines';
  let i = 0;
  while (i < lines.length) {
    if (keep[i]) {
      out.push(lines[i]);
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && !keep[j]) j++;
    const run = lines.slice(i, j);
    const text = run.join('');
    const n = j - i;
    const label = `${n} ${n === 1 ? unit.replace(/s$/, '') : unit}`;
    const markerCost = roughTokens(omissionMarker(label, '0'.repeat(24))) + 2;
    if (roughTokens(text) <= markerCost) {
      out.push(text);
    } else {
      const hash = ctx.store(text);
      const detail = opts.describe?.(i, j);
      const indent = indentOf(body(run[0]));
      out.push(indent + omissionMarker(label, hash, detail) + (eol(run[run.length - 1]) || (j < lines.length ? '\n' : '')));
    }
    i = j;
  }
  return out.join('');
}
