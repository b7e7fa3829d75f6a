import type { StoreSummary } from '../store/types';

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
