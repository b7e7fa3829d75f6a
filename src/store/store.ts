/**
 * The local store: one sql.js database file holding CCR originals, the proxy's memo and its request log.
 *
 * The database lives in memory; changes are saved as a whole file, batched (`saveDelayMs` after the
 * first unsaved change, longer for a store whose export is slow; last-access updates alone wait
 * 30 s, and cause no save at all until they move an entry's saved time by over a seventh of the
 * TTL; request-log rows alone wait 10 s; a due save waits up to 3 s for a 100 ms pause in the store's
 * use, since the export blocks the event loop) and atomically (temp file, fsync, rename), so the
 * file on disk is always a complete database.
 *
 * Writes of originals and memo values are staged in memory and applied to the database in short
 * slices between other work (and before anything reads the tables), so a caller on a latency path
 * (the proxy) does not pay for sql.js inserts. Original bodies are stored gzip-compressed when
 * that makes them smaller (a gzip header is never valid UTF-8, so plain and compressed bodies
 * cannot be confused); sizes and the cap count the original bytes.
 *
 * Several processes may share one file (a running proxy and `headroom retrieve`/`compress`). Each
 * loads the file on open; when it saves and finds that the file was replaced since it last read or
 * wrote it, it first merges the other process's rows into its own (under a `<file>.lock`), so no
 * process silently drops what another stored. A lookup that misses also re-reads the file when it
 * changed, so a hash stored by another process is found without a restart. Deletions (eviction,
 * `clear()`) are local: an entry evicted here but still in another process's newer file may come
 * back, and is then evicted again by the same TTL and size rules.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import type { Database, SqlJsStatic, Statement, SqlValue } from 'sql.js';
import type { ContentKind } from '../engine/types';
import { HASH_PATTERN } from '../engine/hash';
import { loadSqlJs } from './sqljs';
import { CONNECTION_SQL, SCHEMA_SQL, SCHEMA_VERSION } from './schema';
import { sameStamp, stampOf, withFileLock, writeFileAtomic, type FileStamp } from './atomic-file';
import type { ListRequestsOptions, Store, StoredOriginal, StoreOptions, StoreSummary } from './types';

export const DEFAULT_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
export const DEFAULT_SAVE_DELAY_MS = 1000;
export const DEFAULT_MAX_REQUESTS = 50_000;
/** Saves caused only by last-access updates wait at least this long: they are cheap to lose. */
const TOUCH_SAVE_DELAY_MS = 30_000;
/** Saves caused only by request-log rows wait at least this long: a busy proxy appends every second. */
const REQUEST_LOG_SAVE_DELAY_MS = 10_000;
/** The batching delay is at least this many times the last export's duration. */
const EXPORT_DUTY_FACTOR = 50;
/** A due save waits until the store has not been used for this long (the proxy is between requests)... */
const SAVE_IDLE_MS = 100;
/** ...but not longer than this. */
const SAVE_IDLE_MAX_WAIT_MS = 3000;
/** Staged writes are applied in slices of about this many milliseconds, yielding in between... */
const APPLY_SLICE_MS = 2;
/** ...each once the store has not been used for this long (the proxy answered its request)... */
const APPLY_QUIET_MS = 5;
/** ...or once the oldest staged write has waited this long. */
const APPLY_MAX_WAIT_MS = 1000;
/** Past this many staged bytes, a put applies everything at once (bounds staged memory). */
const STAGED_MAX_BYTES = 16 * 1024 * 1024;
/** Touches of an original closer together than this (or a hundredth of the TTL) are skipped... */
const TOUCH_RESOLUTION_MAX_MS = 60_000;
/** ...as remembered for at most this many originals. */
const RECENT_TOUCHES_MAX = 100_000;
/** Bodies from this size are stored gzip-compressed when that saves at least an eighth. */
const GZIP_MIN_BYTES = 512;

/** What waits to be saved: nothing, only last-access touches, request-log rows (and touches), data. */
const enum Dirty {
  None = 0,
  Touches = 1,
  RequestLog = 2,
  Data = 3,
}

/** The file was written by a newer Headroom: never moved aside or overwritten, only refused. */
export class NewerStoreError extends Error {}

export async function openStore(options: StoreOptions): Promise<SqlStore> {
  const SQL = await loadSqlJs();
  return new SqlStore(SQL, options);
}

function decode(v: SqlValue): string {
  if (v instanceof Uint8Array) {
    const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return (isGzip(b) ? gunzipSync(b) : b).toString('utf8');
  }
  return v === null ? '' : String(v);
}

/** 1f 8b: a stray continuation byte after an ASCII control, never the start of valid UTF-8. */
function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** The stored form of a body: gzip when that is clearly smaller, else the UTF-8 bytes. */
function encodeBody(utf8: Buffer): Buffer {
  if (utf8.length < GZIP_MIN_BYTES) return utf8;
  const gz = gzipSync(utf8, { level: 1, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
  return gz.length <= utf8.length - (utf8.length >> 3) ? gz : utf8;
}

interface StagedOriginal {
  /**
   * The UTF-8 bytes, taken at put time: outside V8's heap, so the originals of a large request do
   * not survive young-generation collections as strings (each one copying them) while they wait.
   */
  utf8: Buffer;
  kind: ContentKind;
  at: number;
}

function timestampForFileName(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

export class SqlStore implements Store {
  readonly path: string | null;
  private ttlMs: number;
  private maxBytes: number;
  private readonly saveDelayMs: number;
  private readonly maxRequests: number;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private db: Database;
  private readonly statements = new Map<string, Statement>();
  /** Bytes of originals plus memo values, kept in step with the tables. */
  private totalBytes = 0;
  private requestCount = 0;
  /**
   * The memo is read on the proxy's request path for every tool result, so it is mirrored in a Map;
   * last-access updates go to the table in batches (before a save, an eviction or a merge).
   */
  private readonly memo = new Map<string, { value: string; size: number; lastAccess: number }>();
  private readonly touchedMemo = new Set<string>();
  /** The saved last access of entries read since the last save (`o<hash>`, `m<key>`). */
  private readonly savedAccess = new Map<string, number>();
  /** Originals put but not yet in the table, in put order. */
  private readonly staged = new Map<string, StagedOriginal>();
  private stagedBytes = 0;
  /** Originals marked as used (touch) whose new last access is not yet in the table. */
  private readonly touchedOriginals = new Map<string, number>();
  /** When each original was last marked as used (touches closer together than a resolution are skipped). */
  private readonly recentTouches = new Map<string, number>();
  /** Memo keys whose value in `memo` is not yet in the table. */
  private readonly stagedMemo = new Set<string>();
  private applyScheduled = false;
  /** performance.now() of the last read or write by a caller, to save while idle. */
  private lastUseAt = 0;
  private dirty = Dirty.None;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private saving: Promise<void> = Promise.resolve();
  /** The version of the file this store last read or wrote. */
  private stamp: FileStamp | null = null;
  /** Set by clear(): the next save replaces the file without merging it back in. */
  private skipMerge = false;
  private closed = false;
  private dbClosed = false;
  private lastSaveError = '';
  /** How long the last export of the database image blocked the event loop. */
  private lastExportMs = 0;

  constructor(private readonly SQL: SqlJsStatic, options: StoreOptions) {
    this.path = options.path;
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.saveDelayMs = options.saveDelayMs ?? DEFAULT_SAVE_DELAY_MS;
    this.maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS;
    this.now = options.now ?? Date.now;
    this.warn = options.onWarning ?? (() => {});
    this.db = this.load();
    this.recount();
    this.loadMemo();
    if (this.evictExpired() + this.enforceCap() > 0) this.markDirty(Dirty.Data);
  }

  // ---- loading ----------------------------------------------------------------------------------

  private load(): Database {
    if (this.path === null) return this.fresh();
    let bytes: Buffer;
    const stamp = stampOf(this.path);
    try {
      bytes = readFileSync(this.path);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // No file yet (or a parent that is not a folder, which the first save will report).
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return this.fresh();
      // A directory is a wrong path, not a damaged store: never move the user's folder aside.
      if (err.code === 'EISDIR') throw new Error(`Headroom store path ${this.path} is a directory; give a file path`);
      this.moveAside(`cannot be read (${err.code ?? err.message})`);
      return this.fresh();
    }
    if (bytes.length === 0) {
      this.stamp = stamp;
      return this.fresh();
    }
    try {
      const db = this.openBytes(bytes);
      this.stamp = stamp;
      return db;
    } catch (e) {
      if (e instanceof NewerStoreError) throw e;
      this.moveAside(`is not a valid Headroom store (${(e as Error).message})`);
      return this.fresh();
    }
  }

  private fresh(): Database {
    const db = new this.SQL.Database();
    this.prepareSchema(db);
    return db;
  }

  /** Opens a database image and checks it is one of ours (throws otherwise). */
  private openBytes(bytes: Uint8Array): Database {
    const db = new this.SQL.Database(bytes);
    try {
      const version = Number(db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
      if (version > SCHEMA_VERSION) {
        throw new NewerStoreError(`Headroom store ${this.path} has schema version ${version}, newer than this Headroom's ${SCHEMA_VERSION}; it was left as is (update Headroom, or use another store)`);
      }
      const check = db.exec('PRAGMA quick_check');
      const verdict = check[0]?.values[0]?.[0];
      if (verdict !== 'ok') throw new Error(`integrity check: ${String(verdict)}`);
      this.prepareSchema(db);
      return db;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  private prepareSchema(db: Database): void {
    db.exec(CONNECTION_SQL);
    db.exec(SCHEMA_SQL);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  }

  /** Renames an unusable store file to `<file>.corrupt-<timestamp>` and says so. */
  private moveAside(problem: string): void {
    const path = this.path!;
    const aside = `${path}.corrupt-${timestampForFileName(this.now())}`;
    try {
      renameSync(path, aside);
      this.warn(`Headroom store ${path} ${problem}; it was moved to ${aside} and a fresh store was started.`);
      this.stamp = null;
    } catch (e) {
      this.warn(
        `Headroom store ${path} ${problem} and could not be moved aside (${(e as Error).message}); ` +
          `using a fresh store (its contents will replace the file on the next save).`,
      );
      this.stamp = stampOf(path);
      this.skipMerge = true;
    }
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private one(sql: string, params: SqlValue[] = []): SqlValue[] | undefined {
    const s = this.stmt(sql);
    try {
      s.bind(params);
      return s.step() ? s.get() : undefined;
    } finally {
      s.reset();
    }
  }

  private run(sql: string, params: SqlValue[] = []): void {
    const s = this.stmt(sql);
    try {
      s.run(params);
    } finally {
      s.reset();
    }
  }

  private loadMemo(): void {
    this.memo.clear();
    this.touchedMemo.clear();
    const s = this.stmt('SELECT key, value, size, last_access FROM memo');
    try {
      while (s.step()) {
        const [key, value, size, lastAccess] = s.get();
        this.memo.set(String(key), { value: decode(value), size: Number(size), lastAccess: Number(lastAccess) });
      }
    } finally {
      s.reset();
    }
  }

  /** Writes batched memo last-access times to the table. */
  private flushMemoTouches(): void {
    for (const key of this.touchedMemo) {
      const m = this.memo.get(key);
      if (m) this.run('UPDATE memo SET last_access = ? WHERE key = ?', [m.lastAccess, key]);
    }
    this.touchedMemo.clear();
  }

  private recount(): void {
    const o = Number(this.one('SELECT coalesce(sum(size), 0) FROM originals')![0]);
    const m = Number(this.one('SELECT coalesce(sum(size), 0) FROM memo')![0]);
    this.totalBytes = o + m;
    this.requestCount = Number(this.one('SELECT count(*) FROM requests')![0]);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Headroom store is closed');
  }

  // ---- originals --------------------------------------------------------------------------------

  /** Stages the original; it reaches the table shortly, and before anything reads the table. */
  put(hash: string, text: string, kind: ContentKind, utf8?: Buffer): void {
    this.assertOpen();
    if (!HASH_PATTERN.test(hash)) throw new Error(`not a CCR hash: ${JSON.stringify(hash)}`);
    const now = this.now();
    this.lastUseAt = performance.now();
    const old = this.staged.get(hash);
    if (old) {
      // Re-put: it becomes the newest again.
      this.staged.delete(hash);
      old.at = now;
      this.staged.set(hash, old);
      return;
    }
    const bytes = utf8 ?? Buffer.from(text, 'utf8');
    this.staged.set(hash, { utf8: bytes, kind, at: now });
    this.stagedBytes += bytes.length;
    if (this.stagedBytes > STAGED_MAX_BYTES) this.applyStaged();
    else this.scheduleApply();
  }

  touch(hashes: readonly string[]): void {
    this.assertOpen();
    if (hashes.length === 0) return;
    const now = this.now();
    // A conversation touches the same originals every turn: a touch within a hundredth of the TTL
    // (at most a minute) of the last one for the hash changes nothing worth a table write.
    const resolution = Math.min(this.ttlMs / 100, TOUCH_RESOLUTION_MAX_MS);
    if (this.recentTouches.size > RECENT_TOUCHES_MAX) this.recentTouches.clear();
    let added = false;
    for (const h of hashes) {
      const last = this.recentTouches.get(h);
      if (last !== undefined && now - last < resolution) continue;
      if (!HASH_PATTERN.test(h)) continue;
      this.recentTouches.set(h, now);
      this.touchedOriginals.set(h, now);
      added = true;
    }
    if (added) this.scheduleApply();
  }

  /**
   * Writes touched originals' last access to the table (before anything reads or evicts by it),
   * for at most until `until`. Returns whether none is left.
   */
  private applyTouches(until = Infinity): boolean {
    for (const [hash, at] of this.touchedOriginals) {
      this.touchedOriginals.delete(hash);
      const row = this.one('SELECT last_access FROM originals WHERE hash = ?', [hash]);
      if (row && Number(row[0]) < at) {
        this.run('UPDATE originals SET last_access = ? WHERE hash = ?', [at, hash]);
        this.touched(`o${hash}`, Number(row[0]), at);
      }
      if (performance.now() > until) return this.touchedOriginals.size === 0;
    }
    return true;
  }

  private insertOriginal(hash: string, o: StagedOriginal): void {
    const existing = this.one('SELECT last_access FROM originals WHERE hash = ?', [hash]);
    if (existing) {
      this.run('UPDATE originals SET last_access = ? WHERE hash = ?', [o.at, hash]);
      this.touched(`o${hash}`, Number(existing[0]), o.at);
      return;
    }
    this.run('INSERT INTO originals (hash, body, kind, size, created_at, last_access) VALUES (?, ?, ?, ?, ?, ?)', [
      hash, encodeBody(o.utf8), o.kind, o.utf8.length, o.at, o.at,
    ]);
    this.totalBytes += o.utf8.length;
    this.enforceCap(hash);
    this.markDirty(Dirty.Data);
  }

  private insertMemo(key: string): void {
    const m = this.memo.get(key);
    if (!m) return;
    const body = Buffer.from(m.value, 'utf8');
    const old = this.one('SELECT size FROM memo WHERE key = ?', [key]);
    if (old) {
      this.run('UPDATE memo SET value = ?, size = ?, last_access = ? WHERE key = ?', [body, body.length, m.lastAccess, key]);
      this.totalBytes += body.length - Number(old[0]);
    } else {
      this.run('INSERT INTO memo (key, value, size, created_at, last_access) VALUES (?, ?, ?, ?, ?)', [
        key, body, body.length, m.lastAccess, m.lastAccess,
      ]);
      this.totalBytes += body.length;
    }
    this.enforceCap(undefined, key);
    this.markDirty(Dirty.Data);
  }

  private scheduleApply(since = performance.now()): void {
    if (this.applyScheduled) return;
    this.applyScheduled = true;
    const quietFor = performance.now() - this.lastUseAt;
    setTimeout(() => {
      this.applyScheduled = false;
      if (this.dbClosed) return;
      const now = performance.now();
      if (now - this.lastUseAt < APPLY_QUIET_MS && now - since < APPLY_MAX_WAIT_MS) return this.scheduleApply(since);
      let done = true;
      try {
        done = this.applyStaged(APPLY_SLICE_MS);
      } catch (e) {
        // Off the caller's path nobody can catch this: report it; the entry being written is lost.
        this.warn(`Headroom store could not write a staged entry: ${(e as Error).message}`);
        done = this.staged.size === 0 && this.stagedMemo.size === 0;
      }
      // What is left is as old as before: an overdue backlog keeps draining slice by slice.
      if (!done) this.scheduleApply(since);
    }, Math.max(1, APPLY_QUIET_MS - quietFor));
  }

  /**
   * Writes staged originals and memo values to the tables, in put order, for at most `sliceMs`
   * (then the rest waits for the next slice). Returns whether nothing is left staged.
   */
  private applyStaged(sliceMs = Infinity): boolean {
    const until = performance.now() + sliceMs;
    if (this.staged.size === 0 && this.stagedMemo.size === 0) return this.applyTouches(until);
    for (const key of this.stagedMemo) {
      this.stagedMemo.delete(key);
      this.insertMemo(key);
      if (performance.now() > until) return false;
    }
    for (const [hash, o] of this.staged) {
      this.staged.delete(hash);
      this.stagedBytes -= o.utf8.length;
      this.insertOriginal(hash, o);
      if (performance.now() > until) return this.staged.size === 0 && this.touchedOriginals.size === 0;
    }
    return this.applyTouches(until);
  }

  get(hash: string): StoredOriginal | undefined {
    this.assertOpen();
    this.applyStaged();
    const row = this.lookup(
      () => this.one('SELECT body, kind, size, created_at, last_access FROM originals WHERE hash = ?', [hash]),
      (lastAccess) => this.isExpired(lastAccess),
    );
    if (!row) return undefined;
    const now = this.now();
    this.run('UPDATE originals SET last_access = ? WHERE hash = ?', [now, hash]);
    this.touched(`o${hash}`, Number(row[4]), now);
    return {
      hash,
      text: decode(row[0]),
      kind: String(row[1]) as ContentKind,
      size: Number(row[2]),
      createdAt: Number(row[3]),
      lastAccess: now,
    };
  }

  has(hash: string): boolean {
    this.assertOpen();
    this.applyStaged();
    return !!this.lookup(
      () => this.one('SELECT size, last_access FROM originals WHERE hash = ?', [hash]),
      (lastAccess) => this.isExpired(lastAccess),
    );
  }

  /**
   * Finds a row (its last column is last_access); on a miss, re-reads the file if another process
   * replaced it. An expired row is deleted and reported as missing.
   */
  private lookup(find: () => SqlValue[] | undefined, expired: (lastAccess: number) => boolean): SqlValue[] | undefined {
    let row = find();
    if (!row && this.refreshFromDisk()) row = find();
    if (row && expired(Number(row[row.length - 1]))) {
      if (this.evictExpired() > 0) this.markDirty(Dirty.Data);
      return undefined;
    }
    return row;
  }

  /**
   * A new last access is saved on its own only when it moves the saved one by more than a seventh
   * of the TTL (a day by default); a smaller move waits for the next other change. Otherwise every
   * `headroom retrieve` would rewrite the whole file (seconds for a large store) for a time stamp.
   * An entry read since then may expire up to that much earlier than a TTL after its last read.
   */
  private touched(key: string, previous: number, now: number): void {
    const saved = this.savedAccess.get(key) ?? previous;
    this.savedAccess.set(key, saved);
    if (now - saved > this.ttlMs / 7) this.markDirty(Dirty.Touches);
  }

  private isExpired(lastAccess: number): boolean {
    return this.now() - lastAccess > this.ttlMs;
  }

  // ---- memo -------------------------------------------------------------------------------------

  getMemo(key: string): string | undefined {
    this.assertOpen();
    this.lastUseAt = performance.now();
    const m = this.memo.get(key);
    if (!m) return undefined;
    if (this.isExpired(m.lastAccess)) {
      if (this.evictExpired() > 0) this.markDirty(Dirty.Data);
      return undefined;
    }
    const previous = m.lastAccess;
    m.lastAccess = this.now();
    this.touchedMemo.add(key);
    this.touched(`m${key}`, previous, m.lastAccess);
    return m.value;
  }

  /** Visible to getMemo at once; the table row is written with the staged originals. */
  putMemo(key: string, value: string): void {
    this.assertOpen();
    this.lastUseAt = performance.now();
    this.memo.set(key, { value, size: Buffer.byteLength(value, 'utf8'), lastAccess: this.now() });
    this.touchedMemo.delete(key);
    this.stagedMemo.delete(key);
    this.stagedMemo.add(key);
    this.scheduleApply();
  }

  // ---- request log ------------------------------------------------------------------------------

  appendRequest(record: object): void {
    const r = record as { at?: unknown; ts?: unknown };
    const at = typeof r.at === 'number' && Number.isFinite(r.at) ? r.at : typeof r.ts === 'number' && Number.isFinite(r.ts) ? r.ts : this.now();
    this.appendRequestsJson([{ at, json: JSON.stringify(record) }]);
  }

  appendRequestsJson(rows: ReadonlyArray<{ at: number; json: string }>): void {
    this.assertOpen();
    if (rows.length === 0) return;
    this.lastUseAt = performance.now();
    // One transaction: the rows' pages are written to the in-memory file once, not row by row. The
    // JSON goes in as UTF-8 bytes: sql.js copies a bound string into its heap a character at a time
    // in JavaScript (~4x slower than a byte array for a 5 KB record), and a proxy appends every second.
    this.db.exec('BEGIN');
    try {
      for (const r of rows) {
        this.run('INSERT INTO requests (uid, at, json) VALUES (?, ?, ?)', [randomUUID(), Math.round(r.at), Buffer.from(r.json, 'utf8')]);
        this.requestCount++;
      }
    } finally {
      this.db.exec('COMMIT');
    }
    this.trimRequests();
    this.markDirty(Dirty.RequestLog);
  }

  listRequests(options: ListRequestsOptions = {}): object[] {
    const out: object[] = [];
    this.forEachRequest(options, (r) => out.push(r));
    return out;
  }

  forEachRequest(options: ListRequestsOptions, fn: (record: object) => void): number {
    this.assertOpen();
    const since = options.sinceMs ?? -Number.MAX_SAFE_INTEGER;
    const limit = options.limit ?? -1;
    // Its own statement: `fn` runs while this one is stepped.
    const s = this.db.prepare('SELECT json FROM requests WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?');
    let n = 0;
    try {
      s.bind([since, limit]);
      while (s.step()) {
        let record: object;
        try {
          record = JSON.parse(decode(s.get()[0]));
        } catch {
          // A row that is not JSON cannot come from appendRequest; skip it rather than fail the listing.
          continue;
        }
        n++;
        fn(record);
      }
    } finally {
      s.free();
    }
    return n;
  }

  private trimRequests(): void {
    if (this.requestCount <= this.maxRequests) return;
    const excess = this.requestCount - this.maxRequests;
    this.run('DELETE FROM requests WHERE id IN (SELECT id FROM requests ORDER BY at, id LIMIT ?)', [excess]);
    this.requestCount -= excess;
  }

  // ---- eviction ---------------------------------------------------------------------------------

  /** New limits (settings changed): entries now past them go at once. */
  setLimits(limits: { ttlMs?: number; maxBytes?: number }): void {
    this.assertOpen();
    if (limits.ttlMs !== undefined) this.ttlMs = limits.ttlMs;
    if (limits.maxBytes !== undefined) this.maxBytes = limits.maxBytes;
    this.applyStaged();
    if (this.evictExpired() + this.enforceCap() > 0) this.markDirty(Dirty.Data);
  }

  /** Deletes entries not accessed within the TTL; returns how many went. */
  private evictExpired(): number {
    this.applyTouches();
    const cutoff = this.now() - this.ttlMs;
    this.run('DELETE FROM originals WHERE last_access < ?', [cutoff]);
    let n = this.db.getRowsModified();
    for (const [key, m] of this.memo) {
      if (m.lastAccess >= cutoff) continue;
      this.run('DELETE FROM memo WHERE key = ?', [key]);
      this.memo.delete(key);
      this.touchedMemo.delete(key);
      this.stagedMemo.delete(key);
      n++;
    }
    if (n > 0) this.recount();
    return n;
  }

  /**
   * Evicts the least recently used originals and memo entries until the total fits the cap.
   * The entry just written is spared, so a single oversized original stays retrievable until the next write.
   */
  private enforceCap(keepHash?: string, keepKey?: string): number {
    let n = 0;
    if (this.totalBytes > this.maxBytes) {
      this.flushMemoTouches();
      this.applyTouches();
    }
    while (this.totalBytes > this.maxBytes) {
      const o = this.one('SELECT hash, size, last_access FROM originals WHERE hash != ? ORDER BY last_access, rowid LIMIT 1', [keepHash ?? '']);
      const m = this.one('SELECT key, size, last_access FROM memo WHERE key != ? ORDER BY last_access, rowid LIMIT 1', [keepKey ?? '']);
      if (!o && !m) break;
      if (o && (!m || Number(o[2]) <= Number(m[2]))) {
        this.run('DELETE FROM originals WHERE hash = ?', [o[0]]);
        this.totalBytes -= Number(o[1]);
      } else {
        this.run('DELETE FROM memo WHERE key = ?', [m![0]]);
        // A newer value still staged for the key survives the eviction of its old row.
        if (!this.stagedMemo.has(String(m![0]))) this.memo.delete(String(m![0]));
        this.totalBytes -= Number(m![1]);
      }
      n++;
    }
    return n;
  }

  // ---- summary and clearing ---------------------------------------------------------------------

  summary(): StoreSummary {
    this.assertOpen();
    this.applyStaged();
    const totals = this.one('SELECT count(*), coalesce(sum(size), 0), min(created_at), max(created_at) FROM originals')!;
    const byKind: StoreSummary['byKind'] = {};
    const s = this.stmt('SELECT kind, count(*), sum(size) FROM originals GROUP BY kind ORDER BY kind');
    try {
      while (s.step()) {
        const [kind, entries, bytes] = s.get();
        byKind[String(kind)] = { entries: Number(entries), bytes: Number(bytes) };
      }
    } finally {
      s.reset();
    }
    return {
      path: this.path,
      entries: Number(totals[0]),
      bytes: Number(totals[1]),
      oldest: totals[2] === null ? null : Number(totals[2]),
      newest: totals[3] === null ? null : Number(totals[3]),
      byKind,
      memoEntries: this.memo.size,
      requests: this.requestCount,
    };
  }

  clear(): void {
    this.assertOpen();
    this.db.exec('DELETE FROM originals; DELETE FROM memo; DELETE FROM requests;');
    this.staged.clear();
    this.stagedBytes = 0;
    this.touchedOriginals.clear();
    this.recentTouches.clear();
    this.stagedMemo.clear();
    this.memo.clear();
    this.touchedMemo.clear();
    this.totalBytes = 0;
    this.requestCount = 0;
    this.skipMerge = true;
    this.markDirty(Dirty.Data);
  }

  // ---- merging another process's file -----------------------------------------------------------

  /** If the file was replaced since we last read or wrote it, merges its rows in. Returns whether it did. */
  private refreshFromDisk(forSave = false): boolean {
    if (this.path === null || this.skipMerge) return false;
    const before = stampOf(this.path);
    if (before === null || sameStamp(before, this.stamp)) return false;
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch {
      return false;
    }
    if (bytes.length > 0) {
      try {
        this.mergeFrom(bytes);
      } catch (e) {
        // Saving would overwrite the newer store with this older schema.
        if (forSave && e instanceof NewerStoreError) throw e;
        this.warn(`Headroom store ${this.path} was replaced by an unreadable file (${(e as Error).message}); keeping this process's contents.`);
      }
    }
    const after = stampOf(this.path);
    if (sameStamp(before, after)) this.stamp = after;
    return true;
  }

  /** Copies rows this store lacks from another image of the database; keeps the later last-access. */
  private mergeFrom(bytes: Uint8Array): void {
    const other = this.openBytes(bytes);
    this.applyStaged();
    this.flushMemoTouches();
    // Rows are merged one by one; a failure part-way leaves only complete rows behind (no journal to roll back).
    this.db.exec('BEGIN');
    try {
      this.mergeTable(other, 'originals', 'hash', 'body', ['kind', 'size', 'created_at']);
      this.mergeTable(other, 'memo', 'key', 'value', ['size', 'created_at']);
      const rows = other.prepare('SELECT uid, at, json FROM requests ORDER BY at, id');
      try {
        while (rows.step()) this.run('INSERT OR IGNORE INTO requests (uid, at, json) VALUES (?, ?, ?)', rows.get());
      } finally {
        rows.free();
      }
    } finally {
      this.db.exec('COMMIT');
      other.close();
      this.recount();
      this.loadMemo();
    }
    this.trimRequests();
    this.evictExpired();
    this.enforceCap();
  }

  private mergeTable(other: Database, table: string, key: string, body: string, cols: string[]): void {
    const list = other.prepare(`SELECT ${key}, last_access FROM ${table}`);
    const fetch = other.prepare(`SELECT ${body}, ${cols.join(', ')} FROM ${table} WHERE ${key} = ?`);
    try {
      while (list.step()) {
        const [k, lastAccess] = list.get();
        const mine = this.one(`SELECT last_access FROM ${table} WHERE ${key} = ?`, [k]);
        if (mine) {
          if (Number(lastAccess) > Number(mine[0])) this.run(`UPDATE ${table} SET last_access = ? WHERE ${key} = ?`, [lastAccess, k]);
          continue;
        }
        fetch.bind([k]);
        if (fetch.step()) {
          const row = fetch.get();
          const names = [key, body, ...cols, 'last_access'];
          this.run(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, [k, ...row, lastAccess]);
        }
        fetch.reset();
      }
    } finally {
      list.free();
      fetch.free();
    }
  }

  // ---- saving -----------------------------------------------------------------------------------

  private markDirty(level: Dirty): void {
    if (level > this.dirty) this.dirty = level;
    if (this.path === null || this.closed) return;
    // Exporting the image is synchronous: for a large store, save less often so that exports take at
    // most ~2% of the time of a process (the proxy) that keeps writing.
    const dataDelay = Math.max(this.saveDelayMs, Math.round(this.lastExportMs * EXPORT_DUTY_FACTOR));
    const floor = level === Dirty.Touches ? TOUCH_SAVE_DELAY_MS : level === Dirty.RequestLog ? REQUEST_LOG_SAVE_DELAY_MS : 0;
    const delay = Math.max(dataDelay, floor);
    const due = this.now() + delay;
    if (this.timer && this.timerDue <= due) {
      if (level === Dirty.Data) this.timer.ref();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => this.saveWhenIdle(performance.now()), delay);
    // A pending save of touches or log rows should not keep a finished process alive; a data save should.
    if (level < Dirty.Data) this.timer.unref();
  }

  /**
   * A due save: the export blocks the event loop, so it waits for a pause in the store's use (the
   * proxy between requests), for at most SAVE_IDLE_MAX_WAIT_MS.
   */
  private saveWhenIdle(dueAt: number): void {
    const now = performance.now();
    const quietFor = now - this.lastUseAt;
    if (!this.closed && quietFor < SAVE_IDLE_MS && now - dueAt < SAVE_IDLE_MAX_WAIT_MS) {
      this.timer = setTimeout(() => this.saveWhenIdle(dueAt), Math.max(1, SAVE_IDLE_MS - quietFor));
      if (this.dirty < Dirty.Data) this.timer.unref();
      return;
    }
    this.timer = undefined;
    this.timerDue = Infinity;
    this.flush().catch(() => {});
  }

  /** Saves pending changes now. Errors are reported through onWarning and retried on the next change or flush. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerDue = Infinity;
    }
    const next = this.saving.catch(() => {}).then(() => this.save());
    this.saving = next;
    return next;
  }

  private async save(): Promise<void> {
    if (!this.dbClosed) this.applyStaged();
    if (this.path === null || this.dirty === Dirty.None || this.dbClosed) return;
    const path = this.path;
    try {
      await withFileLock(path, async () => {
        if (!this.skipMerge) this.refreshFromDisk(true);
        this.skipMerge = false;
        this.evictExpired();
        this.flushMemoTouches();
        const exportStart = performance.now();
        const image = this.db.export();
        this.lastExportMs = performance.now() - exportStart;
        this.dirty = Dirty.None;
        this.savedAccess.clear();
        try {
          await writeFileAtomic(path, image);
        } catch (e) {
          this.dirty = Dirty.Data;
          throw e;
        }
        this.stamp = stampOf(path);
      });
      this.lastSaveError = '';
    } catch (e) {
      const message = `Headroom could not save its store to ${path}: ${(e as Error).message}`;
      // The same failure again is not news; its message may differ only by the temp file's name.
      const failure = (e as NodeJS.ErrnoException).code ?? message;
      if (failure !== this.lastSaveError) this.warn(message);
      this.lastSaveError = failure;
      if (!this.closed) this.markDirty(Dirty.Data);
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } catch {
      // Already reported through onWarning; closing must still release the database.
    } finally {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      for (const s of this.statements.values()) s.free();
      this.statements.clear();
      this.db.close();
      this.dbClosed = true;
    }
  }
}
