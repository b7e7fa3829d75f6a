/** A local fake provider that records the exact bytes it receives and answers as scripted. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  rawHeaders: string[];
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Responder = (got: Received, res: http.ServerResponse, req: http.IncomingMessage) => void | Promise<void>;

export interface FakeUpstream {
  url: string;
  received: Received[];
  /** Requests whose connection closed before the response finished. */
  aborted: number;
  respond: Responder;
  close(): Promise<void>;
}

export async function startFakeUpstream(respond: Responder = defaultResponder): Promise<FakeUpstream> {
  const fake: FakeUpstream = { url: '', received: [], aborted: 0, respond, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got: Received = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, headers: req.headers, body: Buffer.concat(chunks) };
      fake.received.push(got);
      res.on('close', () => {
        if (!res.writableFinished) fake.aborted++;
      });
      void fake.respond(got, res, req);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
  return fake;
}

export const ANTHROPIC_JSON_REPLY = JSON.stringify({
  id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'Done.' }], stop_reason: 'end_turn', stop_sequence: null,
  usage: { input_tokens: 100, cache_creation_input_tokens: 20, cache_read_input_tokens: 300, output_tokens: 7 },
});

export function anthropicSse(text = 'Hello wörld — ok'): string {
  const ev = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  return [
    ev('message_start', { type: 'message_start', message: { id: 'msg_02', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 50, cache_creation_input_tokens: 0, cache_read_input_tokens: 900, output_tokens: 1 } } }),
    ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ev('ping', { type: 'ping' }),
    ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
    ev('content_block_stop', { type: 'content_block_stop', index: 0 }),
    ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12 } }),
    ev('message_stop', { type: 'message_stop' }),
  ].join('');
}

/** Answers JSON, or SSE when the request asked for a stream; the SSE is written in small odd chunks. */
export const defaultResponder: Responder = async (got, res) => {
  const stream = /"stream"\s*:\s*true/.test(got.body.toString('utf8'));
  if (got.url.startsWith('/v1/messages') && !stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_1' }).end(ANTHROPIC_JSON_REPLY);
    return;
  }
  if (stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const bytes = Buffer.from(anthropicSse(), 'utf8');
    for (let i = 0; i < bytes.length; i += 7) {
      res.write(bytes.subarray(i, i + 7));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [], path: got.url }));
};

/**
 * Wraps a responder so that requests arriving on a connection that already carried one are answered
 * by resetting the connection (TCP RST), as when a provider closes a pooled idle connection just as
 * the proxy reuses it; at most `times` such resets. `resets` counts them.
 */
export function resettingReusedConnections(inner: Responder, times = Infinity): Responder & { resets: number } {
  const requestsOn = new WeakMap<object, number>();
  const responder = Object.assign(
    (got: Received, res: http.ServerResponse, req: http.IncomingMessage) => {
      const n = (requestsOn.get(req.socket) ?? 0) + 1;
      requestsOn.set(req.socket, n);
      if (n > 1 && responder.resets < times) {
        responder.resets++;
        req.socket.resetAndDestroy();
        return;
      }
      return inner(got, res, req);
    },
    { resets: 0 },
  );
  return responder;
}
