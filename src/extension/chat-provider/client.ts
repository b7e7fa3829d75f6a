/**
 * Sends one chat request to the provider (through the proxy when it runs, else straight to the
 * upstream) and yields stream events. No vscode here: tested against a local fake upstream.
 */
import { anthropicEvents, anthropicHeaders, toAnthropicBody } from './anthropic';
import { openaiEvents, openaiHeaders, toOpenAIBody } from './openai';
import { parseSse } from './sse';
import { UpstreamError, type ChatEvent, type ChatRequest, type WireApi } from './types';

export const USER_AGENT = 'headroom-vscode-copilot-provider/0.1';

export interface SendOptions {
  api: WireApi;
  /** Origin of the proxy or the upstream, e.g. http://127.0.0.1:8787 or https://api.anthropic.com. */
  baseUrl: string;
  apiKey: string;
  request: ChatRequest;
  signal?: AbortSignal;
}

export function endpointFor(api: WireApi, baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${base}/v1/${api === 'anthropic' ? 'messages' : 'chat/completions'}`;
}

async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value) yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function errorMessage(status: number, body: string): string {
  let detail = body.slice(0, 500);
  try {
    const j = JSON.parse(body);
    detail = j?.error?.message ?? j?.message ?? detail;
  } catch {
    // not JSON: keep the text
  }
  return `the provider answered ${status}: ${detail}`;
}

export async function* sendChat(o: SendOptions): AsyncGenerator<ChatEvent> {
  const body = o.api === 'anthropic' ? toAnthropicBody(o.request) : toOpenAIBody(o.request);
  const headers = { ...(o.api === 'anthropic' ? anthropicHeaders(o.apiKey) : openaiHeaders(o.apiKey)), accept: 'text/event-stream', 'user-agent': USER_AGENT };
  const res = await fetch(endpointFor(o.api, o.baseUrl), { method: 'POST', headers, body: JSON.stringify(body), signal: o.signal });
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => '');
    throw new UpstreamError(res.status, errorMessage(res.status, text.split(o.apiKey).join('***')));
  }
  const events = parseSse(chunks(res.body));
  yield* o.api === 'anthropic' ? anthropicEvents(events) : openaiEvents(events);
}
