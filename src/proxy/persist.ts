/**
 * Request records in the store, appended in batches every second (and on close). Each batch is a
 * synchronous insert, and sql.js grows its in-memory database file by an eighth at a time, leaving
 * the old copy for the next full collection: the 10-second batches this used before held ~10,000
 * records (~7 MB) at the benchmark's 1,000 requests/s, stalled the event loop for most of a second
 * and left tens of megabytes of discarded copies, so batches are kept small. The store saves
 * request-log rows at most every 10 s, so steady traffic does not make it export its image (a
 * synchronous pause) every second.
 */
import type { Store } from '../store/types';
import type { RequestRecord } from './record';

const BATCH_MS = 1_000;

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
    try {
      this.store.appendRequestsJson(batch);
    } catch (e) {
      this.log(`could not store request records: ${(e as Error).message}`);
    }
  }
}

/** Records persisted by earlier runs (the last 30 days), to seed /stats. */
/** How far back the request log is read at start-up (and by `headroom stats`). */
export const PERSISTED_DAYS = 30;

/**
 * Hands each persisted record to `add` as it is read: a long log (50,000 rows, each listing every
 * tool output of its request) is never held in memory at once.
 */
export function loadPersisted(store: Store, add: (record: RequestRecord) => void): void {
  try {
    store.forEachRequest({ sinceMs: Date.now() - PERSISTED_DAYS * 86_400_000, limit: 100_000 }, (r) => {
      const rec = r as RequestRecord;
      if (rec && typeof rec === 'object' && Array.isArray(rec.outputs)) add(rec);
    });
  } catch {
    // An unreadable log seeds nothing.
  }
}
