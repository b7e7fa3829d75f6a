/** Shared shapes of the retrieval loop: calls the model made, answers we give, and per-API stitchers. */
import type { SseEvent } from '../sse';
import type { Usage } from '../usage';

/** A provider payload, read field by field as sent. */
export type Json = Record<string, any>;

/** An event's JSON data, or undefined when it is not JSON (such events are passed through as they are). */
export function eventJson(data: string): Json | undefined {
  try {
    return JSON.parse(data) as Json;
  } catch {
    return undefined;
  }
}

export interface RetrieveCall {
  /** tool_use id / tool_call id / call_id. */
  id: string;
  hash: string;
  /** Its arguments are not whole JSON: the provider ended the turn mid-call (an owed call of an incomplete response). */
  cut?: boolean;
}

export interface RetrieveAnswer {
  id: string;
  text: string;
  miss: boolean;
}

/** How a streamed round ended. */
export type RoundEnd =
  /** The stitcher wrote the closing events; the client's response is complete. */
  | { kind: 'finished' }
  /** Only retrieval calls: answer them and continue upstream. */
  | { kind: 'continue'; calls: RetrieveCall[] }
  /** The upstream stream ended without its terminal event. */
  | { kind: 'truncated' };

/**
 * Turns a sequence of upstream rounds (SSE) into one client stream. Events of ordinary content are
 * forwarded as they arrive (raw bytes when nothing about them changes); only the retrieve call's
 * events and the round's closing events are held until the round's outcome is known.
 */
export interface StreamStitcher {
  onEvent(ev: SseEvent, write: (b: Buffer) => void): void;
  /** `mayContinue` is false once the round limit is reached (calls are then dropped). */
  endRound(write: (b: Buffer) => void, mayContinue: boolean): RoundEnd;
  /** The next upstream body: the current one plus this round's assistant turn and the answers. */
  continuation(body: Buffer, answers: RetrieveAnswer[]): Buffer;
  /** Starts a new round (continuation stream). */
  nextRound(): void;
  /** Usage of the first round, and of all later rounds together. */
  firstUsage?: Usage;
  laterUsage?: Usage;
  /** Set when the final round's retrieve calls were dropped unanswered: that round's response id (Responses) and the calls. */
  unanswered?: { responseId?: string; calls: RetrieveCall[] };
}

/**
 * A round the provider ended before the model finished its turn: out of output tokens (Anthropic
 * `max_tokens`, `model_context_window_exceeded`; Chat `length`), or stopped by a filter or refusal.
 * A retrieve call in such a round may be cut off mid-input, and the turn was not the model's to end:
 * the proxy does not continue it, and the client sees the provider's ending (without the call).
 */
export const CUT_SHORT = new Set(['max_tokens', 'model_context_window_exceeded', 'refusal', 'length', 'content_filter']);

/** Arguments that are not whole JSON (a call cut off mid-input). */
export function cutOff(json: string): boolean {
  try {
    JSON.parse(json || '{}');
    return false;
  } catch {
    return true;
  }
}

export function parseRetrieveInput(json: string): string {
  try {
    const v = JSON.parse(json || '{}') as { hash?: unknown };
    return typeof v.hash === 'string' ? v.hash.trim() : '';
  } catch {
    return '';
  }
}

export function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (!b) return a;
  if (!a) return { ...b };
  return { input: a.input + b.input, output: a.output + b.output, cacheRead: a.cacheRead + b.cacheRead, cacheWrite: a.cacheWrite + b.cacheWrite };
}
