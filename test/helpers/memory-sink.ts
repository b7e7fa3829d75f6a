import type { ContentKind, OriginalSink } from '../../src/engine/types';

/** An in-memory OriginalSink for engine tests. */
export class MemorySink implements OriginalSink {
  readonly entries = new Map<string, { text: string; kind: ContentKind }>();
  put(hash: string, text: string, kind: ContentKind): void {
    this.entries.set(hash, { text, kind });
  }
  get(hash: string): string | undefined {
    return this.entries.get(hash)?.text;
  }
}
