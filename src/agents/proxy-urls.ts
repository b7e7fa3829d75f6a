/** The base URLs each client convention expects for a proxy listening at `origin` (http://127.0.0.1:PORT). */
export function proxyBaseUrls(origin: string) {
  const o = origin.replace(/\/+$/, '');
  return {
    /** Anthropic SDKs and Claude Code append /v1/messages themselves. */
    anthropic: o,
    /** OpenAI SDKs, Codex and Cline 4.x expect the /v1 prefix in the base. */
    openai: `${o}/v1`,
    /** Continue resolves paths relative to apiBase, so it wants the trailing slash. */
    continueApiBase: `${o}/v1/`,
  };
}

/** True when a URL points at a loopback proxy (ours, whatever port it had). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === '127.0.0.1' || h === 'localhost' || h === '[::1]' || h === '::1';
  } catch {
    return false;
  }
}

/** The upstream each provider's requests reach through the proxy (origins, as the proxy is configured). */
export interface ProxyUpstreams {
  anthropic: string;
  openai: string;
}

/** A client's base URL as the upstream setting it stands for: `https://host/v1/` and `https://host` are the same. */
export function upstreamOf(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '').replace(/\/v1$/, '').replace(/\/+$/, '');
}

/** Whether a client's base URL names the upstream the proxy forwards to (so routing it through the proxy changes nothing but the hop). */
export function sameUpstream(baseUrl: string, upstream: string): boolean {
  return upstreamOf(baseUrl).toLowerCase() === upstreamOf(upstream).toLowerCase();
}
