/** One proxied request, as recorded for /stats, the store and the extension's live view. */
import type { CacheBust } from './cache-watch';
import type { Usage } from './usage';

export interface ToolOutputRecord {
  tool?: string;
  kind?: string;
  bytesIn: number;
  bytesOut: number;
  tokensIn?: number;
  tokensOut?: number;
  /** Token counts estimated from length (the counter was backed up). */
  tokensEstimated?: boolean;
  /** Why it was left alone (absent: compressed). */
  reason?: string;
  replayed: boolean;
  /** Hashes named by the markers in the compressed text (the stored originals). */
  hashes?: string[];
  /** Content hash of the original: the compressed text as sent is in the store's memo under it (`memoizedCompression`). */
  contentHash?: string;
}

export interface RequestRecord {
  id: string;
  ts: number;
  agent: string;
  provider: 'anthropic' | 'openai';
  api: string | null;
  path: string;
  model?: string;
  stream: boolean;
  status: number;
  bypass: boolean;
  /** Milliseconds the proxy spent before the request left for the upstream. */
  msAdded: number;
  /** Input tokens the request would have had without the proxy (estimate: after + saved). */
  tokensBefore: number;
  /** Input tokens sent (provider's figure when known, else our estimate). */
  tokensAfter: number;
  tokensSaved: number;
  /** Tokens the proxy added (the retrieval tool definition). */
  tokensAdded: number;
  usage?: Usage;
  usageEstimated: boolean;
  outputs: ToolOutputRecord[];
  retrieveToolInjected: boolean;
  retrievals: number;
  retrievalMisses: number;
  /** Usage of the extra upstream calls the proxy made to answer retrievals. */
  retrievalUsage?: Usage;
  /** The turn read back clearly less of the provider's prompt cache than its previous turn had left there. */
  cacheBust?: CacheBust;
  /** Estimated dollars saved, net of costs the proxy caused (can be negative). */
  dollarsSaved: number;
  /** Stream ended without its terminal event, or the upstream failed. */
  truncated?: boolean;
  error?: string;
}

/** The provider took the request (and billed it): a 2xx or 3xx answer, or a WebSocket turn (101). */
export function served(status: number): boolean {
  return (status >= 200 && status < 400) || status === 101;
}

export function agentFromUserAgent(ua: string | undefined, headers?: Record<string, unknown>): string {
  const s = (ua ?? '').toLowerCase();
  if (s.includes('claude-cli') || s.includes('claude-code') || s.includes('claude-vscode')) return 'claude-code';
  // Headroom's own Copilot Chat models (their user agent contains "roo" inside "headroom").
  if (s.includes('headroom') && s.includes('copilot')) return 'copilot';
  if (/\broo[-\s]?(code|cline)|\broocode/.test(s)) return 'roo-code';
  if (s.includes('cline')) return 'cline';
  if (s.includes('codex')) return 'codex';
  if (s.includes('copilot')) return 'copilot';
  if (s.includes('continue')) return 'continue';
  if (s.includes('aider') || s.includes('litellm')) return 'aider';
  if (s.includes('opencode')) return 'opencode';
  if (s.includes('anthropic')) return 'anthropic-sdk';
  if (s.includes('openai')) return 'openai-sdk';
  if (headers?.['x-stainless-lang']) return 'sdk';
  return s ? 'other' : 'unknown';
}
