/** Crash-safe file replacement and a small cross-process lock file. */
import { promises as fsp, fsync, mkdirSync, statSync, openSync, closeSync, writeSync, unlinkSync, readFileSync, utimesSync } from 'node:fs';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes `data` to `path` so that a reader (or a crash) only ever sees the old or the new file:
 * a temp file in the same directory, fsync, rename over the target, then fsync the directory.
 * The bytes go to the temp file synchronously (into the page cache, milliseconds even for a
 * store image) and only the syncs and the rename are waited for: the caller's buffer is garbage
 * before anything waits, so a store image is freed by the next young-generation collection
 * instead of lingering until a full one.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', 0o600);
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    await fsyncAsync(fd);
    closeSync(fd);
    fd = undefined;
    await fsp.rename(tmp, path);
  } catch (e) {
    closeQuietly(fd);
    await fsp.unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dir);
}

const fsyncAsync = promisify(fsync);

async function syncDir(dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    await fsyncAsync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    closeQuietly(fd);
  }
}

function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {}
}

/** Identity of a file's current version, to tell whether another process replaced it. */
export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

export function stampOf(path: string): FileStamp | null {
  try {
    const s = statSync(path);
    return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return null;
  }
}

export function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** A lock whose holder is alive is taken over only when it was not refreshed for this long (a recycled pid). */
const LOCK_STALE_MS = 120_000;
/** The holder refreshes its lock this often; a save's synchronous export may delay that by seconds, not minutes. */
const LOCK_REFRESH_MS = 5_000;
/** Past this, a save waiting for a live holder fails instead of writing unlocked. */
export const LOCK_WAIT_MS = 5 * 60_000;
/** Locks held by this process: another store here on the same file waits; a leftover with this pid is stale. */
const heldHere = new Set<string>();

/**
 * Holds `<path>.lock` while `fn` runs, so two processes saving the same store do not interleave
 * their read-merge-write (the last rename would drop what the other merged). The lock holds
 * `<pid> <token>`. It is taken over only when its holder's process is gone, or when it was not
 * refreshed for two minutes (a crashed holder's pid now used by another process); a live holder
 * is waited for up to `waitMs`, after which the call fails without running `fn`.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  const lock = `${path}.lock`;
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + waitMs;
  await fsp.mkdir(dirname(path), { recursive: true });
  for (let pause = 10; ; pause = Math.min(pause * 2, 250)) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      try {
        writeSync(fd, token);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const seen = readLock(lock);
    if (seen !== null && lockIsStale(lock, seen)) {
      // Only the lock judged stale: a waiter that took it over a moment ago keeps its own.
      if (readLock(lock) === seen) unlinkQuietly(lock);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`${lock} is still held by process ${seen?.split(' ')[0] || '?'} after ${Math.round(waitMs / 1000)} s; not saved (remove the lock file if no Headroom process is saving)`);
    }
    await new Promise((r) => setTimeout(r, pause));
  }
  heldHere.add(lock);
  const refresh = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(lock, now, now);
    } catch {}
  }, LOCK_REFRESH_MS);
  refresh.unref();
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    heldHere.delete(lock);
    if (readLock(lock) === token) unlinkQuietly(lock);
  }
}

function readLock(lock: string): string | null {
  try {
    return readFileSync(lock, 'utf8');
  } catch {
    return null;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {}
}

function lockIsStale(lock: string, content: string): boolean {
  let age: number;
  try {
    age = Date.now() - statSync(lock).mtimeMs;
  } catch {
    return false;
  }
  const pid = Number(content.split(' ')[0]);
  // No pid yet: its holder is between creating and writing it, or crashed there.
  if (!Number.isInteger(pid) || pid <= 0) return age > LOCK_STALE_MS;
  if (pid === process.pid) return !heldHere.has(lock);
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  return age > LOCK_STALE_MS;
}
