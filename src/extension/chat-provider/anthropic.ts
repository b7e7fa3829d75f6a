/** Anthropic Messages: request body from neutral messages, and stream events from its SSE. */
import type { SseEvent } from './sse';
import { UpstreamError, type ChatEvent, type ChatMessage, type ChatPart, type ChatRequest } from './types';

type Block = Record<string, unknown>;

function userBlocks(parts: ChatPart[]): Block[] {
  // Tool results must open the user turn that follows the assistant's tool calls.
  const results: Block[] = [];
  const rest: Block[] = [];
  for (const p of parts) {
    if (p.type === 'tool_result') results.push({ type: 'tool_result', tool_use_id: p.callId, content: p.content, ...(p.isError ? { is_error: true } : {}) });
    else if (p.type === 'text' && p.text !== '') rest.push({ type: 'text', text: p.text });
    else if (p.type === 'image') rest.push({ type: 'image', source: { type: 'base64', media_type: p.mimeType, data: Buffer.from(p.data).toString('base64') } });
  }
  return [...results, ...rest];
}

function assistantBlocks(parts: ChatPart[]): Block[] {
  const out: Block[] = [];
  for (const p of parts) {
    if (p.type === 'text' && p.text !== '') out.push({ type: 'text', text: p.text });
    else if (p.type === 'tool_call') out.push({ type: 'tool_use', id: p.id, name: p.name, input: p.input ?? {} });
  }
  return out;
}

export function toAnthropicBody(req: ChatRequest): Record<string, unknown> {
  const system = req.messages.filter((m) => m.role === 'system').flatMap((m) => m.parts).filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('\n\n');
  const messages: Array<{ role: 'user' | 'assistant'; content: Block[] }> = [];
  for (const m of req.messages) {
    if (m.role === 'system') continue;
    const content = m.role === 'user' ? userBlocks(m.parts) : assistantBlocks(m.parts);
    if (content.length === 0) continue;
    const last = messages[messages.length - 1];
    if (last && last.role === m.role) last.content.push(...content);
    else messages.push({ role: m.role, content });
  }
  const body: Record<string, unknown> = { model: req.model, max_tokens: req.maxTokens, stream: true };
  if (system) body.system = system;
  body.messages = messages;
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema ?? { type: 'object', properties: {} } }));
    if (req.toolMode === 'required') body.tool_choice = { type: 'any' };
  }
  return body;
}

export function anthropicHeaders(apiKey: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' };
}

/** Turns the Messages SSE stream into text deltas, complete tool calls and usage. */
export async function* anthropicEvents(events: AsyncIterable<SseEvent>): AsyncGenerator<ChatEvent> {
  const tools = new Map<number, { id: string; name: string; json: string }>();
  for await (const e of events) {
    let d: Record<string, any>;
    try {
      d = JSON.parse(e.data);
    } catch {
      continue;
    }
    switch (d.type) {
      case 'message_start':
        yield { type: 'usage', inputTokens: d.message?.usage?.input_tokens };
        break;
      case 'content_block_start':
        if (d.content_block?.type === 'tool_use') tools.set(d.index, { id: d.content_block.id, name: d.content_block.name, json: '' });
        else if (d.content_block?.type === 'text' && d.content_block.text) yield { type: 'text', text: d.content_block.text };
        break;
      case 'content_block_delta':
        if (d.delta?.type === 'text_delta') yield { type: 'text', text: d.delta.text };
        else if (d.delta?.type === 'input_json_delta') {
          const t = tools.get(d.index);
          if (t) t.json += d.delta.partial_json ?? '';
        }
        break;
      case 'content_block_stop': {
        const t = tools.get(d.index);
        if (t) {
          tools.delete(d.index);
          yield { type: 'tool_call', id: t.id, name: t.name, input: t.json.trim() === '' ? {} : JSON.parse(t.json) };
        }
        break;
      }
      case 'message_delta':
        if (d.usage?.output_tokens !== undefined) yield { type: 'usage', outputTokens: d.usage.output_tokens };
        if (d.delta?.stop_reason) yield { type: 'stop', reason: d.delta.stop_reason };
        break;
      case 'error':
        throw new UpstreamError(500, `Anthropic stream error: ${d.error?.type ?? ''} ${d.error?.message ?? ''}`.trim());
    }
  }
}

export type { ChatMessage };
