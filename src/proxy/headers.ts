/**
 * Header rules for both hops. Raw header lists (name, value, name, value…) keep the client's
 * spelling and order; only hop-by-hop headers, our own x-headroom-* headers and lengths we must
 * recompute are touched. API keys pass through and are never read for anything else.
 */

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'trailers',
  'transfer-encoding', 'upgrade',
]);

function connectionTokens(raw: string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'connection') for (const t of raw[i + 1].split(',')) out.add(t.trim().toLowerCase());
  }
  return out;
}

export interface UpstreamHeaderOptions {
  host: string;
  /** Set when the body was replaced: the new length, and the original content-encoding is dropped. */
  newLength?: number;
}

export function upstreamHeaders(raw: string[], opts: UpstreamHeaderOptions): string[] {
  const extra = connectionTokens(raw);
  const out: string[] = [];
  let hostSet = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || extra.has(lower) || lower.startsWith('x-headroom-')) continue;
    if (lower === 'host') {
      if (!hostSet) out.push(name, opts.host);
      hostSet = true;
      continue;
    }
    if (opts.newLength !== undefined && (lower === 'content-length' || lower === 'content-encoding')) continue;
    out.push(name, raw[i + 1]);
  }
  if (!hostSet) out.unshift('Host', opts.host);
  if (opts.newLength !== undefined) out.push('content-length', String(opts.newLength));
  return out;
}

/** Response headers for the client: the upstream's, minus hop-by-hop ones. */
export function downstreamHeaders(raw: string[], dropLength = false): string[] {
  const extra = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(lower) || extra.has(lower)) continue;
    if (dropLength && (lower === 'content-length' || lower === 'content-encoding')) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

export function headerValue(raw: string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === name) return raw[i + 1];
  return undefined;
}
