/**
 * Responses API over WebSocket (what Codex uses). The proxy opens the upstream socket with the
 * client's headers, then accepts the client; frames are relayed in order both ways and close codes
 * are passed on. Only `response.create` frames are changed: their tool outputs are compressed by
 * the same splicing as HTTP bodies (and the retrieval tool appended when markers are present).
 *
 * Retrieval over WebSocket: server events of a turn that offered headroom_retrieve go through the
 * Responses stitcher. When the model calls only the retrieve tool, the proxy answers with a new
 * `response.create` on the same upstream socket that continues from the round's response
 * (previous_response_id, which WebSocket mode keeps in connection memory even with store:false),
 * and the client sees one response.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { providerError } from './errors';
import { allowedOrigin, isLoopbackHost, route, targetForm, upstreamUrl } from './routes';
import type { ProxyState } from './server';
import { SseSplitter } from './sse';
import type { SseEvent } from './sse';
import { ResponsesStitcher, TERMINAL } from './retrieval/responses';
import { answerCalls, countAnswers } from './retrieval/answer';
import { JsonSyntaxError } from './json-scan';
import { RETRIEVE_TOOL_NAME } from './extract';
import { record } from './recorder';
import type { Route } from './routes';
import type { RewriteResult } from './rewrite';
import type { InterceptContext } from './retrieval/intercept';
import { usageFromJson } from './usage';
import { addUsage } from './retrieval/types';

const SKIP_HEADERS = new Set([
  'host', 'connection', 'upgrade', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer',
  'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol', 'content-length',
]);

/** Bytes a client may send before its upgrade is answered (it should send none). */
const EARLY_BYTES_MAX = 1024 * 1024;

function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

export function attachWebSocket(server: Server, state: ProxyState): void {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: state.config.maxBodyBytes });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // An exception here would be thrown out of the server's 'upgrade' event and end the process
    // (the ws client throws synchronously on a duplicated or malformed sub-protocol, for one).
    try {
      upgrade(state, wss, req, socket, head);
    } catch (e) {
      state.log(`WebSocket upgrade refused: ${(e as Error).message}`);
      if (!socket.destroyed) refuse(socket, 400, 'Bad Request', providerError('openai-like', 400, `Invalid WebSocket upgrade: ${(e as Error).message}`).body);
    }
  });
}

function upgrade(state: ProxyState, wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  // As for HTTP requests (see server.ts): a loopback Host, no foreign absolute target, and no
  // Origin but a loopback one. Browsers let any web page open a WebSocket to 127.0.0.1, so
  // without the Origin check a page could drive the upstream socket and the retrieval store.
  if (!isLoopbackHost(req.headers.host) || targetForm(req.url ?? '/') === 'foreign' || !allowedOrigin(req.headers.origin)) {
    refuse(socket, 403, 'Forbidden', providerError('openai-like', 403, 'The Headroom proxy only accepts requests addressed to a loopback host.').body);
    return;
  }
  const r = route(req.url ?? '/', 'POST', req.headers);
  if (r.kind !== 'responses' || targetForm(req.url ?? '/') === 'invalid') {
    refuse(socket, 404, 'Not Found', providerError('openai-like', 404, 'WebSocket is only served on the Responses API path.').body);
    return;
  }
  const target = upstreamUrl(state.openaiUpstream, r.path, r.query);
  target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const lower = req.rawHeaders[i].toLowerCase();
    if (SKIP_HEADERS.has(lower) || lower.startsWith('x-headroom-')) continue;
    headers[req.rawHeaders[i]] = req.rawHeaders[i + 1];
  }
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const upstream = new WebSocket(target, protocols, { headers, perMessageDeflate: false, maxPayload: 0, agent: state.upstream.tunnelFor(target) });
  let accepted = false;
  // Until the upstream answers, the client's socket is read here: Node hands it over paused, and
  // a paused socket never learns that its client left, which would leave the upstream socket
  // open for good. Bytes that arrive meanwhile are kept for the WebSocket server.
  const early: Buffer[] = head.length ? [head] : [];
  let earlyBytes = head.length;
  const onEarlyData = (c: Buffer) => {
    earlyBytes += c.length;
    if (earlyBytes > EARLY_BYTES_MAX) socket.destroy();
    else early.push(c);
  };
  const onEarlyEnd = () => socket.destroy();
  socket.on('data', onEarlyData);
  socket.on('end', onEarlyEnd);
  socket.on('close', () => {
    if (!accepted) upstream.terminate();
  });
  upstream.on('unexpected-response', (_rq, res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      refuse(socket, res.statusCode ?? 502, res.statusMessage ?? 'Bad Gateway', body);
    });
  });
  upstream.on('error', (e) => {
    if (!accepted) refuse(socket, 502, 'Bad Gateway', providerError('openai-like', 502, `Upstream WebSocket failed: ${e.message}`).body);
  });
  upstream.on('open', () => {
    if (socket.destroyed) return upstream.terminate();
    accepted = true;
    socket.off('data', onEarlyData);
    socket.off('end', onEarlyEnd);
    // Agree to the sub-protocol the upstream chose (handleUpgrade reads this synchronously).
    wss.options.handleProtocols = () => upstream.protocol || false;
    wss.handleUpgrade(req, socket, Buffer.concat(early), (client) => relay(state, client, upstream, req, r));
  });
}

/** WebSocket close codes that may be sent on the wire. */
function sendableCode(code: number): number {
  return code === 1005 || code === 1006 || code === 1015 || code < 1000 ? 1000 : code;
}

function relay(state: ProxyState, client: WebSocket, upstream: WebSocket, req: IncomingMessage, r: Route): void {
  /** Stitching state of the turn in flight, when it offered the retrieval tool. */
  let turn: { stitcher: ResponsesStitcher; frame: Record<string, unknown>; answered: number } | null = null;
  /** Accounting of the response.create in flight. */
  let pending: { rw: RewriteResult | null; frame?: Buffer; received: number; sent: number; bytes: number; bypass: boolean; stats: InterceptContext['stats'] } | null = null;
  const finishTurn = (usage: ReturnType<typeof usageFromJson>) => {
    if (!pending) return;
    const p = pending;
    pending = null;
    record(state, req, r, {
      bypass: p.bypass, msAdded: p.sent - p.received, rewritten: p.rw, bodyBytes: p.bytes, retrieval: p.stats, body: p.frame,
      outcome: { status: 101, usage: usage ?? p.stats.firstUsage, truncated: false, sentAt: p.sent },
    });
  };
  const rawFrames = new WeakSet<Buffer>();

  const toClient = (b: Buffer) => {
    if (client.readyState !== WebSocket.OPEN) return;
    if (rawFrames.has(b)) return client.send(b, { binary: false });
    // A rewritten event comes back SSE-formatted from the stitcher: send its data as the frame.
    for (const ev of new SseSplitter().push(b)) client.send(ev.data, { binary: false });
  };

  client.on('message', (data: RawData, isBinary: boolean) => {
    const buf = toBuffer(data);
    if (isBinary || upstream.readyState !== WebSocket.OPEN) {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(buf, { binary: isBinary });
      return;
    }
    let out = buf;
    const create = looksLikeCreate(buf);
    const received = performance.now();
    let rw: RewriteResult | null = null;
    const bypass = state.bypass || req.headers['x-headroom-bypass'] === '1';
    if (!bypass && create) {
      const release = state.tokens.hold();
      try {
        rw = state.rewriter.rewrite('responses', buf, { injectRetrieveTool: true });
        if (rw?.changed) out = rw.body;
        turn = rw?.retrieveToolInjected ? { stitcher: new ResponsesStitcher(), frame: JSON.parse(out.toString('utf8')), answered: 0 } : null;
      } catch (e) {
        if (!(e instanceof JsonSyntaxError)) state.log(`WebSocket compression failed open: ${(e as Error).message}`);
        turn = null;
      } finally {
        release();
      }
    }
    upstream.send(out, { binary: false });
    if (create) {
      pending = { rw, frame: rw ? undefined : buf, received, sent: performance.now(), bytes: out.length, bypass, stats: { count: 0, misses: 0 } };
      if (rw) countAnswers(pending.stats, rw.owedAnswers);
    }
  });

  upstream.on('message', (data: RawData, isBinary: boolean) => {
    const buf = toBuffer(data);
    if (isBinary || !turn) {
      if (client.readyState === WebSocket.OPEN) client.send(buf, { binary: isBinary });
      if (!isBinary && pending && buf.includes('"response.')) {
        try {
          const ev = JSON.parse(buf.toString('utf8'));
          if (TERMINAL.has(ev.type)) finishTurn(usageFromJson('openai', ev));
        } catch {
          // not JSON: nothing to account
        }
      }
      return;
    }
    const t = turn;
    rawFrames.add(buf);
    let parsed: { type?: string; response?: { id?: string } };
    try {
      parsed = JSON.parse(buf.toString('utf8'));
    } catch {
      toClient(buf);
      return;
    }
    const ev: SseEvent = { raw: buf, event: parsed.type, data: buf.toString('utf8') };
    t.stitcher.onEvent(ev, toClient);
    if (!parsed.type || !TERMINAL.has(parsed.type)) return;
    const max = state.config.maxRetrievalRounds;
    const end = t.stitcher.endRound(toClient, t.answered <= max);
    if (end.kind !== 'continue') {
      turn = null;
      state.rewriter.owed.record(t.stitcher.unanswered);
      if (pending) {
        pending.stats.firstUsage = t.stitcher.firstUsage;
        pending.stats.usage = addUsage(pending.stats.usage, t.stitcher.laterUsage);
      }
      finishTurn(t.stitcher.firstUsage);
      return;
    }
    const exhausted = t.answered >= max;
    const answers = answerCalls(state.store, end.calls, exhausted, pending?.stats);
    t.answered++;
    t.stitcher.nextRound();
    const next: Record<string, unknown> = {
      ...t.frame,
      previous_response_id: parsed.response?.id,
      input: answers.map((a) => ({ type: 'function_call_output', call_id: a.id, output: a.text })),
    };
    // Under tool_choice "required" the exhausted round offers only the client's tools (see lastRoundBody in retrieval/intercept.ts).
    const tools = t.frame.tools;
    if (exhausted && t.frame.tool_choice === 'required' && Array.isArray(tools) && tools.length > 1) {
      next.tools = tools.filter((tool) => (tool as { name?: unknown } | null)?.name !== RETRIEVE_TOOL_NAME);
    }
    upstream.send(JSON.stringify(next), { binary: false });
  });

  client.on('close', (code, reason) => {
    if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) upstream.close(sendableCode(code), reason);
  });
  upstream.on('close', (code, reason) => {
    if (client.readyState === WebSocket.OPEN) client.close(sendableCode(code), reason);
  });
  client.on('error', () => upstream.terminate());
  upstream.on('error', () => client.terminate());
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data as ArrayBuffer);
}

function looksLikeCreate(buf: Buffer): boolean {
  const head = buf.toString('utf8', 0, Math.min(buf.length, 4096));
  return /"type"\s*:\s*"response\.create"/.test(head) || (buf.length > 4096 && buf.includes('"response.create"'));
}
