/**
 * The retrieval loop. When a request carried our headroom_retrieve tool, the proxy takes over the
 * successful response: if the model calls the tool, the proxy answers from the store and continues
 * upstream itself (up to maxRetrievalRounds, then one round telling the model retrieval is
 * exhausted), and the client sees one coherent response without the retrieve call.
 *
 * Streaming: everything except the retrieve call's own events is forwarded as it arrives; see the
 * per-API stitchers. Non-streaming: the rounds are merged into one response.
 *
 * Mixed turns (the model calls headroom_retrieve together with the client's own tools): the proxy
 * cannot continue upstream, because the client's tool results do not exist yet, and it must not
 * show the client a tool it does not know. So the retrieve calls are removed from what the client
 * sees and the turn ends with the client's tool calls only. The model never received the
 * retrieved text; the tool stays available, so it can ask again on the next turn. The assistant
 * turn the client sends back therefore contains only its own tool calls, which keeps tool_use /
 * tool_result pairing valid. Where the provider keeps the turn itself (Responses continued with
 * previous_response_id), the request that continues it also gets outputs for the retrieve calls,
 * with the retrieved text (see OwedAnswers).
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { decodeResponseBody, MAX_DECODED_RESPONSE_BYTES } from '../body';
import { providerError } from '../errors';
import type { Api, RequestShape } from '../extract';
import { downstreamHeaders, headerValue, upstreamHeaders } from '../headers';
import type { ProxyState } from '../server';
import { SseSplitter } from '../sse';
import { readUpTo } from '../upstream';
import { forcesToolCall, withoutRetrieveTool } from '../retrieve-tool';
import type { Usage } from '../usage';
import { answerCalls } from './answer';
import { apiAdapter } from './adapters';
import { addUsage } from './types';

export interface InterceptContext {
  req: IncomingMessage;
  res: ServerResponse;
  target: URL;
  api: Api;
  body: Buffer;
  shape: RequestShape;
  stats: { count: number; misses: number; usage?: Usage; firstUsage?: Usage; truncated?: boolean };
}

export interface Interceptor {
  /** Takes over a 200 response; returns false to let it pass through untouched. */
  handle(upRes: IncomingMessage): boolean;
  /** Resolves when a taken-over response is complete (at once if none was taken). */
  wait(): Promise<void>;
}

export function makeRetrievalInterceptor(state: ProxyState, ctx: InterceptContext): Interceptor | undefined {
  if (!state.config.retrieval) return undefined;
  let running: Promise<void> = Promise.resolve();
  return {
    handle(upRes) {
      const type = headerValue(upRes.rawHeaders, 'content-type') ?? '';
      const encoding = (headerValue(upRes.rawHeaders, 'content-encoding') ?? '').toLowerCase();
      if (type.includes('text/event-stream')) {
        if (encoding && encoding !== 'identity') return false;
        running = runStream(state, ctx, upRes).catch((e) => {
          state.log(`retrieval stream failed: ${(e as Error).message}`);
          ctx.res.destroy();
        });
        return true;
      }
      if (type.includes('json')) {
        running = runJson(state, ctx, upRes, encoding).catch((e) => {
          state.log(`retrieval failed: ${(e as Error).message}`);
          if (!ctx.res.headersSent) ctx.res.writeHead(502, { 'content-type': 'application/json' }).end(providerError(ctx.api, 502, 'Headroom proxy: retrieval failed').body);
          else ctx.res.destroy();
        });
        return true;
      }
      return false;
    },
    wait: () => running,
  };
}

/**
 * The continuation after the "exhausted" answer, under a forced tool choice (any / required), does
 * not offer headroom_retrieve: the model must call a tool, and the client asked for a call of one
 * of its own. The tool list differs in this one request only (it is the last round; the earlier
 * rounds and the client's next turn keep the conversation's bytes), and tool_choice stays the
 * client's. Otherwise the body is as built.
 */
function lastRoundBody(api: Api, body: Buffer, exhausted: boolean): Buffer {
  return exhausted && forcesToolCall(api, body) ? withoutRetrieveTool(api, body) : body;
}

/** Sends a continuation request with the client's headers and waits for the response head. */
function sendContinuation(state: ProxyState, ctx: InterceptContext, body: Buffer, track: (r: ClientRequest) => void): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = upstreamHeaders(ctx.req.rawHeaders, { host: ctx.target.host, newLength: body.length });
    state.upstream.send(ctx.target, 'POST', headers, body, { request: track, response: resolve, error: reject });
  });
}

/** Pumps one upstream round through the stitcher; false when the upstream broke off. */
function pumpRound(upRes: IncomingMessage, onEvent: (ev: import('../sse').SseEvent) => void, writeRaw: (b: Buffer) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const splitter = new SseSplitter();
    upRes.on('data', (chunk: Buffer) => {
      for (const ev of splitter.push(chunk)) onEvent(ev);
    });
    upRes.on('close', () => {
      const rest = splitter.rest();
      if (rest.length) writeRaw(rest);
      resolve(upRes.complete);
    });
  });
}

async function runStream(state: ProxyState, ctx: InterceptContext, first: IncomingMessage): Promise<void> {
  const { res } = ctx;
  const adapter = apiAdapter(ctx.api);
  const stitcher = adapter.stitcher();
  res.writeHead(200, first.statusMessage, downstreamHeaders(first.rawHeaders, true));
  res.flushHeaders();
  let current: IncomingMessage | null = first;
  let currentReq: ClientRequest | null = null;
  let clientGone = false;
  res.on('close', () => {
    if (res.writableFinished) return;
    clientGone = true;
    ctx.stats.truncated = true;
    current?.destroy();
    currentReq?.destroy();
  });
  const write = (b: Buffer) => {
    if (!clientGone) res.write(b);
  };
  let body = ctx.body;
  let answered = 0;
  const max = state.config.maxRetrievalRounds;
  try {
    for (;;) {
      const complete = await pumpRound(current!, (ev) => stitcher.onEvent(ev, write), write);
      if (clientGone) return;
      if (!complete) {
        ctx.stats.truncated = true;
        res.destroy();
        return;
      }
      const end = stitcher.endRound(write, answered <= max);
      if (end.kind !== 'continue') {
        if (end.kind === 'truncated') ctx.stats.truncated = true;
        state.rewriter.owed.record(stitcher.unanswered);
        res.end();
        return;
      }
      const exhausted = answered >= max;
      const answers = answerCalls(state.store, end.calls, exhausted, ctx.stats);
      body = lastRoundBody(ctx.api, stitcher.continuation(body, answers), exhausted);
      stitcher.nextRound();
      answered++;
      current = await sendContinuation(state, ctx, body, (r) => (currentReq = r));
      const type = headerValue(current.rawHeaders, 'content-type') ?? '';
      if (current.statusCode !== 200 || !type.includes('text/event-stream')) {
        const read = await readUpTo(current, MAX_ERROR_BODY_BYTES);
        if (read.more) current.destroy();
        const errBody = Buffer.concat(read.chunks).toString('utf8');
        write(adapter.errorEvent(current.statusCode ?? 502, errBody, stitcher));
        ctx.stats.truncated = true;
        res.end();
        return;
      }
    }
  } finally {
    ctx.stats.firstUsage = stitcher.firstUsage;
    ctx.stats.usage = addUsage(ctx.stats.usage, stitcher.laterUsage);
  }
}

/** Of a refused continuation's answer, the part read for its error message. */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;

/**
 * Sends the client an upstream response as it is: its head and the chunks read, then, when reading
 * stopped at the cap, the rest piped as it comes. Resolves when it has ended: true when complete.
 */
function passOn(res: ServerResponse, upRes: IncomingMessage, read: { chunks: Buffer[]; more: boolean }): Promise<boolean> {
  res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, downstreamHeaders(upRes.rawHeaders));
  if (!read.more) {
    res.end(Buffer.concat(read.chunks));
    return Promise.resolve(true);
  }
  for (const c of read.chunks) res.write(c);
  return new Promise((resolve) => {
    res.on('close', () => {
      if (!res.writableFinished) upRes.destroy();
    });
    upRes.on('close', () => {
      if (!upRes.complete) res.destroy();
      resolve(upRes.complete);
    });
    upRes.pipe(res);
  });
}

/** The body decoded; one in an encoding the proxy does not read stays as it is (and fails to parse). */
const decode = (buf: Buffer, encoding: string | undefined): Buffer => decodeResponseBody(buf, encoding) ?? buf;

async function runJson(state: ProxyState, ctx: InterceptContext, first: IncomingMessage, encoding: string): Promise<void> {
  const { res } = ctx;
  const adapter = apiAdapter(ctx.api);
  let currentReq: ClientRequest | null = null;
  let clientGone = false;
  res.on('close', () => {
    if (res.writableFinished) return;
    // The client left: the answer being read is abandoned and no continuation is sent for it.
    clientGone = true;
    ctx.stats.truncated = true;
    first.destroy();
    currentReq?.destroy();
  });
  // The proxy reads at most this much of an answer (decoded too, see decodeResponseBody). A first
  // answer past it is not one it can look into: the client gets it as it is, as it arrives.
  const head = await readUpTo(first, MAX_DECODED_RESPONSE_BYTES).catch((e) => {
    if (clientGone) return null;
    throw e;
  });
  if (!head) return;
  if (head.more) {
    if (!(await passOn(res, first, head))) ctx.stats.truncated = true;
    return;
  }
  const raw = Buffer.concat(head.chunks);
  const passThrough = () => void passOn(res, first, head);
  let msg: Record<string, any>;
  try {
    msg = JSON.parse(decode(raw, encoding).toString('utf8'));
  } catch {
    passThrough();
    return;
  }
  ctx.stats.firstUsage = adapter.jsonUsage(msg);
  let { calls, clientTools, cutShort } = adapter.jsonCalls(msg);
  if (calls.length === 0) {
    passThrough();
    return;
  }
  const rounds = [msg];
  let body = ctx.body;
  let answered = 0;
  const max = state.config.maxRetrievalRounds;
  while (calls.length > 0 && !clientTools && !cutShort && answered <= max) {
    const exhausted = answered >= max;
    const answers = answerCalls(state.store, calls, exhausted, ctx.stats);
    body = lastRoundBody(ctx.api, adapter.jsonContinuation(body, msg, answers), exhausted);
    answered++;
    if (clientGone) return;
    let next: IncomingMessage;
    let read: { chunks: Buffer[]; more: boolean };
    try {
      next = await sendContinuation(state, ctx, body, (r) => (currentReq = r));
      read = await readUpTo(next, MAX_DECODED_RESPONSE_BYTES);
    } catch (e) {
      if (clientGone) return;
      throw e;
    }
    if (clientGone) return;
    if (next.statusCode !== 200) {
      await passOn(res, next, read);
      return;
    }
    if (read.more) {
      next.destroy();
      throw new Error(`a continuation's answer exceeds ${MAX_DECODED_RESPONSE_BYTES} bytes`);
    }
    const nextRaw = Buffer.concat(read.chunks);
    msg = JSON.parse(decode(nextRaw, headerValue(next.rawHeaders, 'content-encoding')).toString('utf8'));
    ctx.stats.usage = addUsage(ctx.stats.usage, adapter.jsonUsage(msg));
    rounds.push(msg);
    ({ calls, clientTools, cutShort } = adapter.jsonCalls(msg));
  }
  if (ctx.api === 'responses') state.rewriter.owed.record({ responseId: msg.id, calls });
  const merged = Buffer.from(JSON.stringify(adapter.jsonMerge(rounds, calls.length > 0)), 'utf8');
  const headers = downstreamHeaders(first.rawHeaders, true);
  headers.push('content-length', String(merged.length));
  res.writeHead(200, first.statusMessage, headers).end(merged);
}
