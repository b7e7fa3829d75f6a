/**
 * The local proxy: an HTTP server on loopback between coding agents and the Anthropic / OpenAI
 * APIs. It compresses tool outputs by splicing new string values into the client's exact bytes,
 * forwards everything else untouched and streams responses straight through.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../store/types';
import { decodeBody, readBody } from './body';
import { resolveConfig } from './config';
import type { ProxyConfig } from './config';
import { HttpError, providerError } from './errors';
import { forward } from './forward';
import type { ForwardOutcome } from './forward';
import { handleInternal } from './endpoints';
import { JsonSyntaxError } from './json-scan';
import type { RequestRecord } from './record';
import { Rewriter } from './rewrite';
import type { RewriteResult } from './rewrite';
import type { Api } from './extract';
import { DEFAULT_ANTHROPIC_UPSTREAM, DEFAULT_OPENAI_UPSTREAM, allowedOrigin, isLoopbackHost, route, targetForm, TargetError, upstreamUrl } from './routes';
import { StatsAggregator } from './stats';
import type { StatsSnapshot } from './stats';
import { makeRetrievalInterceptor } from './retrieval/intercept';
import { countAnswers } from './retrieval/answer';
import type { InterceptContext } from './retrieval/intercept';
import { attachWebSocket } from './websocket';
import { loadPersisted, RecordWriter } from './persist';
import { record } from './recorder';
import { TokenCounter } from './token-counter';
import { Upstream } from './upstream';
import type { ProxyFor } from './upstream';
import { initCodeRuntime } from '../engine/code/prepare';

export type { ProxyConfig } from './config';
export type { StatsSnapshot } from './stats';
export type { RequestRecord } from './record';

export interface ProxyOptions {
  host?: string;
  port?: number;
  anthropicUpstream?: string;
  openaiUpstream?: string;
  store: Store;
  config?: Partial<ProxyConfig>;
  /**
   * The outbound HTTP proxy for a provider URL (undefined: connect directly). The CLI resolves it
   * from --upstream-proxy and the environment; in VS Code the host's own proxy support applies.
   */
  upstreamProxy?: ProxyFor;
  log?: (line: string) => void;
  /**
   * How long a client may take to send a whole request (headers and body) before the connection
   * is closed with 408; default REQUEST_TIMEOUT_MS. Responses are not limited (a model may stream
   * for many minutes).
   */
  requestTimeoutMs?: number;
}

export interface ProxyHandle {
  /** Where the proxy listens (after listenAlso, the newer address; the first keeps serving too). */
  url: string;
  port: number;
  /**
   * Serves the same proxy on another port of the same host as well, which becomes its url: an
   * extension window that started on a fallback port takes the configured one once it is free,
   * while clients that were given the fallback port keep working.
   */
  listenAlso(port: number): Promise<void>;
  close(): Promise<void>;
  setBypass(on: boolean): void;
  stats(): StatsSnapshot;
  onRequest(listener: (record: RequestRecord) => void): () => void;
  /** Resolves once every request answered so far has been counted and recorded. */
  settled(): Promise<void>;
}

export const PROXY_VERSION = '0.1.0';
/**
 * A client that sent its headers but stalls in its body (or never sends it) holds a connection,
 * the body read so far (up to maxBodyBytes) and the token counter's hold (which slows counting for
 * every other request) until this passes. Uploads on loopback take a fraction of it.
 */
const REQUEST_TIMEOUT_MS = 300_000;
const HEADERS_TIMEOUT_MS = 60_000;
/** On close, how long counting may take before the requests still being counted are estimated. */
const CLOSE_COUNT_MS = 1_000;

/** Shared state of one running proxy, handed to the route handlers. */
export interface ProxyState {
  config: ProxyConfig;
  store: Store;
  rewriter: Rewriter;
  stats: StatsAggregator;
  anthropicUpstream: string;
  openaiUpstream: string;
  upstream: Upstream;
  bypass: boolean;
  startedAt: number;
  log: (line: string) => void;
  emit(record: RequestRecord): void;
  tokens: TokenCounter;
  /** Records still being counted, and who waits for them. */
  pendingRecords: number;
  waiters: Array<() => void>;
}

export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8787;
  const listeners = new Set<(record: RequestRecord) => void>();
  const config = resolveConfig(options.config);
  const records = new RecordWriter(options.store, options.log ?? (() => {}));
  const state: ProxyState = {
    config,
    store: options.store,
    rewriter: new Rewriter(options.store, config),
    stats: new StatsAggregator(),
    anthropicUpstream: options.anthropicUpstream ?? DEFAULT_ANTHROPIC_UPSTREAM,
    openaiUpstream: options.openaiUpstream ?? DEFAULT_OPENAI_UPSTREAM,
    upstream: new Upstream(options.upstreamProxy),
    bypass: false,
    startedAt: Date.now(),
    log: options.log ?? (() => {}),
    emit(record) {
      state.stats.add(record);
      records.add(record);
      for (const l of listeners) {
        try {
          l(record);
        } catch (e) {
          state.log(`onRequest listener failed: ${(e as Error).message}`);
        }
      }
    },
    tokens: new TokenCounter(),
    pendingRecords: 0,
    waiters: [],
  };
  loadPersisted(state.store, (r) => state.stats.add(r));
  // Start the tree-sitter runtime now, off the request path, so code outputs get parsed from the
  // first request on instead of taking the line-based fallback while it loads.
  void initCodeRuntime();

  const requestTimeout = Math.max(1, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  const newServer = () => {
    const server = http.createServer({
      keepAliveTimeout: 65_000, requestTimeout, headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
      // Node looks for expired requests this often (30 s by default).
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(requestTimeout / 4))),
    }, (req, res) => {
      handle(state, req, res).catch((e) => {
        state.log(`request failed: ${(e as Error).message}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(providerError('openai-like', 500, 'Internal proxy error').body);
        else res.destroy();
      });
    });
    attachWebSocket(server, state);
    return server;
  };
  const servers: http.Server[] = [];
  let closing = false;

  const allRecorded = () => (state.pendingRecords === 0 ? Promise.resolve() : new Promise<void>((r) => state.waiters.push(r)));
  const settledWithin = (ms: number) => Promise.race([allRecorded(), new Promise<void>((r) => setTimeout(r, ms).unref())]);
  const shownHost = host.includes(':') ? `[${host}]` : host;

  const first = await listenOn(newServer(), host, port);
  servers.push(first.server);
  const proxy: ProxyHandle = {
    url: `http://${shownHost}:${first.port}`,
    port: first.port,
    async listenAlso(other) {
      const more = await listenOn(newServer(), host, other);
      if (closing) {
        more.server.close();
        throw new Error('the proxy is closing');
      }
      servers.push(more.server);
      proxy.port = more.port;
      proxy.url = `http://${shownHost}:${more.port}`;
    },
    async close() {
      closing = true;
      const closed = Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
      for (const server of servers) server.closeAllConnections();
      state.upstream.destroy();
      // Requests already answered may still be being counted: their records go to the store
      // too. Counting gets a moment to finish; then what is left is estimated (labelled so).
      await settledWithin(CLOSE_COUNT_MS);
      state.tokens.close();
      await settledWithin(CLOSE_COUNT_MS);
      records.flush();
      await closed;
    },
    setBypass(on) {
      state.bypass = on;
    },
    stats: () => state.stats.snapshot(),
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    settled: () => allRecorded().then(() => records.flush()),
  };
  return proxy;
}

/** Listens on host:port; a busy port rejects with an error naming it (code EADDRINUSE). */
function listenOn(server: http.Server, host: string, port: number): Promise<{ server: http.Server; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const err = new Error(
        e.code === 'EADDRINUSE' ? `Port ${port} on ${host} is already in use` : `Cannot listen on ${host}:${port}: ${e.message}`,
      ) as NodeJS.ErrnoException;
      err.code = e.code;
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve({ server, port: (server.address() as AddressInfo).port });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function errorFormatFor(path: string): 'anthropic-like' | 'openai-like' {
  return path.includes('/messages') ? 'anthropic-like' : 'openai-like';
}

function sendError(res: http.ServerResponse, format: Parameters<typeof providerError>[0], status: number, message: string): void {
  const e = providerError(format, status, message);
  res.writeHead(e.status, { 'content-type': 'application/json' }).end(e.body);
}

async function handle(state: ProxyState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const rawUrl = req.url ?? '/';
  const form = targetForm(rawUrl);
  if (!isLoopbackHost(req.headers.host) || form === 'foreign' || !allowedOrigin(req.headers.origin)) {
    req.resume();
    sendError(res, errorFormatFor(rawUrl), 403, 'The Headroom proxy only accepts requests addressed to a loopback host.');
    return;
  }
  if (form === 'invalid') {
    req.resume();
    sendError(res, errorFormatFor(rawUrl), 400, 'The request target must be a path.');
    return;
  }
  if (await handleInternal(state, req, res)) return;

  const method = req.method ?? 'GET';
  const r = route(rawUrl, method, req.headers);
  const bypass = state.bypass || req.headers['x-headroom-bypass'] === '1';
  const base = r.provider === 'anthropic' ? state.anthropicUpstream : state.openaiUpstream;
  let target: URL;
  try {
    target = upstreamUrl(base, r.path, r.query);
  } catch (e) {
    if (!(e instanceof TargetError || e instanceof TypeError)) throw e;
    req.resume();
    sendError(res, errorFormatFor(rawUrl), 400, 'The request target is not a valid path.');
    return;
  }
  const format = r.api ?? (r.provider === 'anthropic' ? 'anthropic-like' : 'openai-like');

  if (!r.api) {
    const outcome = await forward({ upstream: state.upstream, req, res, target, provider: r.provider, api: null, body: null, bodyChanged: false });
    record(state, req, r, { bypass, outcome, msAdded: 0 });
    return;
  }

  // The worker counting tokens waits while the body is read and rewritten (see TokenCounter.hold).
  const release = state.tokens.hold();
  let prepared: PreparedBody | null;
  try {
    prepared = await prepareBody(state, req, r.api, format, bypass, res);
  } finally {
    release();
  }
  if (!prepared) return;
  const { raw, received, rewritten } = prepared;
  const changed = !!rewritten?.changed;
  const body = changed ? rewritten!.body : raw;
  const retrieval: InterceptContext['stats'] = { count: 0, misses: 0 };
  if (rewritten) countAnswers(retrieval, rewritten.owedAnswers);
  const interceptor = rewritten?.retrieveToolInjected
    ? makeRetrievalInterceptor(state, { req, res, target, api: r.api, body, shape: rewritten.shape, stats: retrieval })
    : undefined;
  const outcome = await forward({
    upstream: state.upstream, req, res, target, provider: r.provider, api: r.api, body, bodyChanged: changed,
    intercept: interceptor ? (upRes) => interceptor.handle(upRes) : undefined,
  });
  if (interceptor) {
    await interceptor.wait();
    outcome.usage ??= retrieval.firstUsage;
    if (retrieval.truncated) outcome.truncated = true;
  }
  const msAdded = outcome.sentAt ? outcome.sentAt - received : 0;
  record(state, req, r, { bypass, outcome, msAdded, rewritten, bodyBytes: body.length, retrieval, body: raw });
}

interface PreparedBody {
  raw: Buffer;
  /** When the whole body had arrived. */
  received: number;
  rewritten: RewriteResult | null;
}

/** Reads, decodes and rewrites a request body; null when an error response has been sent instead. */
async function prepareBody(
  state: ProxyState, req: http.IncomingMessage, api: Api, format: Parameters<typeof providerError>[0], bypass: boolean, res: http.ServerResponse,
): Promise<PreparedBody | null> {
  let raw: Buffer;
  try {
    raw = await readBody(req, state.config.maxBodyBytes);
  } catch (e) {
    if (e instanceof HttpError) return (sendError(res, format, e.status, e.message), null);
    throw e;
  }
  const received = performance.now();
  if (bypass) return { raw, received, rewritten: null };
  let decoded: Buffer;
  try {
    decoded = decodeBody(raw, req.headers['content-encoding'], state.config.maxBodyBytes);
  } catch (e) {
    if (e instanceof HttpError) return (sendError(res, format, e.status, e.message), null);
    throw e;
  }
  try {
    return { raw, received, rewritten: state.rewriter.rewrite(api, decoded, { injectRetrieveTool: true }) };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return (sendError(res, format, 400, `Request body is not valid JSON: ${e.message}`), null);
    state.log(`compression failed open: ${(e as Error).message}`);
    return { raw, received, rewritten: null };
  }
}
