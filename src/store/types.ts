import type { ContentKind, OriginalSink } from '../engine/types';

/**
 * The contract of the local store (sql.js, one file). The CCR part holds originals by hash; the
 * memo part maps a tool result's content key to the compressed bytes the proxy first sent, so every
 * later turn replays identical bytes; the request log and totals back /stats and the extension's views.
 */
export interface StoreOptions {
  /** Database file; null keeps the store in memory only (tests). */
  path: string | null;
  /**
   * Entries not read or written for this long are evicted (default 7 days). A read moving an entry's
   * last access by less than a seventh of this is saved only with the next other change.
   */
  ttlMs?: number;
  /** Total size cap of stored originals in bytes; least recently used go first (default 256 MiB). */
  maxBytes?: number;
  /** Writes are batched and saved this long after the last change (default 1000 ms). */
  saveDelayMs?: number;
  /** Called with a human-readable message when something needs the user's attention (e.g. a corrupt file moved aside). */
  onWarning?: (message: string) => void;
  /** The request log keeps at most this many rows, oldest dropped first (default 50,000). */
  maxRequests?: number;
  /** Clock in epoch milliseconds (tests); default Date.now. */
  now?: () => number;
}

export interface ListRequestsOptions {
  /** Only records appended at or after this epoch-millisecond time. */
  sinceMs?: number;
  /** At most this many records (default: all kept). */
  limit?: number;
}

export interface StoredOriginal {
  hash: string;
  text: string;
  kind: ContentKind;
  size: number;
  createdAt: number;
  lastAccess: number;
}

export interface StoreSummary {
  path: string | null;
  entries: number;
  bytes: number;
  oldest: number | null;
  newest: number | null;
  byKind: Record<string, { entries: number; bytes: number }>;
  memoEntries: number;
  requests: number;
}

export interface Store extends OriginalSink {
  get(hash: string): StoredOriginal | undefined;
  has(hash: string): boolean;
  /**
   * Marks stored originals as used now (a conversation still carries their markers), without
   * reading them: cheap enough for the request path; applied to the table shortly, like puts.
   */
  touch(hashes: readonly string[]): void;
  getMemo(key: string): string | undefined;
  putMemo(key: string, value: string): void;
  summary(): StoreSummary;
  /**
   * Appends one accounting record (any JSON-serialisable object). Its time is `record.at` or
   * `record.ts` when that is a number of epoch milliseconds, else now.
   */
  appendRequest(record: object): void;
  /**
   * The same for records already serialised (each `json` a JSON object), with their times, in one
   * transaction. Request-log rows alone are saved at most every 10 s (they are cheap to lose).
   */
  appendRequestsJson(rows: ReadonlyArray<{ at: number; json: string }>): void;
  /** Parsed request records, newest first. */
  listRequests(options?: ListRequestsOptions): object[];
  /**
   * The same records, newest first, handed to `fn` one at a time as they are read (none kept), so
   * a long log is aggregated in constant memory; `fn` must not use the store. Returns how many.
   */
  forEachRequest(options: ListRequestsOptions, fn: (record: object) => void): number;
  clear(): void;
  /** Applies a new time-to-live and size cap (entries past them are evicted at once). */
  setLimits(limits: { ttlMs?: number; maxBytes?: number }): void;
  /** Saves pending writes now (atomically: temp file and rename). */
  flush(): Promise<void>;
  /** Flushes and releases the database. */
  close(): Promise<void>;
}
