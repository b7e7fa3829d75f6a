import type { StoreSummary } from '../store/types';
import { PERSISTED_DAYS } from '../proxy/persist';
import type { Bucket, StatsSnapshot } from '../proxy/stats';
import { formatDollars, formatPercent, formatTokens } from '../extension/format';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

function when(ms: number | null, now: number): string {
  return ms === null ? '—' : `${new Date(ms).toISOString()} (${formatAge(now - ms)})`;
}

/** The human-readable `headroom stats` text. */
export function formatSummary(s: StoreSummary, fileBytes: number | null, now: number): string {
  const lines = [
    `Store:     ${s.path ?? '(in memory)'}${fileBytes === null ? ' (no file yet)' : ` (${formatBytes(fileBytes)} on disk)`}`,
    `Originals: ${s.entries} ${s.entries === 1 ? 'entry' : 'entries'}, ${formatBytes(s.bytes)}`,
  ];
  const kinds = Object.entries(s.byKind).sort((a, b) => b[1].bytes - a[1].bytes || a[0].localeCompare(b[0]));
  const width = Math.max(0, ...kinds.map(([k]) => k.length));
  for (const [kind, v] of kinds) {
    lines.push(`  ${kind.padEnd(width)}  ${String(v.entries).padStart(6)}  ${formatBytes(v.bytes).padStart(9)}`);
  }
  lines.push(`Oldest:    ${when(s.oldest, now)}`);
  lines.push(`Newest:    ${when(s.newest, now)}`);
  lines.push(`Memo:      ${s.memoEntries} ${s.memoEntries === 1 ? 'entry' : 'entries'}`);
  lines.push(`Requests:  ${s.requests} logged`);
  return lines.join('\n') + '\n';
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** "20.7k → 1.2k input tokens (94% saved), $0.06 saved" */
function tokensLine(b: Bucket): string {
  return `${formatTokens(b.tokensBefore)} → ${formatTokens(b.tokensAfter)} input tokens (${formatPercent(b.tokensSaved, b.tokensBefore)} saved), ${formatDollars(b.dollarsSaved)} saved`;
}

/** "2 requests, 1 compressed; 20.7k → 1.2k input tokens (94% saved), $0.06 saved" */
export function requestsLine(b: Bucket): string {
  return `${plural(b.requests, 'request')}, ${b.compressedRequests} compressed; ${tokensLine(b)}`;
}

/** Turns that read back less of the prompt cache than their previous turn left there. */
export function cacheBustsLine(b: Pick<Bucket, 'cacheBusts' | 'cacheBustTokens'>): string {
  if (!b.cacheBusts) return 'no turn read back less than the turn before it had cached';
  return `${plural(b.cacheBusts, 'turn')} read back less than the turn before had cached (${formatTokens(b.cacheBustTokens)} cached tokens not read)`;
}

/** What the proxy saved, from its request log ('' when it logged nothing). */
export function formatSavings(s: StatsSnapshot): string {
  const t = s.totals;
  if (t.requests === 0) return '';
  const lines = [`Proxy:     last ${PERSISTED_DAYS} days: ${requestsLine(t)}`];
  const models = Object.entries(s.byModel).sort((a, b) => b[1].tokensSaved - a[1].tokensSaved || a[0].localeCompare(b[0]));
  const width = Math.max(0, ...models.map(([m]) => m.length));
  for (const [model, b] of models) lines.push(`  ${model.padEnd(width)}  ${plural(b.requests, 'request').padStart(12)}  ${tokensLine(b)}`);
  const agents = Object.entries(s.byAgent).sort((a, b) => b[1].requests - a[1].requests || a[0].localeCompare(b[0]));
  lines.push(`  agents: ${agents.map(([a, b]) => `${a} ${b.requests}`).join(', ')}`);
  lines.push(`  retrievals: ${s.retrievals.count} (${s.retrievals.misses} missed)${s.bypassed ? `; ${s.bypassed} bypassed` : ''}${s.errors ? `; ${plural(s.errors, 'error')}` : ''}`);
  lines.push(`  prompt cache: ${formatTokens(t.cacheReadTokens)} tokens read, ${formatTokens(t.cacheWriteTokens)} written; ${cacheBustsLine(t)}`);
  return lines.join('\n') + '\n';
}
