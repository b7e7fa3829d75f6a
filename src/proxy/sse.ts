/**
 * Server-sent events split on bytes: chunks may end anywhere (inside a multi-byte UTF-8 character
 * too), so events are cut at blank lines in the byte stream and decoded only once complete.
 */

export interface SseEvent {
  /** The event's bytes including its terminating blank line, exactly as received. */
  raw: Buffer;
  event?: string;
  data: string;
}

export class SseSplitter {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: Buffer): SseEvent[] {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const events: SseEvent[] = [];
    let start = 0;
    let i = 0;
    while (i < buf.length) {
      const nl = buf.indexOf(0x0a, i);
      if (nl === -1) break;
      // A blank line: "\n\n" or "\n\r\n".
      let endOfEvent = -1;
      if (buf[nl + 1] === 0x0a) endOfEvent = nl + 2;
      else if (buf[nl + 1] === 0x0d && buf[nl + 2] === 0x0a) endOfEvent = nl + 3;
      if (endOfEvent !== -1) {
        events.push(parseEvent(buf.subarray(start, endOfEvent)));
        start = endOfEvent;
        i = endOfEvent;
      } else {
        if (nl + 1 >= buf.length || (buf[nl + 1] === 0x0d && nl + 2 >= buf.length)) break;
        i = nl + 1;
      }
    }
    this.pending = start < buf.length ? Buffer.from(buf.subarray(start)) : Buffer.alloc(0);
    return events;
  }

  /** Bytes received after the last complete event. */
  rest(): Buffer {
    return this.pending;
  }
}

function parseEvent(raw: Buffer): SseEvent {
  const text = raw.toString('utf8');
  let event: string | undefined;
  const data: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return { raw, event, data: data.join('\n') };
}

/** Formats one event the way providers send them. */
export function formatEvent(event: string | undefined, data: string): Buffer {
  return Buffer.from(`${event ? `event: ${event}\n` : ''}data: ${data}\n\n`, 'utf8');
}
