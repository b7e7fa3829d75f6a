/** One log line per proxied request, for the Headroom log channel (pure; never includes headers or keys). */
import { formatMs, formatPercent, formatTokens } from './format';
import { toRequestRow } from './stats-view';

export function describeRequest(record: unknown): string {
  const r = toRequestRow(record);
  const raw = (typeof record === 'object' && record !== null ? record : {}) as Record<string, unknown>;
  const saved = Math.max(0, r.tokensBefore - r.tokensAfter);
  const parts = [
    `${typeof raw.path === 'string' ? raw.path : r.provider} ${typeof raw.status === 'number' ? raw.status : ''}`.trim(),
    `${r.agent} ${r.model}`,
    `${formatTokens(r.tokensBefore)} → ${formatTokens(r.tokensAfter)} tokens (${formatPercent(saved, r.tokensBefore)} saved)`,
    `${formatMs(r.msAdded)} added`,
  ];
  if (r.transforms.length) parts.push(`compressed: ${r.transforms.join(', ')}`);
  if (r.leftAlone.length) {
    const counts = new Map<string, number>();
    for (const it of r.items) if (it.reason) counts.set(it.reason, (counts.get(it.reason) ?? 0) + 1);
    parts.push(`left alone: ${[...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ')}`);
  }
  if (raw.bypass === true) parts.push('bypass');
  if (typeof raw.error === 'string') parts.push(`error: ${raw.error}`);
  return visible(parts.join(' · '));
}

/**
 * Control characters shown as escapes: the model name and the path come from the client, and a
 * newline or a terminal escape sequence in them must not forge log lines or drive the terminal.
 */
function visible(line: string): string {
  return line.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
