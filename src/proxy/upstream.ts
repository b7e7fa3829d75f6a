/**
 * Connections to the providers: pooled keep-alive agents, direct or tunnelled through an outbound
 * HTTP proxy (HTTP CONNECT, so TLS stays end to end between this process and the provider).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { shownProxyUrl } from './upstream-proxy';

const POOL = { keepAlive: true, maxSockets: 256, scheduling: 'lifo' } as const;

/** The outbound proxy's URL for a provider URL, or undefined to connect directly. */
export type ProxyFor = (target: URL) => string | undefined;

export class Upstream {
  private readonly directHttp = new http.Agent(POOL);
  private readonly directHttps = new https.Agent(POOL);
  private readonly tunnels = new Map<string, HttpsProxyAgent<string>>();
  /** The route of each provider origin, decided once (the proxy depends on scheme, host and port only). */
  private readonly routes = new Map<string, http.Agent | undefined>();

  constructor(private readonly proxyFor: ProxyFor = () => undefined) {}

  /** The tunnelling agent for a provider URL (http, https, ws or wss); undefined when it is reached directly. */
  tunnelFor(url: URL): http.Agent | undefined {
    const origin = `${url.protocol}//${url.host}`;
    if (!this.routes.has(origin)) {
      const proxy = this.proxyFor(url);
      this.routes.set(origin, proxy ? this.tunnel(proxy) : undefined);
    }
    return this.routes.get(origin);
  }

  /** One agent per proxy: it pools plain and TLS tunnels apart (agent-base names them apart). */
  private tunnel(proxy: string): HttpsProxyAgent<string> {
    let agent = this.tunnels.get(proxy);
    if (!agent) {
      agent = new HttpsProxyAgent(proxy, POOL);
      // A refused tunnel is the outbound proxy's answer (often 407), not the provider's: it becomes
      // an upstream failure, reported as such, instead of a proxy status relayed to the agent.
      agent.on('proxyConnect', (connect: { statusCode?: number; statusText?: string }, req: http.ClientRequest) => {
        if (connect.statusCode === 200) return;
        req.destroy(new Error(`the outbound proxy ${shownProxyUrl(proxy)} refused the tunnel to ${req.host}: ${connect.statusCode} ${connect.statusText ?? ''}`.trimEnd()));
      });
      this.tunnels.set(proxy, agent);
    }
    return agent;
  }

  request(url: URL, method: string, headers: string[]): http.ClientRequest {
    const secure = url.protocol === 'https:';
    return (secure ? https : http).request({
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (secure ? 443 : 80),
      path: url.pathname + url.search,
      method,
      headers: headers as unknown as http.OutgoingHttpHeaders,
      agent: this.tunnelFor(url) ?? (secure ? this.directHttps : this.directHttp),
      setHost: false,
    });
  }

  /**
   * Sends a request with its whole body, or with `body` piped through when it is the client's
   * stream. One that breaks on a pooled connection before any response (see
   * failedOnStaleConnection) is sent once more on a new connection, when its body is at hand.
   * `on.request` sees every attempt (to abort it); `on.error` only a failure that is not retried.
   */
  send(
    url: URL, method: string, headers: string[], body: Buffer | http.IncomingMessage,
    on: { request(r: http.ClientRequest): void; response(res: http.IncomingMessage): void; error(e: Error): void },
  ): void {
    const attempt = (retried: boolean) => {
      const r = this.request(url, method, headers);
      on.request(r);
      let responded = false;
      r.on('response', (res) => {
        responded = true;
        on.response(res);
      });
      r.on('error', (e) => {
        if (!retried && !responded && Buffer.isBuffer(body) && failedOnStaleConnection(r, e)) attempt(true);
        else on.error(e);
      });
      if (Buffer.isBuffer(body)) r.end(body);
      else body.pipe(r);
    };
    attempt(false);
  }

  /** Closes every pooled connection, idle or in use (the proxy is closing). */
  destroy(): void {
    this.directHttp.destroy();
    this.directHttps.destroy();
    for (const agent of this.tunnels.values()) agent.destroy();
  }
}

/**
 * True when a request failed the way one sent on a pooled connection that the provider had just
 * closed fails: the socket was reused, and it broke before any response (the keep-alive race that
 * Node's http documentation describes). The provider never answered it; the request is sent once
 * more, on a new connection, when its whole body is at hand.
 */
function failedOnStaleConnection(req: http.ClientRequest, e: NodeJS.ErrnoException): boolean {
  // A request this process destroyed (its client left) fails with ECONNRESET too, but destroyed.
  return req.reusedSocket && !req.destroyed && (e.code === 'ECONNRESET' || e.code === 'EPIPE');
}

/**
 * Collects a response body (the proxy's own retrieval rounds) up to `maxBytes`: past it, reading
 * stops (the response is paused, the rest of its body still to come) and `more` is set.
 */
export function readUpTo(res: http.IncomingMessage, maxBytes: number): Promise<{ chunks: Buffer[]; more: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size <= maxBytes) return;
      res.pause();
      res.off('data', onData);
      resolve({ chunks, more: true });
    };
    res.on('data', onData);
    res.on('end', () => resolve({ chunks, more: false }));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('upstream aborted')));
    // A response destroyed before its end (the client it was read for left) settles too.
    res.on('close', () => {
      if (!res.complete) reject(new Error('upstream aborted'));
    });
  });
}
