/** Per-API pieces of the retrieval loop. */
import type { Api } from '../extract';
import { formatEvent } from '../sse';
import { anthropicUsageOf, openaiUsage, type Usage } from '../usage';
import { AnthropicStitcher, anthropicJsonCalls, anthropicJsonContinuation, anthropicJsonMerge } from './anthropic';
import { ChatStitcher, chatJsonCalls, chatJsonContinuation, chatJsonMerge } from './chat';
import { ResponsesStitcher, responsesJsonCalls, responsesJsonContinuation, responsesJsonMerge } from './responses';
import type { Json, RetrieveAnswer, RetrieveCall, StreamStitcher } from './types';


export interface ApiAdapter {
  stitcher(): StreamStitcher;
  /** `cutShort`: the provider ended the turn before the model did (see CUT_SHORT); it is not continued. */
  jsonCalls(msg: Json): { calls: RetrieveCall[]; clientTools: boolean; cutShort: boolean };
  jsonContinuation(body: Buffer, msg: Json, answers: RetrieveAnswer[]): Buffer;
  jsonMerge(rounds: Json[], exhaustedCalls: boolean): Json;
  jsonUsage(msg: Json): Usage | undefined;
  /** An in-stream error event, for a continuation the upstream refused (`stitcher`: the stream's). */
  errorEvent(status: number, body: string, stitcher: StreamStitcher): Buffer;
}

function errorObject(status: number, body: string): Json {
  try {
    const parsed = JSON.parse(body);
    if (parsed?.error) return parsed.error;
  } catch {
    // fall through
  }
  return { type: status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error', message: `retrieval continuation failed with HTTP ${status}` };
}


export function apiAdapter(api: Api): ApiAdapter {
  if (api === 'anthropic') {
    return {
      stitcher: () => new AnthropicStitcher(),
      jsonCalls: anthropicJsonCalls,
      jsonContinuation: anthropicJsonContinuation,
      jsonMerge: anthropicJsonMerge,
      jsonUsage: (m) => (m.usage ? anthropicUsageOf(m.usage) : undefined),
      errorEvent: (status, body) => formatEvent('error', JSON.stringify({ type: 'error', error: errorObject(status, body) })),
    };
  }
  if (api === 'chat') {
    return {
      stitcher: () => new ChatStitcher(),
      jsonCalls: chatJsonCalls,
      jsonContinuation: chatJsonContinuation,
      jsonMerge: chatJsonMerge,
      jsonUsage: (m) => (m.usage ? openaiUsage(m.usage) : undefined),
      errorEvent: (status, body) => formatEvent(undefined, JSON.stringify({ error: errorObject(status, body) })),
    };
  }
  return {
    stitcher: () => new ResponsesStitcher(),
    jsonCalls: responsesJsonCalls,
    jsonContinuation: responsesJsonContinuation,
    jsonMerge: responsesJsonMerge,
    jsonUsage: (m) => (m.usage ? openaiUsage(m.usage) : undefined),
    // The Responses stream's error event: {type:"error", code, message, param, sequence_number}; the
    // error object's own `type` (e.g. invalid_request_error) must not replace the event's type.
    errorEvent: (status, body, stitcher) => {
      const err = errorObject(status, body);
      const seq = stitcher instanceof ResponsesStitcher ? stitcher.nextSequence() : undefined;
      const ev = { type: 'error', code: err.code ?? err.type ?? null, message: err.message ?? '', param: err.param ?? null, ...(seq !== undefined ? { sequence_number: seq } : {}) };
      return formatEvent('error', JSON.stringify(ev));
    },
  };
}
