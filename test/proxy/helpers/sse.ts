import type { ServerResponse } from 'node:http';
import { SseSplitter } from '../../../src/proxy/sse';

/** The events of an SSE body, data parsed as JSON (`[DONE]` kept as is). */
export function sseEvents(buf: Buffer): Array<{ event?: string; data: any }> {
  return new SseSplitter().push(buf).map((e) => ({ event: e.event, data: e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data) }));
}

/** Writes events as an SSE response in odd-sized pieces, so events arrive split at arbitrary points. */
export function writeSse(res: ServerResponse, evs: Array<[string | undefined, unknown]>, piece = 61): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const bytes = Buffer.from(evs.map(([e, d]) => `${e ? `event: ${e}\n` : ''}data: ${typeof d === 'string' ? d : JSON.stringify(d)}\n\n`).join(''));
  for (let i = 0; i < bytes.length; i += piece) res.write(bytes.subarray(i, i + piece));
  res.end();
}
