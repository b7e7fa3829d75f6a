import { parseArgs } from 'node:util';
import { statSync } from 'node:fs';
import { openCliStore } from '../open';
import { EXIT_OK, type CliIO } from '../io';
import { formatSavings, formatSummary } from '../format-summary';
import { loadPersisted, PERSISTED_DAYS } from '../../proxy/persist';
import { StatsAggregator, type StatsSnapshot } from '../../proxy/stats';

/** `headroom stats [--json]`: what the store holds, and what the proxy saved (its request log). */
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
    const aggregator = new StatsAggregator();
    loadPersisted(store, (r) => aggregator.add(r));
    // `since` is when /stats started counting; here it would only be now.
    const savings: Partial<StatsSnapshot> = aggregator.snapshot();
    delete savings.since;
    if (values.json) await io.writeStdout(JSON.stringify({ ...summary, fileBytes, savings: { days: PERSISTED_DAYS, ...savings } }) + '\n');
    else await io.writeStdout(formatSummary(summary, fileBytes, Date.now()) + formatSavings(savings as StatsSnapshot));
    return EXIT_OK;
  } finally {
    await store.close();
  }
}
