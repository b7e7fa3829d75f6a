/** Crash-safe file replacement and a small cross-process lock file. */
import { promises as fsp, fsync, mkdirSync, statSync, openSync, closeSync, writeSync, unlinkSync, readFileSync } from 'node:fs';
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

const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 3_000;

/**
 * Holds `<path>.lock` while `fn` runs, so two processes saving the same store do not interleave
 * their read-merge-write. A lock older than 10 s (a crashed holder) is taken over; if the lock
 * cannot be had within 3 s, `fn` runs anyway (the rename keeps the file whole either way).
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  let held = false;
  await fsp.mkdir(dirname(path), { recursive: true });
  while (!held) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') break;
      if (lockIsStale(lock)) {
        try {
          unlinkSync(lock);
        } catch {}
        continue;
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  try {
    return await fn();
  } finally {
    if (held) {
      try {
        unlinkSync(lock);
      } catch {}
    }
  }
}

function lockIsStale(lock: string): boolean {
  try {
    const age = Date.now() - statSync(lock).mtimeMs;
    if (age > LOCK_STALE_MS) return true;
    const pid = Number(readFileSync(lock, 'utf8'));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ESRCH';
      }
    }
    return false;
  } catch {
    return false;
  }
}
