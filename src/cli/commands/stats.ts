import { parseArgs } from 'node:util';
import { statSync } from 'node:fs';
import { openCliStore } from '../open';
import { EXIT_OK, type CliIO } from '../io';
import { formatSummary } from '../format-summary';

/** `headroom stats [--json]`: what the store holds. */
export async function statsCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, options: { store: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: false });
  const store = await openCliStore(values.store, io);
  try {
    const summary = store.summary();
    let fileBytes: number | null = null;
    try {
      if (summary.path) fileBytes = statSync(summary.path).size;
    } catch {
      fileBytes = null;
    }
    if (values.json) await io.writeStdout(JSON.stringify({ ...summary, fileBytes }) + '\n');
    else await io.writeStdout(formatSummary(summary, fileBytes, Date.now()));
    return EXIT_OK;
  } finally {
    await store.close();
  }
}
