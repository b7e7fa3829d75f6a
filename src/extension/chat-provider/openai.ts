/** OpenAI Chat Completions: request body from neutral messages, and stream events from its SSE. */
import type { SseEvent } from './sse';
import { UpstreamError, type ChatEvent, type ChatRequest } from './types';

type Msg = Record<string, unknown>;

export function toOpenAIBody(req: ChatRequest): Record<string, unknown> {
  const messages: Msg[] = [];
  for (const m of req.messages) {
    if (m.role === 'system') {
      const text = m.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('\n\n');
      if (text) messages.push({ role: 'system', content: text });
    } else if (m.role === 'assistant') {
      const text = m.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('');
      const calls = m.parts.flatMap((p) => (p.type === 'tool_call' ? [{ id: p.id, type: 'function', function: { name: p.name, arguments: JSON.stringify(p.input ?? {}) } }] : []));
      if (!text && calls.length === 0) continue;
      messages.push({ role: 'assistant', content: text || null, ...(calls.length ? { tool_calls: calls } : {}) });
    } else {
      // Tool messages must directly follow the assistant message that called them.
      for (const p of m.parts) if (p.type === 'tool_result') messages.push({ role: 'tool', tool_call_id: p.callId, content: p.content });
      const content: Msg[] = [];
      for (const p of m.parts) {
        if (p.type === 'text' && p.text !== '') content.push({ type: 'text', text: p.text });
        else if (p.type === 'image') content.push({ type: 'image_url', image_url: { url: `data:${p.mimeType};base64,${Buffer.from(p.data).toString('base64')}` } });
      }
      if (content.length === 1 && content[0].type === 'text') messages.push({ role: 'user', content: content[0].text });
      else if (content.length > 0) messages.push({ role: 'user', content });
    }
  }
  const body: Record<string, unknown> = { model: req.model, messages, stream: true, stream_options: { include_usage: true }, max_completion_tokens: req.maxTokens };
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema ?? { type: 'object', properties: {} } } }));
    if (req.toolMode === 'required') body.tool_choice = 'required';
  }
  return body;
}

export function openaiHeaders(apiKey: string): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
}

/** Turns the Chat Completions SSE stream into text deltas, complete tool calls (assembled by index) and usage. */
export async function* openaiEvents(events: AsyncIterable<SseEvent>): AsyncGenerator<ChatEvent> {
  const calls = new Map<number, { id: string; name: string; args: string }>();
  function* flushCalls(): Generator<ChatEvent> {
    for (const [, c] of [...calls].sort((a, b) => a[0] - b[0])) yield { type: 'tool_call', id: c.id, name: c.name, input: c.args.trim() === '' ? {} : JSON.parse(c.args) };
    calls.clear();
  }
  for await (const e of events) {
    if (e.data === '[DONE]') break;
    let d: Record<string, any>;
    try {
      d = JSON.parse(e.data);
    } catch {
      continue;
    }
    if (d.error) throw new UpstreamError(500, `OpenAI stream error: ${d.error.message ?? JSON.stringify(d.error)}`);
    const choice = d.choices?.[0];
    const delta = choice?.delta;
    if (typeof delta?.content === 'string' && delta.content !== '') yield { type: 'text', text: delta.content };
    for (const tc of delta?.tool_calls ?? []) {
      const index = typeof tc.index === 'number' ? tc.index : calls.size;
      const c = calls.get(index) ?? { id: '', name: '', args: '' };
      if (tc.id) c.id = tc.id;
      if (tc.function?.name) c.name += tc.function.name;
      if (tc.function?.arguments) c.args += tc.function.arguments;
      calls.set(index, c);
    }
    if (choice?.finish_reason) {
      yield* flushCalls();
      yield { type: 'stop', reason: choice.finish_reason };
    }
    if (d.usage) yield { type: 'usage', inputTokens: d.usage.prompt_tokens, outputTokens: d.usage.completion_tokens };
  }
  yield* flushCalls();
}
