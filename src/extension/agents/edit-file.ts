import { readTextOrEmpty, backupFile, writeFileAtomic } from '../../agents/backup';

export interface FileEditResult {
  changed: boolean;
  /** Backup taken before writing (null when nothing was written or the file did not exist). */
  backup: string | null;
  text: string;
}

/**
 * Reads a config file, applies `transform` (which throws MalformedConfigError on a file it cannot
 * parse, leaving it untouched), and when the text changes backs the file up and writes it atomically.
 */
export async function editConfigFile(file: string, backupDir: string, transform: (text: string) => string): Promise<FileEditResult> {
  const before = await readTextOrEmpty(file);
  const after = transform(before);
  if (after === before) return { changed: false, backup: null, text: before };
  const backup = await backupFile(file, backupDir);
  await writeFileAtomic(file, after);
  return { changed: true, backup, text: after };
}
