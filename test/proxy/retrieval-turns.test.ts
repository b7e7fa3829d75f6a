/**
 * How a retrieval turn ends: forced tool choice, turns the provider cut short, text of successive
 * rounds, usage of a stitched stream, streamed reasoning details. Each fake provider here answers
 * from a per-round script and holds requests to the provider's rules where a test depends on them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startHarness, post } from './helpers/harness';
import type { Received } from './helpers/fake-upstream';
import { bigLog } from './helpers/fixtures';
import { sseEvents as events, writeSse } from './helpers/sse';
import { OwedAnswers } from '../../src/proxy/retrieval/owed';

const HASH_RE = /hash=([0-9a-f]{24})/;
type Json = Record<string, any>;

const toolNames = (body: Json, api: 'anthropic' | 'chat' | 'responses'): string[] =>
  (body.tools ?? []).map((t: Json) => (api === 'chat' ? t.function?.name : t.name));

// ---------------------------------------------------------------------------------------------
// Anthropic

interface AnthropicRound {
  content: Json[];
  stop: string;
  usage?: Json;
  /** Streamed input of the last tool_use block instead of its whole input (a call cut off mid-way). */
  partialJson?: string;
  /** The message_delta repeats the input and cache figures (newer API versions do). */
  deltaRepeatsInput?: boolean;
}

function anthropicProvider(script: (body: Json, round: number, text: string) => AnthropicRound) {
  let round = 0;
  return (got: Received, res: ServerResponse) => {
    const text = got.body.toString('utf8');
    const body = JSON.parse(text);
    const r = round++;
    const s = script(body, r, text);
    const usage = s.usage ?? { input_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 10 };
    const id = `msg_${r}`;
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, type: 'message', role: 'assistant', model: body.model, content: s.content, stop_reason: s.stop, stop_sequence: null, usage }));
      return;
    }
    const evs: Array<[string, unknown]> = [['message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }]];
    s.content.forEach((b, index) => {
      const start = b.type === 'text' ? { type: 'text', text: '' } : b.type === 'tool_use' ? { ...b, input: {} } : b;
      evs.push(['content_block_start', { type: 'content_block_start', index, content_block: start }]);
      if (b.type === 'text') evs.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } }]);
      else if (b.type === 'tool_use') {
        const json = index === s.content.length - 1 && s.partialJson !== undefined ? s.partialJson : JSON.stringify(b.input);
        evs.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json } }]);
      }
      evs.push(['content_block_stop', { type: 'content_block_stop', index }]);
    });
    const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens } = usage;
    const deltaUsage = s.deltaRepeatsInput ? { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens } : { output_tokens };
    evs.push(['message_delta', { type: 'message_delta', delta: { stop_reason: s.stop, stop_sequence: null }, usage: deltaUsage }], ['message_stop', { type: 'message_stop' }]);
    writeSse(res, evs);
  };
}

function anthropicRequest(stream: boolean, extra: Json = {}): string {
  return JSON.stringify({
    model: 'claude-sonnet-4-5', max_tokens: 1024, ...(stream ? { stream: true } : {}), ...extra,
    tools: [
      { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
      { name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } },
    ],
    messages: [
      { role: 'user', content: 'Why does the job fail?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'cat app.log' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: bigLog(500, 11) }] },
    ],
  });
}

/** A message the client sees: the JSON answer, or the stream folded into one. */
function anthropicView(stream: boolean, raw: Buffer): { content: Json[]; stop: string; usage: Json } {
  if (!stream) {
    const m = JSON.parse(raw.toString('utf8'));
    return { content: m.content, stop: m.stop_reason, usage: m.usage };
  }
  const evs = events(raw);
  const content: Json[] = [];
  let usage: Json = {};
  let stop = '';
  for (const e of evs) {
    if (e.event === 'message_start') usage = { ...e.data.message.usage };
    if (e.event === 'content_block_start') content[e.data.index] = { ...e.data.content_block };
    if (e.event === 'content_block_delta' && e.data.delta.type === 'text_delta') content[e.data.index].text += e.data.delta.text;
    if (e.event === 'message_delta') {
      stop = e.data.delta.stop_reason;
      usage = { ...usage, ...e.data.usage };
    }
  }
  return { content, stop, usage };
}

// ---------------------------------------------------------------------------------------------
// Chat Completions

interface ChatRound {
  content?: string;
  calls?: Array<{ id: string; name: string; args: string }>;
  finish: string;
  /** Streamed reasoning_details fragments (OpenRouter), one chunk each; in JSON, `reasoningDetails`. */
  reasoningChunks?: Json[][];
  reasoningDetails?: Json[];
  /** Content split into these deltas when streaming. */
  contentChunks?: string[];
}

function chatProvider(script: (body: Json, round: number, text: string) => ChatRound | { refuse: string }) {
  let round = 0;
  return (got: Received, res: ServerResponse) => {
    const text = got.body.toString('utf8');
    const body = JSON.parse(text);
    const r = round++;
    const s = script(body, r, text);
    if ('refuse' in s) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: s.refuse, type: 'invalid_request_error', code: null } }));
      return;
    }
    const id = `chatcmpl-${r}`;
    const usage = { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010 };
    const toolCalls = (s.calls ?? []).map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } }));
    if (!body.stream) {
      const message: Json = { role: 'assistant', content: s.content ?? null, ...(s.reasoningDetails ? { reasoning_details: s.reasoningDetails } : {}), ...(toolCalls.length ? { tool_calls: toolCalls } : {}) };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: s.finish }], usage }));
      return;
    }
    const chunk = (delta: unknown, finish_reason: string | null = null): [undefined, unknown] => [undefined, { id, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }] }];
    const evs: Array<[undefined, unknown]> = [chunk({ role: 'assistant', content: '' })];
    for (const rd of s.reasoningChunks ?? []) evs.push(chunk({ content: '', reasoning_details: rd }));
    for (const c of s.contentChunks ?? (s.content ? [s.content] : [])) evs.push(chunk({ content: c }));
    toolCalls.forEach((tc, index) => {
      evs.push(chunk({ tool_calls: [{ index, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } }] }));
      evs.push(chunk({ tool_calls: [{ index, function: { arguments: tc.function.arguments } }] }));
    });
    evs.push(chunk({}, s.finish), [undefined, { id, object: 'chat.completion.chunk', choices: [], usage }], [undefined, '[DONE]']);
    writeSse(res, evs);
  };
}

function chatRequest(stream: boolean, extra: Json = {}): string {
  return JSON.stringify({
    model: 'gpt-4.1', ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}), ...extra,
    tools: [
      { type: 'function', function: { name: 'run_in_terminal', parameters: { type: 'object' } } },
      { type: 'function', function: { name: 'read_file', parameters: { type: 'object' } } },
    ],
    messages: [
      { role: 'user', content: 'What failed?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'run_in_terminal', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: bigLog(500, 11) },
    ],
  });
}

function chatView(stream: boolean, raw: Buffer): { content: string | null; calls: Json[]; finish: string } {
  if (!stream) {
    const m = JSON.parse(raw.toString('utf8')).choices[0];
    return { content: m.message.content, calls: m.message.tool_calls ?? [], finish: m.finish_reason };
  }
  let content: string | null = null;
  const calls: Json[] = [];
  let finish = '';
  for (const e of events(raw)) {
    if (e.data === '[DONE]') continue;
    const c = e.data.choices?.[0];
    if (!c) continue;
    if (typeof c.delta?.content === 'string') content = (content ?? '') + c.delta.content;
    for (const tc of c.delta?.tool_calls ?? []) {
      calls[tc.index] ??= { id: tc.id, function: { name: tc.function?.name, arguments: '' } };
      calls[tc.index].function.arguments += tc.function?.arguments ?? '';
    }
    if (c.finish_reason) finish = c.finish_reason;
  }
  return { content: content || null, calls, finish };
}

// ---------------------------------------------------------------------------------------------
// Responses

interface ResponsesRound {
  output: Json[];
  status?: string;
}

function responsesProvider(script: (body: Json, round: number, text: string) => ResponsesRound) {
  let round = 0;
  return (got: Received, res: ServerResponse) => {
    const text = got.body.toString('utf8');
    const body = JSON.parse(text);
    const r = round++;
    const s = script(body, r, text);
    const status = s.status ?? 'completed';
    const usage = { input_tokens: 100, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, total_tokens: 105 };
    const response = { id: `resp_${r}`, object: 'response', status, ...(status === 'incomplete' ? { incomplete_details: { reason: 'max_output_tokens' } } : {}), output: s.output, usage };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response));
      return;
    }
    let seq = 0;
    const e = (type: string, d: object): [string, unknown] => [type, { type, sequence_number: seq++, ...d }];
    const evs: Array<[string, unknown]> = [e('response.created', { response: { ...response, status: 'in_progress', output: [], usage: null } })];
    s.output.forEach((item, i) => {
      evs.push(e('response.output_item.added', { output_index: i, item: item.type === 'message' ? { ...item, content: [] } : { ...item, arguments: '' } }));
      evs.push(e('response.output_item.done', { output_index: i, item }));
    });
    evs.push(e(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response }));
    writeSse(res, evs);
  };
}

function responsesRequest(stream: boolean, extra: Json = {}): string {
  return JSON.stringify({
    model: 'gpt-5', ...(stream ? { stream: true } : {}), ...extra,
    tools: [{ type: 'function', name: 'shell', parameters: { type: 'object' } }, { type: 'function', name: 'read', parameters: { type: 'object' } }],
    input: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What failed?' }] },
      { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: bigLog(500, 11) },
    ],
  });
}

function responsesView(stream: boolean, raw: Buffer): Json {
  if (!stream) return JSON.parse(raw.toString('utf8'));
  const last = events(raw).at(-1)!;
  return last.data.response;
}

// ---------------------------------------------------------------------------------------------
// A turn the provider cut short (max_tokens / length / incomplete) may hold a retrieve call whose
// input is incomplete JSON: the proxy does not continue it, and the client sees the provider's own
// ending without the retrieve call.

for (const stream of [true, false]) {
  test(`anthropic ${stream ? 'stream' : 'JSON'}: a turn stopped at max_tokens inside a retrieve call is not continued`, async () => {
    const h = await startHarness({
      respond: anthropicProvider((_b, r) => r === 0
        ? { content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'toolu_r0', name: 'headroom_retrieve', input: {} }], stop: 'max_tokens', partialJson: '{"hash": "ab' }
        : { content: [{ type: 'text', text: 'Found it.' }], stop: 'end_turn' }),
    });
    try {
      const r = await post(`${h.proxy.url}/v1/messages`, anthropicRequest(stream));
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.equal(h.upstream.received.length, 1, 'no continuation of a truncated turn');
      assert.ok(!text.includes('headroom_retrieve'), text);
      const v = anthropicView(stream, r.body);
      assert.equal(v.stop, 'max_tokens');
      assert.deepEqual(v.content.map((b) => b.type), ['text']);
      assert.equal(h.proxy.stats().retrievals.count, 0);
    } finally {
      await h.close();
    }
  });

  test(`chat ${stream ? 'stream' : 'JSON'}: a turn ended with finish_reason "length" inside a retrieve call is not continued`, async () => {
    const h = await startHarness({
      respond: chatProvider((_b, r) => r === 0
        ? { content: 'Let me look.', calls: [{ id: 'call_r0', name: 'headroom_retrieve', args: '{"hash": "ab' }], finish: 'length' }
        : { content: 'Found it.', finish: 'stop' }),
    });
    try {
      const r = await post(`${h.proxy.url}/v1/chat/completions`, chatRequest(stream), { authorization: 'Bearer sk-test' });
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.equal(h.upstream.received.length, 1, 'no continuation of a truncated turn');
      assert.ok(!text.includes('headroom_retrieve'), text);
      const v = chatView(stream, r.body);
      assert.equal(v.finish, 'length');
      assert.equal(v.content, 'Let me look.');
      assert.deepEqual(v.calls, []);
    } finally {
      await h.close();
    }
  });

  test(`responses ${stream ? 'stream' : 'JSON'}: an incomplete response holding a retrieve call is not continued`, async () => {
    const h = await startHarness({
      respond: responsesProvider((_b, r) => r === 0
        ? { status: 'incomplete', output: [{ type: 'function_call', id: 'fc_r0', call_id: 'call_r0', name: 'headroom_retrieve', arguments: '{"hash": "ab', status: 'incomplete' }] }
        : { output: [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Found it.', annotations: [] }] }] }),
    });
    try {
      const r = await post(`${h.proxy.url}/v1/responses`, responsesRequest(stream), { authorization: 'Bearer sk-test' });
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.equal(h.upstream.received.length, 1, 'no continuation of an incomplete response');
      assert.ok(!text.includes('headroom_retrieve'), text);
      const v = responsesView(stream, r.body);
      assert.equal(v.status, 'incomplete');
      assert.equal(v.incomplete_details?.reason, 'max_output_tokens');
      assert.deepEqual(v.output, []);
      if (stream) assert.equal(events(r.body).at(-1)!.event, 'response.incomplete');
    } finally {
      await h.close();
    }
  });
}

// A response continued with previous_response_id still holds its retrieve call, so the request that
// continues it carries an output for it (owed): the original when the call's arguments were whole,
// else a message saying the call was cut short (not a miss: the hash was never complete).
for (const stream of [true, false]) {
  for (const whole of [true, false]) {
    test(`responses ${stream ? 'stream' : 'JSON'}: an incomplete response's retrieve call ${whole ? 'with whole arguments gets the original' : 'cut mid-arguments is told so'} when the response is continued`, async () => {
      let hash = '';
      const h = await startHarness({
        respond: responsesProvider((body, r, text) => {
          if (r === 0) {
            hash = HASH_RE.exec(text)![1];
            const args = whole ? JSON.stringify({ hash }) : `{"hash": "${hash.slice(0, 7)}`;
            return { status: 'incomplete', output: [{ type: 'function_call', id: 'fc_r0', call_id: 'call_r0', name: 'headroom_retrieve', arguments: args, status: whole ? 'completed' : 'incomplete' }] };
          }
          return { output: [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `Round ${r}: ${body.input.length} items.`, annotations: [] }] }] };
        }),
      });
      try {
        const turn1 = await post(`${h.proxy.url}/v1/responses`, responsesRequest(stream, { store: true }), { authorization: 'Bearer sk-test' });
        assert.equal(turn1.status, 200);
        assert.equal(h.upstream.received.length, 1, 'the incomplete response is not continued by the proxy');
        const turn2 = await post(`${h.proxy.url}/v1/responses`, JSON.stringify({
          model: 'gpt-5', store: true, previous_response_id: 'resp_0', tools: JSON.parse(responsesRequest(false)).tools,
          input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Go on.' }] }],
        }), { authorization: 'Bearer sk-test' });
        assert.equal(turn2.status, 200, turn2.body.toString('utf8'));
        const input = JSON.parse(h.upstream.received[1].body.toString('utf8')).input;
        assert.equal(input[0].type, 'function_call_output');
        assert.equal(input[0].call_id, 'call_r0');
        if (whole) assert.equal(input[0].output, h.store.get(hash)!.text, 'the model gets what it asked for');
        else {
          assert.match(input[0].output, /cut short/);
          assert.doesNotMatch(input[0].output, /unknown or expired|Re-run the command/);
        }
      } finally {
        await h.close();
      }
    });
  }
}

test('owed calls keep their cut-short mark in the store, for a continuation after a restart', () => {
  const memo = new Map<string, string>();
  const store = { getMemo: (k: string) => memo.get(k), putMemo: (k: string, v: string) => void memo.set(k, v) };
  const calls = [{ id: 'call_a', hash: '', cut: true }, { id: 'call_b', hash: 'ab'.repeat(12) }];
  new OwedAnswers(store).record({ responseId: 'resp_x', calls });
  assert.deepEqual(new OwedAnswers(store).get('resp_x'), calls);
});

// ---------------------------------------------------------------------------------------------
// Chat: the message is one string, so the text of successive rounds must not run together
// ("Let me check the log.The job fails…"); Anthropic and Responses keep rounds in separate blocks.

const retrieveThenAnswer = (lead: string, answer: string, answerChunks?: string[]) => (_b: Json, r: number, text: string): ChatRound =>
  r === 0
    ? { content: lead, calls: [{ id: 'call_r0', name: 'headroom_retrieve', args: JSON.stringify({ hash: HASH_RE.exec(text)?.[1] }) }], finish: 'tool_calls' }
    : { content: answer, contentChunks: answerChunks, finish: 'stop' };

for (const stream of [true, false]) {
  test(`chat ${stream ? 'stream' : 'JSON'}: text of successive rounds is separated by a blank line`, async () => {
    const h = await startHarness({ respond: chatProvider(retrieveThenAnswer('Let me check the full log.', 'The job fails on a refused connection.', ['', 'The job fails', ' on a refused connection.'])) });
    try {
      const r = await post(`${h.proxy.url}/v1/chat/completions`, chatRequest(stream), { authorization: 'Bearer sk-test' });
      await h.proxy.settled();
      assert.equal(h.upstream.received.length, 2);
      const v = chatView(stream, r.body);
      assert.equal(v.content, 'Let me check the full log.\n\nThe job fails on a refused connection.');
      assert.equal(v.finish, 'stop');
    } finally {
      await h.close();
    }
  });

  test(`chat ${stream ? 'stream' : 'JSON'}: rounds whose text already breaks the line, or a first round without text, get no separator`, async () => {
    for (const [lead, answer, expected] of [['Checking.\n', 'Done.', 'Checking.\nDone.'], ['', 'Done.', 'Done.']]) {
      const h = await startHarness({ respond: chatProvider(retrieveThenAnswer(lead, answer)) });
      try {
        const r = await post(`${h.proxy.url}/v1/chat/completions`, chatRequest(stream), { authorization: 'Bearer sk-test' });
        await h.proxy.settled();
        assert.equal(chatView(stream, r.body).content, expected);
      } finally {
        await h.close();
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Anthropic usage the client sees for a stitched answer: summed over the rounds (input, cache and
// output tokens), streamed and JSON alike; a stream's closing message_delta carries the sums.

for (const deltaRepeatsInput of [true, false]) {
  test(`anthropic: a stitched answer reports usage summed over the rounds, streamed and JSON alike (message_delta ${deltaRepeatsInput ? 'repeats' : 'omits'} input figures)`, async () => {
    const usages = [
      { input_tokens: 100, cache_creation_input_tokens: 50, cache_read_input_tokens: 1000, output_tokens: 10 },
      { input_tokens: 150, cache_creation_input_tokens: 0, cache_read_input_tokens: 1200, output_tokens: 20 },
    ];
    const views: Json[] = [];
    for (const stream of [true, false]) {
      const h = await startHarness({
        respond: anthropicProvider((_b, r, text) => r === 0
          ? { content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'toolu_r0', name: 'headroom_retrieve', input: { hash: HASH_RE.exec(text)?.[1] } }], stop: 'tool_use', usage: usages[0], deltaRepeatsInput }
          : { content: [{ type: 'text', text: 'Found it.' }], stop: 'end_turn', usage: usages[1], deltaRepeatsInput }),
      });
      try {
        const r = await post(`${h.proxy.url}/v1/messages`, anthropicRequest(stream));
        await h.proxy.settled();
        assert.equal(h.upstream.received.length, 2);
        const v = anthropicView(stream, r.body);
        assert.deepEqual(v.content.map((b) => b.text), ['Let me look.', 'Found it.']);
        views.push(v.usage);
      } finally {
        await h.close();
      }
    }
    const pick = (u: Json) => ({ input_tokens: u.input_tokens, cache_creation_input_tokens: u.cache_creation_input_tokens, cache_read_input_tokens: u.cache_read_input_tokens, output_tokens: u.output_tokens });
    const expected = { input_tokens: 250, cache_creation_input_tokens: 50, cache_read_input_tokens: 2200, output_tokens: 30 };
    assert.deepEqual(pick(views[0]), expected, 'stream');
    assert.deepEqual(pick(views[1]), expected, 'JSON');
  });
}

// ---------------------------------------------------------------------------------------------
// OpenRouter streams a thinking model's reasoning as `reasoning_details` fragments (keyed by
// `index`: text in pieces, the signature last) and wants the whole array back on the assistant
// message with its tool calls; Anthropic behind it refuses a tool-call turn without its signed
// thinking ("Expected `thinking` or `redacted_thinking`, but found `tool_use`").

const DETAILS = [{ type: 'reasoning.text', text: 'I need the full log.', signature: 'EqkSIG/r0==', format: 'anthropic-claude-v1', index: 0 }];

function openRouterThinking() {
  return chatProvider((body, r, text) => {
    const msgs: Json[] = body.messages;
    for (const [i, m] of msgs.entries()) {
      if (i < 3 || m.role !== 'assistant' || !m.tool_calls?.length) continue;
      const d = m.reasoning_details;
      if (!Array.isArray(d) || d.length !== 1 || d[0].text !== DETAILS[0].text || d[0].signature !== DETAILS[0].signature || d[0].type !== 'reasoning.text') {
        return { refuse: `Provider returned error: messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`tool_use\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.` };
      }
    }
    if (r > 0) return { content: 'Found it.', finish: 'stop' };
    return {
      calls: [{ id: 'call_r0', name: 'headroom_retrieve', args: JSON.stringify({ hash: HASH_RE.exec(text)?.[1] }) }], finish: 'tool_calls',
      reasoningDetails: DETAILS,
      reasoningChunks: [
        [{ type: 'reasoning.text', text: 'I need ', format: 'anthropic-claude-v1', index: 0 }],
        [{ type: 'reasoning.text', text: 'the full log.', format: 'anthropic-claude-v1', index: 0 }],
        [{ type: 'reasoning.text', text: '', signature: 'EqkSIG/r0==', format: 'anthropic-claude-v1', index: 0 }],
      ],
    };
  });
}

for (const stream of [true, false]) {
  test(`chat ${stream ? 'stream' : 'JSON'} via OpenRouter: the continuation carries the round's reasoning_details whole`, async () => {
    const h = await startHarness({ respond: openRouterThinking() });
    try {
      const r = await post(`${h.proxy.url}/v1/chat/completions`, chatRequest(stream), { authorization: 'Bearer sk-test' });
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.equal(h.upstream.received.length, 2);
      assert.ok(!text.includes('Expected'), text);
      assert.equal(chatView(stream, r.body).content, 'Found it.');
      const sent = JSON.parse(h.upstream.received[1].body.toString('utf8')).messages.at(-2);
      assert.deepEqual(sent.reasoning_details, DETAILS);
    } finally {
      await h.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Forced tool choice. With "any" / "required" the model must call a tool, and headroom_retrieve is
// one: a model that keeps retrieving does so until the round limit, and the round after the
// "exhausted" answer must still be free to end with a call of the client's own tools; the client
// asked for a tool call and must get one. So the exhausted round's continuation does not offer
// headroom_retrieve (the only request whose tool list differs: the earlier rounds keep the
// conversation's bytes). With a named tool the model cannot call headroom_retrieve at all.
// These fakes call headroom_retrieve whenever they may, and honour the forced choice.

function forcedAnthropic() {
  return anthropicProvider((body, r, text) => {
    const forced = body.tool_choice?.type;
    assert.ok(forced === 'any' || forced === 'tool', 'the client\'s tool_choice is kept');
    const names = toolNames(body, 'anthropic');
    const hash = HASH_RE.exec(text)?.[1];
    if (forced === 'tool') return { content: [{ type: 'tool_use', id: `toolu_c${r}`, name: body.tool_choice.name, input: { path: 'app.log' } }], stop: 'tool_use' };
    if (names.includes('headroom_retrieve')) return { content: [{ type: 'tool_use', id: `toolu_r${r}`, name: 'headroom_retrieve', input: { hash } }], stop: 'tool_use' };
    return { content: [{ type: 'text', text: 'Running it.' }, { type: 'tool_use', id: `toolu_c${r}`, name: 'Bash', input: { command: 'make test' } }], stop: 'tool_use' };
  });
}

for (const stream of [true, false]) {
  test(`anthropic ${stream ? 'stream' : 'JSON'}, tool_choice any: a model that keeps retrieving still ends with a call of the client's tools`, async () => {
    const h = await startHarness({ respond: forcedAnthropic() });
    try {
      const r = await post(`${h.proxy.url}/v1/messages`, anthropicRequest(stream, { tool_choice: { type: 'any' } }));
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.ok(!text.includes('headroom_retrieve'), text);
      const v = anthropicView(stream, r.body);
      assert.equal(v.stop, 'tool_use');
      assert.deepEqual(v.content.filter((b) => b.type === 'tool_use').map((b) => b.name), ['Bash']);
      const got = h.upstream.received.map((g) => JSON.parse(g.body.toString('utf8')));
      assert.equal(got.length, 5, 'three retrievals, then the exhausted round');
      assert.deepEqual(got.map((b) => toolNames(b, 'anthropic')), [...Array(4).fill(['Bash', 'Read', 'headroom_retrieve']), ['Bash', 'Read']]);
      assert.ok(got.every((b) => b.tool_choice.type === 'any'));
      assert.equal(h.proxy.stats().retrievals.count, 3);
    } finally {
      await h.close();
    }
  });

  test(`anthropic ${stream ? 'stream' : 'JSON'}, tool_choice naming a client tool: the call passes through, no continuation`, async () => {
    const h = await startHarness({ respond: forcedAnthropic() });
    try {
      const r = await post(`${h.proxy.url}/v1/messages`, anthropicRequest(stream, { tool_choice: { type: 'tool', name: 'Read' } }));
      await h.proxy.settled();
      assert.equal(h.upstream.received.length, 1);
      assert.ok(toolNames(JSON.parse(h.upstream.received[0].body.toString('utf8')), 'anthropic').includes('headroom_retrieve'), 'the tool list is the conversation\'s');
      const v = anthropicView(stream, r.body);
      assert.deepEqual(v.content.map((b) => b.name), ['Read']);
      assert.equal(v.stop, 'tool_use');
    } finally {
      await h.close();
    }
  });

  test(`chat ${stream ? 'stream' : 'JSON'}, tool_choice "required": a model that keeps retrieving still ends with a call of the client's tools`, async () => {
    const h = await startHarness({
      respond: chatProvider((body, r, text) => {
        assert.equal(body.tool_choice, 'required');
        if (toolNames(body, 'chat').includes('headroom_retrieve')) return { calls: [{ id: `call_r${r}`, name: 'headroom_retrieve', args: JSON.stringify({ hash: HASH_RE.exec(text)?.[1] }) }], finish: 'tool_calls' };
        return { calls: [{ id: `call_c${r}`, name: 'run_in_terminal', args: '{"command":"make test"}' }], finish: 'tool_calls' };
      }),
    });
    try {
      const r = await post(`${h.proxy.url}/v1/chat/completions`, chatRequest(stream, { tool_choice: 'required' }), { authorization: 'Bearer sk-test' });
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.ok(!text.includes('headroom_retrieve'), text);
      const v = chatView(stream, r.body);
      assert.equal(v.finish, 'tool_calls');
      assert.deepEqual(v.calls.map((c) => c.function.name), ['run_in_terminal']);
      const got = h.upstream.received.map((g) => JSON.parse(g.body.toString('utf8')));
      assert.equal(got.length, 5);
      assert.deepEqual(got.map((b) => toolNames(b, 'chat')), [...Array(4).fill(['run_in_terminal', 'read_file', 'headroom_retrieve']), ['run_in_terminal', 'read_file']]);
    } finally {
      await h.close();
    }
  });

  test(`responses ${stream ? 'stream' : 'JSON'}, tool_choice "required": a model that keeps retrieving still ends with a call of the client's tools`, async () => {
    const h = await startHarness({
      respond: responsesProvider((body, r, text) => {
        assert.equal(body.tool_choice, 'required');
        if (toolNames(body, 'responses').includes('headroom_retrieve')) return { output: [{ type: 'function_call', id: `fc_r${r}`, call_id: `call_r${r}`, name: 'headroom_retrieve', arguments: JSON.stringify({ hash: HASH_RE.exec(text)?.[1] }), status: 'completed' }] };
        return { output: [{ type: 'function_call', id: `fc_c${r}`, call_id: `call_c${r}`, name: 'shell', arguments: '{"command":["make","test"]}', status: 'completed' }] };
      }),
    });
    try {
      const r = await post(`${h.proxy.url}/v1/responses`, responsesRequest(stream, { tool_choice: 'required' }), { authorization: 'Bearer sk-test' });
      await h.proxy.settled();
      const text = r.body.toString('utf8');
      assert.equal(r.status, 200, text);
      assert.ok(!text.includes('headroom_retrieve'), text);
      assert.deepEqual(responsesView(stream, r.body).output.map((i: Json) => i.name), ['shell']);
      const got = h.upstream.received.map((g) => JSON.parse(g.body.toString('utf8')));
      assert.equal(got.length, 5);
      assert.deepEqual(got.map((b) => toolNames(b, 'responses')), [...Array(4).fill(['shell', 'read', 'headroom_retrieve']), ['shell', 'read']]);
    } finally {
      await h.close();
    }
  });
}
