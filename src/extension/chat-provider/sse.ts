/** Server-sent events from a byte stream: one {event, data} per blank-line-terminated block. */

export interface SseEvent {
  event: string;
  data: string;
}

export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  const flush = (): SseEvent | undefined => {
    const out = data.length > 0 ? { event: event || 'message', data: data.join('\n') } : undefined;
    event = '';
    data = [];
    return out;
  };
  const lines = function* (final: boolean) {
    for (;;) {
      const nl = buffer.indexOf('\n');
      if (nl < 0) break;
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      yield line;
    }
    if (final && buffer.length > 0) {
      const rest = buffer;
      buffer = '';
      yield rest;
    }
  };
  const handle = (line: string): SseEvent | undefined => {
    if (line === '') return flush();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    return undefined;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (const line of lines(false)) {
      const e = handle(line);
      if (e) yield e;
    }
  }
  buffer += decoder.decode();
  for (const line of lines(true)) {
    const e = handle(line);
    if (e) yield e;
  }
  const last = flush();
  if (last) yield last;
}
