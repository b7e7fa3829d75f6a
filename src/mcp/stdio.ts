/**
 * MCP over stdio, one JSON-RPC message per line, answering what the SDK's stdio transport drops:
 * a line that is not JSON gets -32700 and one that is not a JSON-RPC message -32600 (the SDK's
 * transport reports both to nobody and the client waits for ever), a request whose params do not fit
 * its method -32602 (`check`), a batch (JSON-RPC arrays, allowed up to protocol 2025-03-26) one array
 * of replies, and a message over the SDK's 10 MB read limit an error instead of the server closing.
 * When stdin ends, the requests still running are answered before the transport closes.
 */
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage, type JSONRPCRequest, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/** A JSON-RPC error a request is answered with before it reaches the server. */
export interface RequestFault {
  code: number;
  message: string;
}

export interface LineTransportOptions {
  /** Refuses a request (e.g. params that do not fit its method) with a JSON-RPC error. */
  check?: (request: JSONRPCRequest) => RequestFault | undefined;
  /** The longest message read, in bytes (default 256 MiB). */
  maxMessageBytes?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

type Id = RequestId | null;
const key = (id: RequestId) => `${typeof id}:${id}`;
const isId = (v: unknown): v is RequestId => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/** The id of a message too large to parse, when it leads the line as clients write it. */
function leadingId(head: string): Id {
  const m = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)\s*[,}]/.exec(head);
  if (!m) return null;
  try {
    const id: unknown = JSON.parse(m[1]);
    return isId(id) ? id : null;
  } catch {
    return null;
  }
}

interface Batch {
  waiting: Set<string>;
  replies: JSONRPCMessage[];
}

export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes of a message over the limit are skipped up to its newline. */
  private skipping: { id: Id; bytes: number } | null = null;
  /** Requests received and not answered yet. */
  private open = new Set<string>();
  /** Requests that came in a batch: their replies go out together. */
  private batchOf = new Map<string, Batch>();
  private ended = false;
  private closed = false;
  private readonly maxBytes: number;

  constructor(
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
    private readonly options: LineTransportOptions = {},
  ) {
    this.maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  async start(): Promise<void> {
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('error', this.onInputError);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('error', this.onInputError);
    this.input.pause();
    this.chunks = [];
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if ('id' in message && isId(message.id) && !('method' in message)) {
      const k = key(message.id);
      this.open.delete(k);
      const batch = this.batchOf.get(k);
      if (batch) {
        this.batchOf.delete(k);
        batch.replies.push(message);
        batch.waiting.delete(k);
        const done = batch.waiting.size === 0 ? this.write(batch.replies) : Promise.resolve();
        this.closeIfDone();
        return done;
      }
    }
    const done = this.write(message);
    this.closeIfDone();
    return done;
  }

  private write(payload: JSONRPCMessage | JSONRPCMessage[]): Promise<void> {
    return new Promise((resolve) => {
      // A client that went away (EPIPE) is not waited for: the write callback still fires.
      this.output.write(JSON.stringify(payload) + '\n', () => resolve());
    });
  }

  private closeIfDone(): void {
    if (this.ended && this.open.size === 0) void this.close();
  }

  private onInputError = (error: Error) => {
    this.onerror?.(error);
  };

  private onEnd = () => {
    this.ended = true;
    // A last line without its newline is still a message.
    if (this.size > 0) this.line(Buffer.concat(this.chunks, this.size));
    this.chunks = [];
    this.size = 0;
    this.closeIfDone();
  };

  private onData = (chunk: Buffer | string) => {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    while (buf.length > 0) {
      const nl = buf.indexOf(0x0a);
      const part = nl === -1 ? buf : buf.subarray(0, nl);
      if (this.skipping) {
        this.skipping.bytes += part.length;
      } else if (this.size + part.length > this.maxBytes) {
        const head = Buffer.concat([...this.chunks, part]).subarray(0, 512).toString('utf8');
        this.skipping = { id: leadingId(head), bytes: this.size + part.length };
        this.chunks = [];
        this.size = 0;
      } else {
        this.chunks.push(part);
        this.size += part.length;
      }
      if (nl === -1) break;
      buf = buf.subarray(nl + 1);
      if (this.skipping) {
        const { id, bytes } = this.skipping;
        this.skipping = null;
        void this.write(this.fault(id, ErrorCode.InvalidRequest, `Message of ${bytes} bytes is over the ${this.maxBytes}-byte limit`));
      } else {
        const line = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
        this.chunks = [];
        this.size = 0;
        this.line(line);
      }
    }
  };

  private fault(id: Id, code: number, message: string): JSONRPCMessage {
    return { jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage;
  }

  private line(bytes: Buffer): void {
    const text = bytes.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      void this.write(this.fault(null, ErrorCode.ParseError, `Parse error: ${(e as Error).message}`));
      return;
    }
    if (!Array.isArray(value)) {
      const fault = this.accept(value);
      if (fault) void this.write(fault);
      return;
    }
    if (value.length === 0) {
      void this.write(this.fault(null, ErrorCode.InvalidRequest, 'Invalid Request: empty batch'));
      return;
    }
    const batch: Batch = { waiting: new Set(), replies: [] };
    // Every request of the batch is registered before any is handled, so no reply goes out alone.
    for (const item of value) {
      const id = (item as { id?: unknown } | null)?.id;
      if (isId(id) && typeof (item as { method?: unknown }).method === 'string') {
        batch.waiting.add(key(id));
        this.batchOf.set(key(id), batch);
      }
    }
    for (const item of value) {
      const fault = this.accept(item);
      if (!fault) continue;
      const id = (fault as { id: Id }).id;
      if (id !== null) {
        batch.waiting.delete(key(id));
        this.batchOf.delete(key(id));
      }
      batch.replies.push(fault);
    }
    if (batch.waiting.size === 0 && batch.replies.length > 0) void this.write(batch.replies);
  }

  /** Hands one message to the server, or returns the error that answers it. */
  private accept(value: unknown): JSONRPCMessage | undefined {
    const obj = value as { method?: unknown; result?: unknown; error?: unknown } | null;
    // A reply from the client (this server sends no requests) is never answered: two peers would loop.
    if (obj && typeof obj === 'object' && obj.method === undefined && (obj.result !== undefined || obj.error !== undefined)) {
      if (!JSONRPCMessageSchema.safeParse(value).success) {
        this.onerror?.(new Error('Ignored an invalid JSON-RPC response from the client'));
        return undefined;
      }
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    const rawId = (value as { id?: unknown } | null)?.id;
    const id: Id = isId(rawId) ? rawId : null;
    if (!parsed.success) {
      // An invalid notification (no id) is answered too: JSON-RPC cannot tell it from a request.
      return this.fault(id, ErrorCode.InvalidRequest, 'Invalid Request: not a JSON-RPC 2.0 message');
    }
    const message = parsed.data as JSONRPCMessage;
    if ('method' in message && 'id' in message) {
      const fault = this.options.check?.(message as JSONRPCRequest);
      if (fault) return this.fault(message.id, fault.code, fault.message);
      this.open.add(key(message.id));
    } else if ('method' in message && message.method === 'notifications/cancelled') {
      // A cancelled request gets no reply: its batch and the end of input must not wait for one.
      const cancelled = (message.params as { requestId?: unknown } | undefined)?.requestId;
      if (isId(cancelled)) this.settleCancelled(key(cancelled));
    }
    try {
      this.onmessage?.(message);
    } catch (e) {
      this.onerror?.(e as Error);
    }
    return undefined;
  }

  private settleCancelled(k: string): void {
    this.open.delete(k);
    const batch = this.batchOf.get(k);
    if (batch) {
      this.batchOf.delete(k);
      batch.waiting.delete(k);
      if (batch.waiting.size === 0 && batch.replies.length > 0) void this.write(batch.replies);
    }
    this.closeIfDone();
  }
}
