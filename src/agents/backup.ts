import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic as writeBytesAtomic } from '../store/atomic-file';

/** Copies a file into the backup folder before we edit it; returns the backup's path (null if the file did not exist). */
export async function backupFile(file: string, backupDir: string, now = Date.now()): Promise<string | null> {
  await mkdir(backupDir, { recursive: true });
  const target = join(backupDir, `${basename(file)}.${now}.bak`);
  try {
    await copyFile(file, target);
    return target;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Writes through a temp file and a rename, so a crash never leaves a half-written config. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await writeBytesAtomic(file, Buffer.from(text, 'utf8'));
}

/** Reads a file, or '' when it does not exist. */
export async function readTextOrEmpty(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}
