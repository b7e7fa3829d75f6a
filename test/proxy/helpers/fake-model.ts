/**
 * Fake models for retrieval tests: on a request that carries a marker, the model calls
 * headroom_retrieve for it (optionally together with a client tool); once the tool result is in
 * the conversation, it answers with text. One responder per API, streaming and JSON.
 */
import type { ServerResponse } from 'node:http';
import type { Received } from './fake-upstream';

export interface ModelScript {
  /** Also call a client tool in the same turn as the retrieval. */
  mixed?: boolean;
  /** Keep calling headroom_retrieve forever. */
  insist?: boolean;
  /** Ask for this hash instead of the marker's. */
  hash?: string;
  /** Never call headroom_retrieve. */
  never?: boolean;
  /** End streams cleanly but without their terminal event (message_stop, [DONE], response.completed). */
  truncate?: boolean;
}

const HASH_RE = /hash=([0-9a-f]{24})/;

/** Every SSE body the fake models sent, in order. */
export const sentStreams: Buffer[] = [];

let truncating = false;

function sse(res: ServerResponse, events: Array<[string | undefined, unknown]>): void {
  if (truncating) events = events.slice(0, -1);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const text = events.map(([e, d]) => `${e ? `event: ${e}\n` : ''}data: ${typeof d === 'string' ? d : JSON.stringify(d)}\n\n`).join('');
  const bytes = Buffer.from(text);
  sentStreams.push(bytes);
  // Odd-sized writes: events arrive split at arbitrary points.
  for (let i = 0; i < bytes.length; i += 61) res.write(bytes.subarray(i, i + 61));
  res.end();
}

/** The text of the latest retrieval answer in the request, if the conversation ends with one. */
function lastAnswer(body: any, api: 'anthropic' | 'chat' | 'responses'): string | undefined {
  if (api === 'anthropic') {
    const last = body.messages.at(-1);
    const block = Array.isArray(last?.content) ? last.content[0] : undefined;
    return block?.type === 'tool_result' && String(block.tool_use_id).startsWith('toolu_r') ? block.content : undefined;
  }
  if (api === 'chat') {
    const last = body.messages.at(-1);
    return last?.role === 'tool' && String(last.tool_call_id).startsWith('call_r') ? last.content : undefined;
  }
  const last = Array.isArray(body.input) ? body.input.at(-1) : undefined;
  return last?.type === 'function_call_output' && String(last.call_id).startsWith('call_r') ? last.output : undefined;
}

export function modelResponder(api: 'anthropic' | 'chat' | 'responses', script: ModelScript = {}) {
  let round = 0;
  return (got: Received, res: ServerResponse) => {
    const text = got.body.toString('utf8');
    const body = JSON.parse(text);
    const answer = lastAnswer(body, api);
    const hash = script.hash ?? HASH_RE.exec(text)?.[1] ?? '000000000000000000000000';
    const r = round++;
    const callRetrieve = !script.never && (script.insist || answer === undefined);
    const reply = answer === undefined ? 'Let me look.' : `Got ${answer.length} chars: ${answer.slice(0, 30)}`;
    truncating = !!script.truncate;
    if (api === 'anthropic') return anthropic(res, body.stream, r, reply, callRetrieve ? hash : undefined, script.mixed);
    if (api === 'chat') return chat(res, body.stream, r, reply, callRetrieve ? hash : undefined, script.mixed);
    return responses(res, body.stream, r, reply, callRetrieve ? hash : undefined, script.mixed);
  };
}

function anthropic(res: ServerResponse, stream: boolean, r: number, reply: string, hash: string | undefined, mixed?: boolean): void {
  const content: any[] = [{ type: 'text', text: reply }];
  if (hash) content.push({ type: 'tool_use', id: `toolu_r${r}`, name: 'headroom_retrieve', input: { hash } });
  if (hash && mixed) content.push({ type: 'tool_use', id: `toolu_c${r}`, name: 'Bash', input: { command: 'ls' } });
  const stop = hash ? 'tool_use' : 'end_turn';
  const usage = { input_tokens: 100 + r, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 10 + r };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `msg_${r}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content, stop_reason: stop, stop_sequence: null, usage }));
    return;
  }
  const ev: Array<[string, unknown]> = [['message_start', { type: 'message_start', message: { id: `msg_${r}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }]];
  content.forEach((b, index) => {
    if (b.type === 'text') {
      ev.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      ev.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } }]);
    } else {
      ev.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } }]);
      const json = JSON.stringify(b.input);
      ev.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(0, 5) } }]);
      ev.push(['ping', { type: 'ping' }]);
      ev.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(5) } }]);
    }
    ev.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  ev.push(['message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }]);
  ev.push(['message_stop', { type: 'message_stop' }]);
  sse(res, ev);
}

function chat(res: ServerResponse, stream: boolean, r: number, reply: string, hash: string | undefined, mixed?: boolean): void {
  const calls: any[] = [];
  if (hash) calls.push({ id: `call_r${r}`, type: 'function', function: { name: 'headroom_retrieve', arguments: JSON.stringify({ hash }) } });
  if (hash && mixed) calls.push({ id: `call_c${r}`, type: 'function', function: { name: 'run_in_terminal', arguments: '{"command":"ls"}' } });
  const finish = calls.length ? 'tool_calls' : 'stop';
  const usage = { prompt_tokens: 1000 + r, completion_tokens: 10 + r, total_tokens: 1010 + 2 * r, prompt_tokens_details: { cached_tokens: 800 } };
  const id = `chatcmpl-${r}`;
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: reply, ...(calls.length ? { tool_calls: calls } : {}) }, finish_reason: finish }], usage }));
    return;
  }
  const chunk = (delta: unknown, finish_reason: string | null = null) => [undefined, { id, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }], usage: null }] as [undefined, unknown];
  const ev: Array<[string | undefined, unknown]> = [chunk({ role: 'assistant', content: '' }), chunk({ content: reply })];
  calls.forEach((c, index) => {
    ev.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }));
    ev.push(chunk({ tool_calls: [{ index, function: { arguments: c.function.arguments } }] }));
  });
  ev.push(chunk({}, finish));
  ev.push([undefined, { id, object: 'chat.completion.chunk', choices: [], usage }]);
  ev.push([undefined, '[DONE]']);
  sse(res, ev);
}

function responses(res: ServerResponse, stream: boolean, r: number, reply: string, hash: string | undefined, mixed?: boolean): void {
  const output: any[] = [{ type: 'message', id: `msg_${r}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: reply, annotations: [] }] }];
  if (hash) output.push({ type: 'function_call', id: `fc_r${r}`, call_id: `call_r${r}`, name: 'headroom_retrieve', arguments: JSON.stringify({ hash }), status: 'completed' });
  if (hash && mixed) output.push({ type: 'function_call', id: `fc_c${r}`, call_id: `call_c${r}`, name: 'shell', arguments: '{"command":["ls"]}', status: 'completed' });
  const usage = { input_tokens: 2000 + r, input_tokens_details: { cached_tokens: 1500 }, output_tokens: 20 + r, total_tokens: 2020 + 2 * r };
  const response = { id: `resp_${r}`, object: 'response', status: 'completed', output, usage };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response));
    return;
  }
  let seq = 0;
  const e = (type: string, d: object): [string, unknown] => [type, { type, sequence_number: seq++, ...d }];
  const ev: Array<[string, unknown]> = [
    e('response.created', { response: { ...response, status: 'in_progress', output: [], usage: null } }),
    e('response.in_progress', { response: { id: response.id, status: 'in_progress' } }),
  ];
  output.forEach((item, i) => {
    if (item.type === 'message') {
      ev.push(e('response.output_item.added', { output_index: i, item: { ...item, content: [], status: 'in_progress' } }));
      ev.push(e('response.output_text.delta', { item_id: item.id, output_index: i, content_index: 0, delta: item.content[0].text }));
      ev.push(e('response.output_text.done', { item_id: item.id, output_index: i, content_index: 0, text: item.content[0].text }));
    } else {
      ev.push(e('response.output_item.added', { output_index: i, item: { ...item, arguments: '', status: 'in_progress' } }));
      ev.push(e('response.function_call_arguments.delta', { item_id: item.id, output_index: i, delta: item.arguments }));
      ev.push(e('response.function_call_arguments.done', { item_id: item.id, output_index: i, arguments: item.arguments }));
    }
    ev.push(e('response.output_item.done', { output_index: i, item }));
  });
  ev.push(e('response.completed', { response }));
  sse(res, ev);
}
