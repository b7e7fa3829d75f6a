/**
 * Sends a request upstream and pipes the response back unchanged (status, headers, bytes, SSE
 * event boundaries), reading usage from a copy. A client that goes away aborts the upstream
 * request; an upstream that fails mid-stream ends the client's stream the same way.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { decodeResponseBody } from './body';
import { downstreamHeaders, headerValue, upstreamHeaders } from './headers';
import { providerError } from './errors';
import type { Api } from './extract';
import type { Provider } from './routes';
import type { Upstream } from './upstream';
import { usageFromJson, UsageTee } from './usage';
import type { Usage } from './usage';

export interface ForwardOutcome {
  status: number;
  usage?: Usage;
  /** The response did not complete (client left, upstream reset, stream without terminal event). */
  truncated: boolean;
  error?: string;
  /** performance.now() when the upstream request was sent. */
  sentAt: number;
}

export interface ForwardArgs {
  upstream: Upstream;
  req: IncomingMessage;
  res: ServerResponse;
  target: URL;
  provider: Provider;
  api: Api | null;
  /** The body to send; null streams the client's request body through. */
  body: Buffer | null;
  bodyChanged: boolean;
  /**
   * Takes over a successful response (the retrieval loop); returns true when it handled it.
   * Called before anything is written to the client.
   */
  intercept?: (upRes: IncomingMessage) => boolean;
}

const JSON_TEE_CAP = 8 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (req.method === 'GET' || req.method === 'HEAD') && (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
}

export function forward(args: ForwardArgs): Promise<ForwardOutcome> {
  const { req, res, target, provider, api } = args;
  return new Promise((resolve) => {
    let settled = false;
    const outcome: ForwardOutcome = { status: 0, truncated: false, sentAt: 0 };
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const headers = upstreamHeaders(req.rawHeaders, {
      host: target.host,
      newLength: args.body && args.bodyChanged ? args.body.length : undefined,
    });
    // The client's stream is piped through, unless the request has no body (GET /v1/models): an
    // empty one can be resent like a read one.
    const body = args.body ?? (hasNoBody(req) ? EMPTY : req);
    let upReq: ClientRequest;
    let upstreamDone = false;
    res.on('close', () => {
      // After a complete response the client's side closes first (the pipe ended it): no disconnect.
      if (!upstreamDone && !res.writableFinished) {
        outcome.truncated = true;
        outcome.error ??= 'client disconnected';
        upReq.destroy();
        finish();
      }
    });
    const onError = (e: Error) => {
      upstreamDone = true;
      outcome.error = `upstream: ${e.message}`;
      if (!res.headersSent) {
        const err = providerError(api ?? (provider === 'anthropic' ? 'anthropic-like' : 'openai-like'), 502, `Upstream request failed: ${e.message}`);
        outcome.status = 502;
        res.writeHead(502, { 'content-type': 'application/json' }).end(err.body);
      } else {
        outcome.truncated = true;
        res.destroy();
      }
      finish();
    };
    const onResponse = (upRes: IncomingMessage) => {
      outcome.status = upRes.statusCode ?? 502;
      if (args.intercept && upRes.statusCode === 200 && args.intercept(upRes)) {
        upstreamDone = true;
        finish();
        return;
      }
      const contentType = headerValue(upRes.rawHeaders, 'content-type') ?? '';
      const encoding = headerValue(upRes.rawHeaders, 'content-encoding');
      const isSse = contentType.includes('text/event-stream');
      const tee = isSse ? new UsageTee(provider, encoding) : null;
      const jsonChunks: Buffer[] | null = !isSse && contentType.includes('json') ? [] : null;
      let jsonSize = 0;
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, downstreamHeaders(upRes.rawHeaders));
      res.flushHeaders();
      upRes.on('data', (chunk: Buffer) => {
        if (tee) tee.push(chunk);
        else if (jsonChunks && jsonSize < JSON_TEE_CAP) {
          jsonChunks.push(chunk);
          jsonSize += chunk.length;
        }
      });
      // An encoded stream's usage is known once its decoder has flushed; the client's response
      // ends after that, so a request answered is a request counted (ProxyHandle.settled).
      upRes.pipe(res, { end: !tee?.decoding });
      upRes.on('close', () => {
        upstreamDone = true;
        if (!upRes.complete) {
          outcome.truncated = true;
          outcome.error ??= 'upstream ended the response early';
          tee?.giveUp();
          res.destroy();
        } else if (tee) {
          void tee.end().then(() => {
            if (tee.unreadable) return;
            outcome.usage = tee.usage;
            if (upRes.statusCode === 200 && !tee.completed) outcome.truncated = true;
          }).finally(() => {
            res.end();
            finish();
          });
          return;
        } else if (jsonChunks && jsonSize < JSON_TEE_CAP) {
          outcome.usage = parseJsonUsage(provider, Buffer.concat(jsonChunks), encoding);
        }
        finish();
      });
    };
    outcome.sentAt = performance.now();
    args.upstream.send(target, req.method ?? 'GET', headers, body, { request: (r) => (upReq = r), response: onResponse, error: onError });
  });
}

function parseJsonUsage(provider: Provider, body: Buffer, encoding: string | undefined): Usage | undefined {
  try {
    const b = decodeResponseBody(body, encoding);
    if (!b) return undefined;
    return usageFromJson(provider, JSON.parse(b.toString('utf8')));
  } catch {
    return undefined;
  }
}
