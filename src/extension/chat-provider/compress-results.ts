/**
 * Compresses tool results in-process, for requests that go straight to the provider (with the
 * proxy running, it does this itself and accounts for it). Results are memoized by content so
 * every later turn sends identical bytes and the provider's prompt cache keeps hitting.
 */
import type { ChatMessage } from './types';

/** Compresses one tool output; the engine stores the original before returning markers. */
export type ToolOutputCompressor = (text: string, query: string | undefined) => string | Promise<string>;

export interface CompressStats {
  results: number;
  compressed: number;
  bytesIn: number;
  bytesOut: number;
}

export const MIN_BYTES = 1500;
const MEMO_LIMIT = 500;

/** The latest user text: what the agent is working on, which steers what the engine keeps. */
export function latestQuery(messages: ChatMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role !== 'user') continue;
    const text = m.parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n').trim();
    if (text) return text;
  }
  return undefined;
}

export class ToolResultCompressor {
  private readonly memo = new Map<string, string>();

  constructor(private readonly compress: ToolOutputCompressor, private readonly minBytes = MIN_BYTES) {}

  /** Returns new messages (the input is not modified) and what was done. */
  async apply(messages: ChatMessage[]): Promise<{ messages: ChatMessage[]; stats: CompressStats }> {
    const stats: CompressStats = { results: 0, compressed: 0, bytesIn: 0, bytesOut: 0 };
    // The question that was current when each result arrived stays fixed for that result (memo key = content),
    // so a result is compressed once and replayed identically.
    const query = latestQuery(messages);
    const out: ChatMessage[] = [];
    for (const m of messages) {
      const parts = [];
      for (const p of m.parts) {
        if (p.type !== 'tool_result') {
          parts.push(p);
          continue;
        }
        stats.results++;
        const bytes = Buffer.byteLength(p.content, 'utf8');
        stats.bytesIn += bytes;
        let text = p.content;
        if (bytes >= this.minBytes && !p.isError) text = await this.compressOnce(p.content, query);
        if (text !== p.content) stats.compressed++;
        stats.bytesOut += Buffer.byteLength(text, 'utf8');
        parts.push({ ...p, content: text });
      }
      out.push({ role: m.role, parts });
    }
    return { messages: out, stats };
  }

  private async compressOnce(content: string, query: string | undefined): Promise<string> {
    const hit = this.memo.get(content);
    if (hit !== undefined) return hit;
    let text = content;
    try {
      text = await this.compress(content, query);
      if (Buffer.byteLength(text, 'utf8') >= Buffer.byteLength(content, 'utf8')) text = content;
    } catch {
      text = content; // fail open
    }
    if (this.memo.size >= MEMO_LIMIT) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(content, text);
    return text;
  }
}
