import { isUtf8 } from 'node:buffer';
import { parseArgs } from 'node:util';
import { compress } from '../../engine/compress';
import { CONTENT_KINDS, type ContentKind } from '../../engine/types';
import { openCliStore } from '../open';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIO } from '../io';

/**
 * A one-shot command has no request waiting on it and starts with a cold JIT, so it gets a far
 * larger time budget than the proxy's request path: 5 s plus 1 s per 10 MB.
 */
export function cliBudgetMs(bytes: number): number {
  return 5000 + bytes / 10_000;
}

/** `headroom compress`: stdin → compressed stdout, report as one JSON line on stderr. */
export async function compressCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      query: { type: 'string' },
      kind: { type: 'string' },
      'file-name': { type: 'string' },
      model: { type: 'string' },
      'no-tokens': { type: 'boolean' },
      'budget-ms': { type: 'string' },
      store: { type: 'string' },
    },
    allowPositionals: false,
  });
  const kind = values.kind;
  if (kind !== undefined && !(CONTENT_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`unknown --kind ${JSON.stringify(kind)}; one of: ${CONTENT_KINDS.join(', ')}`);
  }
  const budgetText = values['budget-ms'];
  if (budgetText !== undefined && !/^\d+$/.test(budgetText)) throw new UsageError(`--budget-ms must be a whole number of milliseconds`);
  const input = await io.readStdin();
  // Decoding would replace the invalid bytes (U+FFFD), so nothing stored could give them back.
  if (!isUtf8(input)) {
    await io.writeStdout(input);
    const n = input.length;
    io.writeStderr(JSON.stringify({ kind: kind ?? 'prose', strategy: 'none', bytesIn: n, bytesOut: n, ms: 0, hashes: [], unchanged: 'not-utf8' }) + '\n');
    return EXIT_OK;
  }
  const store = await openCliStore(values.store, io);
  try {
    const text = input.toString('utf8');
    const { text: out, report } = compress(text, {
      store,
      query: values.query,
      kind: kind as ContentKind | undefined,
      fileName: values['file-name'],
      model: values.model,
      countTokens: !values['no-tokens'],
      budgetMs: budgetText !== undefined ? Number(budgetText) : cliBudgetMs(input.length),
    });
    // Markers must name originals that are on disk: save first, and if that fails, pass the input through.
    try {
      await store.flush();
    } catch (e) {
      await io.writeStdout(input);
      io.writeStderr(JSON.stringify({ ...report, bytesOut: report.bytesIn, tokensOut: report.tokensIn, hashes: [], unchanged: 'error', error: `store not saved: ${(e as Error).message}` }) + '\n');
      return EXIT_FAILURE;
    }
    await io.writeStdout(out === text ? input : out);
    io.writeStderr(JSON.stringify(report) + '\n');
    return EXIT_OK;
  } catch (e) {
    io.writeStderr(`headroom: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  } finally {
    await store.close();
  }
}
