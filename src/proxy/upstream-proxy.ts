/**
 * Which outbound HTTP proxy reaches a provider: the one named explicitly (`none` for no proxy),
 * else the standard environment variables (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY by the provider
 * URL's scheme, with NO_PROXY exceptions; lower-case forms too). A provider on a loopback address
 * is always reached directly: a proxy elsewhere cannot reach this machine's loopback.
 */
import { getProxyForUrl } from 'proxy-from-env';
import { isLoopbackHost } from './routes';
import type { ProxyFor } from './upstream';

export function upstreamProxyFor(explicit: string | undefined): ProxyFor {
  return (target) => {
    if (explicit === 'none' || isLoopbackHost(target.host)) return undefined;
    // WebSocket URLs go through the variables of their HTTP schemes.
    return explicit || getProxyForUrl(target.href.replace(/^ws/, 'http')) || undefined;
  };
}

/** A proxy URL fit for a log line: credentials hidden. */
export function shownProxyUrl(proxy: string): string {
  try {
    const url = new URL(proxy);
    return `${url.protocol}//${url.username || url.password ? '***@' : ''}${url.host}`;
  } catch {
    return '(not a URL)';
  }
}
