/** The provider's reported usage, read from a copy of the response (JSON body or SSE stream). */
import type { Transform } from 'node:stream';
import { MAX_DECODED_RESPONSE_BYTES, responseDecoder, responseEncoding } from './body';
import type { Provider } from './routes';
import { SseSplitter } from './sse';

export interface Usage {
  /** Uncached input tokens. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

type Json = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' ? (v as Json) : undefined);

/** Merges an Anthropic usage object (message_start or cumulative message_delta) into u. */
function anthropicUsage(u: Usage, raw: Json): void {
  u.input = num(raw.input_tokens) ?? u.input;
  u.output = num(raw.output_tokens) ?? u.output;
  u.cacheRead = num(raw.cache_read_input_tokens) ?? u.cacheRead;
  u.cacheWrite = num(raw.cache_creation_input_tokens) ?? u.cacheWrite;
}

/** Usage from an OpenAI usage object (Chat Completions or Responses field names). */
export function openaiUsage(raw: Json): Usage {
  const prompt = num(raw.prompt_tokens) ?? num(raw.input_tokens) ?? 0;
  const details = obj(raw.prompt_tokens_details) ?? obj(raw.input_tokens_details);
  const cached = num(details?.cached_tokens) ?? 0;
  return { input: Math.max(0, prompt - cached), output: num(raw.completion_tokens) ?? num(raw.output_tokens) ?? 0, cacheRead: cached, cacheWrite: 0 };
}

/** Usage from one Anthropic usage object (absent fields count 0). */
export function anthropicUsageOf(raw: Json): Usage {
  const u: Usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  anthropicUsage(u, raw);
  return u;
}

export function usageFromJson(provider: Provider, body: Json): Usage | undefined {
  const raw = obj(body.usage) ?? obj(obj(body.response)?.usage);
  if (!raw) return undefined;
  return provider === 'anthropic' ? anthropicUsageOf(raw) : openaiUsage(raw);
}

/**
 * Follows a stream's events and keeps the latest usage figures. A content-encoded stream is read
 * through a decoder fed with the chunks (the bytes forwarded are not touched), up to
 * MAX_DECODED_RESPONSE_BYTES decoded like every provider response the proxy reads; its figures
 * are final once end() resolves.
 */
export class UsageTee {
  usage?: Usage;
  /** The stream reached its terminal event (message_stop, [DONE], response.completed...). */
  completed = false;
  /** An encoded stream the proxy could not read (unknown encoding, corrupt, or past the cap): nothing is known of it. */
  unreadable = false;
  private readonly splitter = new SseSplitter();
  /** Read through a decoder: the figures are known only once end() resolves. */
  get decoding(): boolean {
    return this.decoder !== undefined;
  }
  private readonly decoder?: Transform;
  private decoded = 0;
  private readonly ended: Promise<void> = Promise.resolve();

  constructor(private readonly provider: Provider, encoding?: string) {
    if (responseEncoding(encoding) === '') return;
    const decoder = responseDecoder(encoding);
    if (!decoder) {
      this.unreadable = true;
      return;
    }
    this.decoder = decoder;
    decoder.on('data', (c: Buffer) => {
      this.decoded += c.length;
      if (this.decoded > MAX_DECODED_RESPONSE_BYTES) this.giveUp();
      else this.read(c);
    });
    this.ended = new Promise((resolve) => {
      decoder.on('end', resolve);
      decoder.on('close', resolve);
      decoder.on('error', () => {
        this.unreadable = true;
        resolve();
      });
    });
  }

  push(chunk: Buffer): void {
    if (!this.decoder) this.read(chunk);
    else if (!this.unreadable) this.decoder.write(chunk);
  }

  /** Resolves once every chunk pushed has been read (at once for a stream that is not encoded). */
  end(): Promise<void> {
    if (this.decoder && !this.unreadable) this.decoder.end();
    return this.ended;
  }

  /** Stops reading (the stream broke off, or decoded past the cap). */
  giveUp(): void {
    this.unreadable = true;
    this.decoder?.destroy();
  }

  private read(chunk: Buffer): void {
    for (const ev of this.splitter.push(chunk)) this.onEvent(ev.event, ev.data);
  }

  onEvent(event: string | undefined, data: string): void {
    if (data === '[DONE]') {
      this.completed = true;
      return;
    }
    if (event === 'message_stop' || event === 'response.completed' || event === 'response.incomplete' || event === 'response.failed') this.completed = true;
    if (!data.includes('"usage"')) return;
    let json: Json;
    try {
      json = JSON.parse(data) as Json;
    } catch {
      return;
    }
    if (this.provider === 'anthropic') {
      const raw = obj(json.usage) ?? obj(obj(json.message)?.usage);
      if (!raw) return;
      this.usage ??= { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
      anthropicUsage(this.usage, raw);
      return;
    }
    const raw = obj(json.usage) ?? obj(obj(json.response)?.usage);
    if (raw) this.usage = openaiUsage(raw);
  }
}
