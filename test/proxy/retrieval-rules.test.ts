/**
 * Retrieval continuations checked against provider rules that the scripted fake models do not
 * hold requests to: each fake here refuses a continuation the way the provider would (status and
 * error shape), so a continuation the provider would refuse fails the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startHarness, post } from './helpers/harness';
import type { Received } from './helpers/fake-upstream';
import { bigLog } from './helpers/fixtures';
import { sseEvents as events, writeSse } from './helpers/sse';

const HASH_RE = /hash=([0-9a-f]{24})/;

// ---------------------------------------------------------------------------------------------
// OpenAI Responses: with store:false nothing is kept server-side, so a reasoning item can only be
// sent back with its encrypted_content; one without it is looked up by id and refused (404
// "Item with id 'rs_…' not found. Items are not persisted when `store` is set to false.").

function responsesBody(stream: boolean, include: boolean): string {
  return JSON.stringify({
    model: 'gpt-5', ...(stream ? { stream: true } : {}), store: false,
    ...(include ? { include: ['reasoning.encrypted_content'] } : {}),
    tools: [{ type: 'function', name: 'shell', parameters: { type: 'object' } }],
    input: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What failed?' }] },
      { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: bigLog(500, 11) },
    ],
  });
}

function responsesProvider(clientCall?: Record<string, unknown>) {
  let round = 0;
  return (got: Received, res: ServerResponse) => {
    const text = got.body.toString('utf8');
    const body = JSON.parse(text);
    const input: any[] = Array.isArray(body.input) ? body.input : [];
    if (body.store === false) {
      const bad = input.find((i) => i.type === 'reasoning' && !i.encrypted_content);
      if (bad) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Item with id '${bad.id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`, type: 'invalid_request_error', param: 'input', code: null } }));
        return;
      }
    }
    const outputs: Set<string> = new Set(input.filter((i) => /_call_output$/.test(i.type)).map((i) => i.call_id));
    const unanswered = input.find((i) => /_call$/.test(i.type) && i.call_id && !outputs.has(i.call_id));
    if (unanswered) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `No tool output found for function call ${unanswered.call_id}.`, type: 'invalid_request_error', param: 'input', code: null } }));
      return;
    }
    const r = round++;
    const answered = input.some((i) => i.type === 'function_call_output' && i.call_id === 'call_r0');
    const encrypted = (body.include ?? []).includes('reasoning.encrypted_content');
    const reasoning = { type: 'reasoning', id: `rs_${r}`, summary: [], ...(encrypted ? { encrypted_content: `gAAAAB${r}` } : {}) };
    const output: any[] = answered
      ? [{ type: 'message', id: `msg_${r}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Found it.', annotations: [] }] }]
      : [reasoning, { type: 'function_call', id: `fc_r${r}`, call_id: `call_r${r}`, name: 'headroom_retrieve', arguments: JSON.stringify({ hash: HASH_RE.exec(text)?.[1] }), status: 'completed' }, ...(clientCall ? [clientCall] : [])];
    const usage = { input_tokens: 100, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, total_tokens: 105 };
    const response = { id: `resp_${r}`, object: 'response', status: 'completed', store: body.store, output, usage };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response));
      return;
    }
    let seq = 0;
    const e = (type: string, d: object): [string, unknown] => [type, { type, sequence_number: seq++, ...d }];
    const evs: Array<[string, unknown]> = [e('response.created', { response: { ...response, status: 'in_progress', output: [], usage: null } })];
    output.forEach((item, i) => {
      evs.push(e('response.output_item.added', { output_index: i, item: item.type === 'message' ? { ...item, content: [] } : item }));
      evs.push(e('response.output_item.done', { output_index: i, item }));
    });
    evs.push(e('response.completed', { response }));
    writeSse(res, evs, 53);
  };
}

for (const stream of [true, false]) {
  test(`responses ${stream ? 'stream' : 'JSON'}, store:false without encrypted reasoning: the continuation is one the provider accepts`, async () => {
    const h = await startHarness({ respond: responsesProvider() });
    try {
      const r = await post(`${h.proxy.url}/v1/responses`, responsesBody(stream, false), { authorization: 'Bearer sk-test' });
      await h.proxy.settled();
      assert.equal(h.upstream.received.length, 2);
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.ok(!text.includes('not persisted'), text);
      assert.ok(text.includes('Found it.'), text);
      assert.ok(!text.includes('headroom_retrieve'));
      if (stream) assert.equal(events(r.body).at(-1)!.event, 'response.completed');
    } finally {
      await h.close();
    }
  });

  test(`responses ${stream ? 'stream' : 'JSON'}, store:false with encrypted reasoning: the reasoning item goes back with the call`, async () => {
    const h = await startHarness({ respond: responsesProvider() });
    try {
      const r = await post(`${h.proxy.url}/v1/responses`, responsesBody(stream, true), { authorization: 'Bearer sk-test' });
      await h.proxy.settled();
      assert.equal(r.status, 200, r.body.toString('utf8'));
      const input = JSON.parse(h.upstream.received[1].body.toString('utf8')).input;
      assert.deepEqual(input.slice(3).map((i: any) => i.type), ['reasoning', 'function_call', 'function_call_output']);
      assert.equal(input[3].encrypted_content, 'gAAAAB0');
      assert.ok(r.body.toString('utf8').includes('Found it.'));
    } finally {
      await h.close();
    }
  });
}

test('responses stream: a continuation the provider refuses ends the stream with a Responses error event (type "error", next sequence number)', async () => {
  const model = responsesProvider();
  let n = 0;
  const h = await startHarness({
    respond: (got, res) => {
      if (n++ === 0) return model(got, res);
      res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Rate limit reached for gpt-5.', type: 'requests', param: null, code: 'rate_limit_exceeded' } }));
    },
  });
  try {
    const r = await post(`${h.proxy.url}/v1/responses`, responsesBody(true, true), { authorization: 'Bearer sk-test' });
    await h.proxy.settled();
    const evs = events(r.body);
    const last = evs.at(-1)!;
    assert.equal(last.event, 'error');
    assert.equal(last.data.type, 'error', 'the event names its own type');
    assert.equal(last.data.code, 'rate_limit_exceeded');
    assert.equal(last.data.message, 'Rate limit reached for gpt-5.');
    assert.equal(last.data.sequence_number, evs.at(-2)!.data.sequence_number + 1);
  } finally {
    await h.close();
  }
});

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible Chat upstreams with thinking: Moonshot (Kimi) refuses an assistant tool-call
// message sent back without its reasoning_content (400 "thinking is enabled but reasoning_content
// is missing in assistant tool call message at index N"); Gemini refuses a tool call sent back
// without the thought signature it came with (tool_calls[].extra_content.google.thought_signature).

function chatBody(stream: boolean): string {
  return JSON.stringify({
    model: 'kimi-k2-thinking', ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    tools: [{ type: 'function', function: { name: 'run_in_terminal', parameters: { type: 'object' } } }],
    messages: [
      { role: 'user', content: 'What failed?' },
      { role: 'assistant', content: null, reasoning_content: 'Read the log.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'run_in_terminal', arguments: '{}' }, extra_content: { google: { thought_signature: 'sig_1' } } }] },
      { role: 'tool', tool_call_id: 'call_1', content: bigLog(500, 11) },
    ],
  });
}

function chatThinkingProvider() {
  let round = 0;
  return (got: Received, res: ServerResponse) => {
    const text = got.body.toString('utf8');
    const body = JSON.parse(text);
    const refuse = (message: string): void => {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
    };
    for (const [i, m] of (body.messages as any[]).entries()) {
      if (m.role !== 'assistant' || !m.tool_calls?.length) continue;
      if (typeof m.reasoning_content !== 'string' || !m.reasoning_content) return refuse(`thinking is enabled but reasoning_content is missing in assistant tool call message at index ${i}`);
      for (const tc of m.tool_calls) if (!tc.extra_content?.google?.thought_signature) return refuse(`Function call is missing a thought_signature in functionCall parts. (message ${i}, call ${tc.id})`);
      const ids = new Set(body.messages.slice(i + 1).filter((x: any) => x.role === 'tool').map((x: any) => x.tool_call_id));
      for (const tc of m.tool_calls) if (!ids.has(tc.id)) return refuse(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${tc.id}`);
    }
    const r = round++;
    const answered = body.messages.at(-1)?.tool_call_id === 'call_r0';
    const hash = HASH_RE.exec(text)?.[1];
    const usage = { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010 };
    const id = `chatcmpl-${r}`;
    const reasoning = answered ? 'Now I can answer.' : 'I need the full log.';
    const call = { id: 'call_r0', type: 'function', function: { name: 'headroom_retrieve', arguments: JSON.stringify({ hash }) }, extra_content: { google: { thought_signature: 'sig_r0' } } };
    if (!body.stream) {
      const message = answered ? { role: 'assistant', content: 'Found it.', reasoning_content: reasoning } : { role: 'assistant', content: null, reasoning_content: reasoning, tool_calls: [call] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: answered ? 'stop' : 'tool_calls' }], usage }));
      return;
    }
    const chunk = (delta: unknown, finish_reason: string | null = null): [undefined, unknown] => [undefined, { id, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }] }];
    const evs: Array<[undefined, unknown]> = [chunk({ role: 'assistant', content: null, reasoning_content: reasoning.slice(0, 6) }), chunk({ reasoning_content: reasoning.slice(6) })];
    if (answered) evs.push(chunk({ content: 'Found it.' }), chunk({}, 'stop'));
    else {
      evs.push(chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' }, extra_content: call.extra_content }] }));
      evs.push(chunk({ tool_calls: [{ index: 0, function: { arguments: call.function.arguments } }] }), chunk({}, 'tool_calls'));
    }
    evs.push([undefined, { id, object: 'chat.completion.chunk', choices: [], usage }], [undefined, '[DONE]']);
    writeSse(res, evs, 53);
  };
}

for (const stream of [true, false]) {
  test(`chat ${stream ? 'stream' : 'JSON'} with a thinking upstream: the continuation carries reasoning_content and the calls' thought signatures`, async () => {
    const h = await startHarness({ respond: chatThinkingProvider() });
    try {
      const r = await post(`${h.proxy.url}/v1/chat/completions`, chatBody(stream), { authorization: 'Bearer sk-test' });
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.equal(h.upstream.received.length, 2);
      assert.ok(!text.includes('missing'), text);
      assert.ok(text.includes('Found it.'), text);
      assert.ok(!text.includes('headroom_retrieve'));
      const sent = JSON.parse(h.upstream.received[1].body.toString('utf8')).messages.at(-2);
      assert.equal(sent.reasoning_content, 'I need the full log.');
    } finally {
      await h.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Anthropic with extended thinking: the continuation must send the assistant turn back with its
// thinking and redacted_thinking blocks unchanged (signatures) and before the tool_use blocks, and
// the next user message must begin with one tool_result per tool_use; the beta header and query
// are the client's.

const THINKING = { type: 'thinking', thinking: 'The log was shortened; fetch both parts.', signature: 'EqkCCkYIBhgCKkD/sig0+==' };
const REDACTED = { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP==' };

function anthropicThinkingProvider(lead = 'Let me look.') {
  let round = 0;
  return (got: Received, res: ServerResponse) => {
    const text = got.body.toString('utf8');
    const body = JSON.parse(text);
    const refuse = (message: string): void => {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_x' }));
    };
    if (got.headers['anthropic-beta'] !== 'interleaved-thinking-2025-05-14' || !got.url.endsWith('?beta=true')) return refuse('beta header or query lost');
    const msgs: any[] = body.messages;
    for (const [i, m] of msgs.entries()) {
      const blocks = Array.isArray(m.content) ? m.content : [];
      if (blocks.some((b: any) => b.type === 'text' && !String(b.text).trim())) return refuse(`messages.${i}: text content blocks must contain non-whitespace text`);
      if (m.role !== 'assistant') continue;
      const uses = blocks.filter((b: any) => b.type === 'tool_use');
      const next = msgs[i + 1];
      const results = Array.isArray(next?.content) ? next.content : [];
      if (uses.some((u: any, k: number) => results[k]?.type !== 'tool_result' || !uses.some((x: any) => x.id === results[k].tool_use_id)) || results.filter((b: any) => b.type === 'tool_result').length !== uses.length) {
        return refuse(`messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after`);
      }
      if (i >= 3) {
        // The turn this provider made: its thinking blocks, unchanged and first.
        if (JSON.stringify(blocks[0]) !== JSON.stringify(THINKING) || JSON.stringify(blocks[1]) !== JSON.stringify(REDACTED)) return refuse(`messages.${i}.content.0: Invalid \`signature\` in \`thinking\` block`);
      }
    }
    const r = round++;
    const answered = msgs.length > 3;
    const hash = HASH_RE.exec(text)?.[1];
    const content: any[] = answered
      ? [{ type: 'thinking', thinking: 'Both parts are here.', signature: 'EqkSIG1==' }, { type: 'text', text: 'Found it.' }]
      : [THINKING, REDACTED, { type: 'text', text: lead }, { type: 'tool_use', id: 'toolu_ra', name: 'headroom_retrieve', input: { hash } }, { type: 'tool_use', id: 'toolu_rb', name: 'headroom_retrieve', input: { hash } }];
    const stop = answered ? 'end_turn' : 'tool_use';
    const usage = { input_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 10 };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `msg_${r}`, type: 'message', role: 'assistant', model: body.model, content, stop_reason: stop, stop_sequence: null, usage }));
      return;
    }
    const evs: Array<[string, unknown]> = [['message_start', { type: 'message_start', message: { id: `msg_${r}`, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }]];
    content.forEach((b, index) => {
      const start = b.type === 'thinking' ? { type: 'thinking', thinking: '', signature: '' } : b.type === 'text' ? { type: 'text', text: '' } : b.type === 'tool_use' ? { ...b, input: {} } : b;
      evs.push(['content_block_start', { type: 'content_block_start', index, content_block: start }]);
      if (b.type === 'thinking') {
        evs.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: b.thinking.slice(0, 9) } }]);
        evs.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: b.thinking.slice(9) } }]);
        evs.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: b.signature } }]);
      } else if (b.type === 'text') evs.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } }]);
      else if (b.type === 'tool_use') evs.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } }]);
      evs.push(['content_block_stop', { type: 'content_block_stop', index }]);
    });
    evs.push(['message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 10 } }], ['message_stop', { type: 'message_stop' }]);
    writeSse(res, evs, 53);
  };
}

/** An Anthropic request with extended thinking whose last tool result is a big log (compressed, so the tool is given). */
function thinkingRequest(stream: boolean): string {
  return JSON.stringify({
    model: 'claude-sonnet-4-5', max_tokens: 8000, ...(stream ? { stream: true } : {}), thinking: { type: 'enabled', budget_tokens: 4000 },
    tools: [{ name: 'Bash', description: 'Run', input_schema: { type: 'object' } }],
    messages: [
      { role: 'user', content: 'What failed?' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Check the log.', signature: 'EqPREV==' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'cat log' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: bigLog(500, 11) }] },
    ],
  });
}

for (const stream of [true, false]) {
  test(`anthropic ${stream ? 'stream' : 'JSON'} with thinking and two parallel retrieve calls: the continuation keeps the signed blocks and pairs every call`, async () => {
    const h = await startHarness({ respond: anthropicThinkingProvider() });
    try {
      const r = await post(`${h.proxy.url}/v1/messages?beta=true`, thinkingRequest(stream), { 'anthropic-beta': 'interleaved-thinking-2025-05-14' });
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.equal(h.upstream.received.length, 2, text);
      assert.ok(text.includes('Found it.'), text);
      assert.ok(!text.includes('headroom_retrieve'));
      assert.equal(h.proxy.stats().retrievals.count, 2);
      if (stream) {
        const evs = events(r.body);
        const starts = evs.filter((e) => e.event === 'content_block_start').map((e) => [e.data.index, e.data.content_block.type]);
        assert.deepEqual(starts, [[0, 'thinking'], [1, 'redacted_thinking'], [2, 'text'], [3, 'thinking'], [4, 'text']]);
        assert.equal(evs.find((e) => e.event === 'message_delta')!.data.delta.stop_reason, 'end_turn');
      } else {
        const msg = JSON.parse(text);
        assert.deepEqual(msg.content.map((b: any) => b.type), ['thinking', 'redacted_thinking', 'text', 'thinking', 'text']);
        assert.equal(msg.stop_reason, 'end_turn');
      }
    } finally {
      await h.close();
    }
  });
}

for (const stream of [true, false]) {
  test(`anthropic ${stream ? 'stream' : 'JSON'}: a whitespace-only text block before the retrieve call is not sent back (the API refuses blank text blocks)`, async () => {
    const h = await startHarness({ respond: anthropicThinkingProvider('\n\n') });
    try {
      const r = await post(`${h.proxy.url}/v1/messages?beta=true`, thinkingRequest(stream), { 'anthropic-beta': 'interleaved-thinking-2025-05-14' });
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.ok(!text.includes('non-whitespace'), text);
      assert.ok(text.includes('Found it.'), text);
      const sent = JSON.parse(h.upstream.received[1].body.toString('utf8')).messages.at(-2);
      assert.deepEqual(sent.content.map((b: any) => b.type), ['thinking', 'redacted_thinking', 'tool_use', 'tool_use']);
    } finally {
      await h.close();
    }
  });
}

// Output items the client executes are not only function_call and custom_tool_call: the built-in
// local_shell, shell, apply_patch and computer tools run on the client too, and the provider wants
// their outputs (local_shell_call_output, …) before it continues.
for (const stream of [true, false]) {
  test(`responses ${stream ? 'stream' : 'JSON'}: retrieve called together with a client-run built-in tool (local_shell_call) is a mixed turn`, async () => {
    const shellCall = { type: 'local_shell_call', id: 'lsh_1', call_id: 'call_sh1', action: { type: 'exec', command: ['ls'], env: {} }, status: 'completed' };
    const h = await startHarness({ respond: responsesProvider(shellCall) });
    try {
      const r = await post(`${h.proxy.url}/v1/responses`, responsesBody(stream, true), { authorization: 'Bearer sk-test' });
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.equal(h.upstream.received.length, 1, 'no continuation before the client ran its call');
      assert.ok(!text.includes('headroom_retrieve'));
      const output = stream ? events(r.body).find((e) => e.event === 'response.completed')!.data.response.output : JSON.parse(text).output;
      assert.deepEqual(output.map((i: any) => i.type), ['reasoning', 'local_shell_call']);
    } finally {
      await h.close();
    }
  });
}
