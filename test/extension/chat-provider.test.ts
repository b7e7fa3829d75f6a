import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendChat, endpointFor, USER_AGENT } from '../../src/extension/chat-provider/client';
import { toAnthropicBody } from '../../src/extension/chat-provider/anthropic';
import { toOpenAIBody } from '../../src/extension/chat-provider/openai';
import { parseSse } from '../../src/extension/chat-provider/sse';
import { ToolResultCompressor, latestQuery } from '../../src/extension/chat-provider/compress-results';
import { chatModelsFromSetting, DEFAULT_CHAT_MODELS } from '../../src/extension/chat-provider/models';
import { UpstreamError, type ChatEvent, type ChatMessage, type ChatRequest } from '../../src/extension/chat-provider/types';
import { compress } from '../../src/engine/compress';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, any>;
}

const received: Received[] = [];
let server: http.Server;
let origin = '';

function sse(res: http.ServerResponse, events: Array<[string | null, unknown]>) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  // Split the stream at awkward places: mid-line and mid-UTF-8 character.
  const text = events.map(([ev, data]) => `${ev ? `event: ${ev}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`).join('');
  const bytes = Buffer.from(text, 'utf8');
  let i = 0;
  const step = 7;
  const tick = () => {
    if (i >= bytes.length) return res.end();
    res.write(bytes.subarray(i, i + step));
    i += step;
    setImmediate(tick);
  };
  tick();
}

function anthropicReply(res: http.ServerResponse, body: Record<string, any>) {
  const wantsTool = (body.tools ?? []).length > 0 && !body.messages.some((m: any) => m.content.some((b: any) => b.type === 'tool_result'));
  const events: Array<[string, unknown]> = [
    ['message_start', { type: 'message_start', message: { id: 'msg_1', usage: { input_tokens: 321, output_tokens: 1 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Héllo ' } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'wörld — ✓' } }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ];
  if (wantsTool) {
    events.push(
      ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_42', name: 'run_in_terminal', input: {} } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"command": "npm' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ' test", "explanation": "run"}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
    );
  }
  events.push(
    ['message_delta', { type: 'message_delta', delta: { stop_reason: wantsTool ? 'tool_use' : 'end_turn' }, usage: { output_tokens: 17 } }],
    ['message_stop', { type: 'message_stop' }],
  );
  sse(res, events);
}

function openaiReply(res: http.ServerResponse, body: Record<string, any>) {
  const wantsTool = (body.tools ?? []).length > 0 && !body.messages.some((m: any) => m.role === 'tool');
  const chunk = (delta: unknown, finish: string | null = null) => ({ id: 'c1', choices: [{ index: 0, delta, finish_reason: finish }] });
  const events: Array<[null, unknown]> = [
    [null, chunk({ role: 'assistant', content: '' })],
    [null, chunk({ content: 'Héllo ' })],
    [null, chunk({ content: 'wörld — ✓' })],
  ];
  if (wantsTool) {
    events.push(
      [null, chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '' } }] })],
      [null, chunk({ tool_calls: [{ index: 0, function: { arguments: '{"path":"src/' } }] })],
      [null, chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'grep_search', arguments: '{"query":"TODO"}' } }] })],
      [null, chunk({ tool_calls: [{ index: 0, function: { arguments: 'a.ts"}' } }] })],
    );
  }
  events.push([null, chunk({}, wantsTool ? 'tool_calls' : 'stop')], [null, { id: 'c1', choices: [], usage: { prompt_tokens: 99, completion_tokens: 7 } }], [null, '[DONE]']);
  sse(res, events);
}

before(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      received.push({ path: req.url ?? '', headers: req.headers, body });
      if (body.model === 'fail') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'authentication_error', message: `invalid x-api-key ${req.headers['x-api-key']}` } }));
      } else if (req.url === '/v1/messages') anthropicReply(res, body);
      else if (req.url === '/v1/chat/completions') openaiReply(res, body);
      else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => server.close(() => r())));

async function collect(it: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const text = (events: ChatEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
const calls = (events: ChatEvent[]) => events.filter((e) => e.type === 'tool_call');

const TOOLS = [{ name: 'run_in_terminal', description: 'Run a command', inputSchema: { type: 'object', properties: { command: { type: 'string' } } } }];

function conversation(toolOutput?: string): ChatMessage[] {
  const msgs: ChatMessage[] = [
    { role: 'system', parts: [{ type: 'text', text: 'You are a coding agent.' }] },
    { role: 'user', parts: [{ type: 'text', text: 'Why does the payments test fail?' }] },
  ];
  if (toolOutput !== undefined) {
    msgs.push({ role: 'assistant', parts: [{ type: 'text', text: 'Running the tests.' }, { type: 'tool_call', id: 'toolu_1', name: 'run_in_terminal', input: { command: 'npm test' } }] });
    msgs.push({ role: 'user', parts: [{ type: 'tool_result', callId: 'toolu_1', content: toolOutput }] });
  }
  return msgs;
}

test('anthropic: streams text and assembles a tool call from split JSON deltas; key sent as x-api-key', async () => {
  const req: ChatRequest = { model: 'claude-sonnet-4-5', messages: conversation(), tools: TOOLS, maxTokens: 1000 };
  const events = await collect(sendChat({ api: 'anthropic', baseUrl: origin, apiKey: 'sk-ant-test', request: req }));
  assert.equal(text(events), 'Héllo wörld — ✓');
  assert.deepEqual(calls(events), [{ type: 'tool_call', id: 'toolu_42', name: 'run_in_terminal', input: { command: 'npm test', explanation: 'run' } }]);
  assert.ok(events.some((e) => e.type === 'usage' && e.inputTokens === 321));
  assert.ok(events.some((e) => e.type === 'stop' && e.reason === 'tool_use'));
  const r = received.at(-1)!;
  assert.equal(r.path, '/v1/messages');
  assert.equal(r.headers['x-api-key'], 'sk-ant-test');
  assert.equal(r.headers['user-agent'], USER_AGENT);
  assert.equal(r.body.system, 'You are a coding agent.');
  assert.equal(r.body.stream, true);
  assert.deepEqual(r.body.tools[0].input_schema, TOOLS[0].inputSchema);
});

test('anthropic body: tool results open the user turn, consecutive turns merge, tool_use keeps id and input', () => {
  const msgs = conversation('exit code 1');
  msgs[3].parts.push({ type: 'text', text: 'and?' });
  msgs[3].parts.reverse();
  msgs.push({ role: 'user', parts: [{ type: 'text', text: 'more' }] });
  const body = toAnthropicBody({ model: 'm', messages: msgs, maxTokens: 10, toolMode: 'required', tools: TOOLS }) as any;
  assert.deepEqual(body.messages.map((m: any) => m.role), ['user', 'assistant', 'user']);
  assert.deepEqual(body.messages[1].content[1], { type: 'tool_use', id: 'toolu_1', name: 'run_in_terminal', input: { command: 'npm test' } });
  assert.deepEqual(body.messages[2].content.map((b: any) => b.type), ['tool_result', 'text', 'text']);
  assert.equal(body.messages[2].content[0].tool_use_id, 'toolu_1');
  assert.deepEqual(body.tool_choice, { type: 'any' });
});

test('openai: streams text and assembles two interleaved tool calls; bearer auth; tool messages follow the assistant', async () => {
  const req: ChatRequest = { model: 'gpt-4.1', messages: conversation(), tools: TOOLS, maxTokens: 500 };
  const events = await collect(sendChat({ api: 'openai', baseUrl: `${origin}/v1`, apiKey: 'sk-openai-test', request: req }));
  assert.equal(text(events), 'Héllo wörld — ✓');
  assert.deepEqual(calls(events), [
    { type: 'tool_call', id: 'call_a', name: 'read_file', input: { path: 'src/a.ts' } },
    { type: 'tool_call', id: 'call_b', name: 'grep_search', input: { query: 'TODO' } },
  ]);
  assert.ok(events.some((e) => e.type === 'usage' && e.inputTokens === 99 && e.outputTokens === 7));
  const r = received.at(-1)!;
  assert.equal(r.path, '/v1/chat/completions');
  assert.equal(r.headers.authorization, 'Bearer sk-openai-test');
  assert.equal(r.body.tools[0].function.name, 'run_in_terminal');

  const body = toOpenAIBody({ model: 'gpt-4.1', messages: conversation('all good'), maxTokens: 5 }) as any;
  assert.deepEqual(body.messages.map((m: any) => m.role), ['system', 'user', 'assistant', 'tool']);
  assert.equal(body.messages[2].tool_calls[0].function.arguments, '{"command":"npm test"}');
  assert.equal(body.messages[3].tool_call_id, 'toolu_1');
});

test('an upstream error becomes an UpstreamError with status, without echoing the key', async () => {
  const req: ChatRequest = { model: 'fail', messages: conversation(), maxTokens: 10 };
  await assert.rejects(collect(sendChat({ api: 'anthropic', baseUrl: origin, apiKey: 'sk-ant-secret-123', request: req })), (e: unknown) => {
    assert.ok(e instanceof UpstreamError);
    assert.equal(e.status, 401);
    assert.doesNotMatch(e.message, /sk-ant-secret-123/);
    assert.match(e.message, /invalid x-api-key \*\*\*/);
    return true;
  });
});

function buildLog(): string {
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) lines.push(`PASS src/payments/case-${i}.test.ts (${(i * 7) % 90} ms)`);
  lines.splice(211, 0, 'FAIL src/payments/refund.test.ts', '  ● refund › rejects negative amounts', '    Expected: 400', '    Received: 500', '      at Object.<anonymous> (src/payments/refund.test.ts:42:17)');
  lines.push('Tests:       1 failed, 400 passed, 401 total');
  return lines.join('\n') + '\n';
}

test('direct route: tool results are compressed by the engine (originals stored), identically on every turn, and the upstream receives the smaller body', async () => {
  const sink = new MemorySink();
  const compressor = new ToolResultCompressor((t, q) => compress(t, { store: sink, query: q }).text);
  const log = buildLog();
  const msgs = conversation(log);
  assert.equal(latestQuery(msgs), 'Why does the payments test fail?');
  const first = await compressor.apply(msgs);
  assert.equal(first.stats.results, 1);
  assert.equal(first.stats.compressed, 1);
  assert.ok(first.stats.bytesOut < first.stats.bytesIn / 3, `${first.stats.bytesOut} of ${first.stats.bytesIn}`);
  const out = (first.messages[3].parts[0] as { content: string }).content;
  assert.match(out, /FAIL src\/payments\/refund\.test\.ts/);
  assert.match(out, /Received: 500/);
  assert.match(out, /Tests: {7}1 failed, 400 passed, 401 total/);
  assert.match(out, /hash=[0-9a-f]{24}/);
  assertInvariants(log, out, sink);
  assert.equal((msgs[3].parts[0] as { content: string }).content, log, 'input messages are not modified');

  // The next turn (a new user question appended) replays exactly the same bytes for the old result.
  const next = [...msgs, { role: 'user' as const, parts: [{ type: 'text' as const, text: 'and the refund code?' }] }];
  const second = await compressor.apply(next);
  assert.equal((second.messages[3].parts[0] as { content: string }).content, out);

  await collect(sendChat({ api: 'anthropic', baseUrl: origin, apiKey: 'k', request: { model: 'claude-sonnet-4-5', messages: first.messages, maxTokens: 100 } }));
  const sent = received.at(-1)!.body;
  assert.equal(sent.messages[2].content[0].content, out);
  assert.ok(JSON.stringify(sent).length < log.length / 2);

  // Small results and errors are left alone; a compressor failure fails open.
  const small = await new ToolResultCompressor(() => { throw new Error('boom'); }).apply(conversation('short output'));
  assert.equal((small.messages[3].parts[0] as { content: string }).content, 'short output');
  const failing = await new ToolResultCompressor(() => { throw new Error('boom'); }).apply(conversation(log));
  assert.equal((failing.messages[3].parts[0] as { content: string }).content, log);
});

test('sse parser: CRLF, comments, multi-line data, missing final blank line', async () => {
  async function* src() {
    yield Buffer.from(': keepalive\r\nevent: a\r\ndata: 1\r\ndata: 2\r\n\r\ndata: x');
  }
  const out = [];
  for await (const e of parseSse(src())) out.push(e);
  assert.deepEqual(out, [{ event: 'a', data: '1\n2' }, { event: 'message', data: 'x' }]);
});

test('models setting and endpoints', () => {
  assert.deepEqual(chatModelsFromSetting(undefined), DEFAULT_CHAT_MODELS);
  const m = chatModelsFromSetting([{ id: 'claude-opus-4-1' }, { id: 'o3', maxOutputTokens: 100000 }, { nope: 1 }]);
  assert.deepEqual(m.map((x) => [x.id, x.api]), [['claude-opus-4-1', 'anthropic'], ['o3', 'openai']]);
  assert.equal(m[1].maxOutputTokens, 100000);
  assert.equal(endpointFor('anthropic', 'http://127.0.0.1:1/'), 'http://127.0.0.1:1/v1/messages');
  assert.equal(endpointFor('openai', 'https://api.openai.com/v1'), 'https://api.openai.com/v1/chat/completions');
});
