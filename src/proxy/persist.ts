/**
 * Request records in the store. Records are appended in batches (every few seconds, and on close)
 * so that steady traffic does not make the store export its image every second: each export is a
 * synchronous pause of the event loop.
 */
import type { Store } from '../store/types';
import type { RequestRecord } from './record';

const BATCH_MS = 10_000;

export class RecordWriter {
  /** Serialised as they come: a string takes a fraction of the memory of the record's objects. */
  private queue: Array<{ at: number; json: string }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly store: Store, private readonly log: (line: string) => void, private readonly delayMs = BATCH_MS) {}

  add(record: RequestRecord): void {
    this.queue.push({ at: record.ts, json: JSON.stringify(record) });
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.delayMs);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    for (const r of batch) {
      try {
        this.store.appendRequestJson(r.at, r.json);
      } catch (e) {
        this.log(`could not store request record: ${(e as Error).message}`);
        return;
      }
    }
  }
}

/** Records persisted by earlier runs (the last 30 days), to seed /stats. */
/** How far back the request log is read at start-up (and by `headroom stats`). */
export const PERSISTED_DAYS = 30;

export function loadPersisted(store: Store): RequestRecord[] {
  try {
    return (store.listRequests({ sinceMs: Date.now() - PERSISTED_DAYS * 86_400_000, limit: 100_000 }) as RequestRecord[])
      .filter((r) => r && typeof r === 'object' && Array.isArray(r.outputs));
  } catch {
    return [];
  }
}
