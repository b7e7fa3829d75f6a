import { parseArgs } from 'node:util';
import { HASH_PATTERN } from '../../engine/hash';
import { openCliStore } from '../open';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIO } from '../io';

/** Accepts the hash as printed in a marker: bare, or as `hash=<hex>`; upper case too (as the MCP tool). */
export function normalizeHash(arg: string): string | null {
  const hash = arg.trim().toLowerCase().replace(/^hash=/, '').replace(/[\]\s]+$/, '');
  return HASH_PATTERN.test(hash) ? hash : null;
}

/** `headroom retrieve HASH`: the stored original, byte for byte, on stdout. */
export async function retrieveCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { store: { type: 'string' } }, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('retrieve takes exactly one HASH');
  const hash = normalizeHash(positionals[0]);
  if (!hash) {
    throw new UsageError(`${JSON.stringify(positionals[0])} is not a Headroom hash (expected 24 hex digits, as in "hash=…")`);
  }
  const store = await openCliStore(values.store, io);
  try {
    const original = store.get(hash);
    if (!original) {
      io.writeStderr(
        `headroom: no original stored for hash ${hash} in ${store.path} — it is unknown or has expired. ` +
          `Re-run the command or re-read the file that produced it.\n`,
      );
      return EXIT_FAILURE;
    }
    await io.writeStdout(Buffer.from(original.text, 'utf8'));
    return EXIT_OK;
  } finally {
    await store.close();
  }
}
