/** The retrieval loop for each API, streaming and not: one coherent response, no retrieve call visible. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post } from './helpers/harness';
import { modelResponder, sentStreams } from './helpers/fake-model';
import type { ModelScript } from './helpers/fake-model';
import { bigLog } from './helpers/fixtures';
import { resettingReusedConnections } from './helpers/fake-upstream';
import { sseEvents as events } from './helpers/sse';
import { markerHashes } from '../../src/engine/marker';
import { mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http from 'node:http';
import { MAX_DECODED_RESPONSE_BYTES } from '../../src/proxy/body';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Api = 'anthropic' | 'chat' | 'responses';
const PATH: Record<Api, string> = { anthropic: '/v1/messages', chat: '/v1/chat/completions', responses: '/v1/responses' };

function clientBody(api: Api, stream: boolean): string {
  const log = bigLog(500, 11);
  if (api === 'anthropic') {
    return JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1000, ...(stream ? { stream: true } : {}), tools: [{ name: 'Bash', description: 'Run', input_schema: { type: 'object' } }], messages: [
      { role: 'user', content: 'What failed?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'cat log' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: log }] },
    ] });
  }
  if (api === 'chat') {
    return JSON.stringify({ model: 'gpt-4.1', ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}), tools: [{ type: 'function', function: { name: 'run_in_terminal', parameters: { type: 'object' } } }], messages: [
      { role: 'user', content: 'What failed?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'run_in_terminal', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: log },
    ] });
  }
  return JSON.stringify({ model: 'gpt-5-codex', ...(stream ? { stream: true } : {}), store: false, tools: [{ type: 'function', name: 'shell', parameters: { type: 'object' } }], input: [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What failed?' }] },
    { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{}' },
    { type: 'function_call_output', call_id: 'call_1', output: log },
  ] });
}

async function run(api: Api, stream: boolean, script: ModelScript = {}) {
  const h = await startHarness({ respond: modelResponder(api, script) });
  const headers = api === 'anthropic' ? {} : { authorization: 'Bearer sk-test', 'x-api-key': '' };
  const r = await post(`${h.proxy.url}${PATH[api]}`, clientBody(api, stream), api === 'anthropic' ? {} : { authorization: 'Bearer sk-test' });
  void headers;
  await h.proxy.settled();
  return { h, r };
}

/** The first request's body, minus the bytes after the conversation array: the continuation must start with it. */
function conversationPrefix(api: Api, body: Buffer): Buffer {
  const text = body.toString('utf8');
  const end = api === 'responses' ? text.lastIndexOf(']') : text.lastIndexOf(']');
  return body.subarray(0, end);
}

for (const api of ['anthropic', 'chat', 'responses'] as const) {
  for (const stream of [true, false]) {
    test(`${api} ${stream ? 'stream' : 'JSON'}: retrieval answered by the proxy and stitched into one response`, async () => {
      const { h, r } = await run(api, stream);
      try {
        assert.equal(r.status, 200);
        assert.equal(h.upstream.received.length, 2, 'one continuation upstream');
        const [first, second] = h.upstream.received;
        const hash = markerHashes(first.body.toString('utf8'))[0];
        const original = h.store.get(hash)!.text;
        assert.ok(second.body.subarray(0, conversationPrefix(api, first.body).length).equals(conversationPrefix(api, first.body)), 'continuation appends to the forwarded body');
        assert.ok(second.body.toString('utf8').includes(JSON.stringify(original).slice(1, -1)), 'the exact original went upstream');
        const clientText = r.body.toString('utf8');
        assert.ok(!clientText.includes('headroom_retrieve'), 'the client never sees the retrieve call');
        assert.ok(clientText.includes('Let me look.'));
        assert.ok(clientText.includes(`Got ${original.length} chars`));
        if (stream) checkStream(api, r.body);
        else checkJson(api, JSON.parse(clientText));
        const s = h.proxy.stats();
        assert.equal(s.retrievals.count, 1);
        assert.equal(s.retrievals.misses, 0);
        // Provider usage totals include the continuation the proxy sent (the fake's second round).
        assert.equal(s.totals.outputTokens, api === 'responses' ? 20 + 21 : 10 + 11);
      } finally {
        await h.close();
      }
    });
  }
}

for (const stream of [true, false]) {
  test(`anthropic ${stream ? 'stream' : 'JSON'}: a continuation on a pooled connection the provider reset is sent once more`, async () => {
    const respond = resettingReusedConnections(modelResponder('anthropic', {}), 1);
    const h = await startHarness({ respond });
    try {
      const r = await post(`${h.proxy.url}${PATH.anthropic}`, clientBody('anthropic', stream));
      await h.proxy.settled();
      assert.equal(r.status, 200);
      assert.equal(respond.resets, 1, 'the continuation went out on the first round\'s connection');
      assert.equal(h.upstream.received.length, 3);
      assert.ok(h.upstream.received[2].body.equals(h.upstream.received[1].body), 'the same continuation resent');
      assert.ok(r.body.toString('utf8').includes('Got '), 'the answer after retrieval reached the client');
      if (stream) checkStream('anthropic', r.body);
      else checkJson('anthropic', JSON.parse(r.body.toString('utf8')));
    } finally {
      await h.close();
    }
  });
}

function checkStream(api: Api, body: Buffer): void {
  const evs = events(body);
  if (api === 'anthropic') {
    assert.equal(evs.filter((e) => e.event === 'message_start').length, 1);
    assert.equal(evs.filter((e) => e.event === 'message_stop').length, 1);
    assert.equal(evs.at(-1)!.event, 'message_stop');
    const starts = evs.filter((e) => e.event === 'content_block_start').map((e) => e.data.index);
    assert.deepEqual(starts, [0, 1], 'consistent block indices');
    const delta = evs.find((e) => e.event === 'message_delta')!;
    assert.equal(delta.data.delta.stop_reason, 'end_turn');
    assert.equal(delta.data.usage.output_tokens, 10 + 11, 'output tokens summed over rounds');
  } else if (api === 'chat') {
    assert.equal(evs.filter((e) => e.data === '[DONE]').length, 1);
    assert.equal(evs.at(-1)!.data, '[DONE]');
    assert.ok(evs.filter((e) => e.data !== '[DONE]').every((e) => e.data.id === 'chatcmpl-0'));
    assert.equal(evs.filter((e) => e.data !== '[DONE]' && e.data.choices?.[0]?.delta?.role).length, 1, 'the message begins once');
    const finishes = evs.filter((e) => e.data !== '[DONE]' && e.data.choices?.[0]?.finish_reason).map((e) => e.data.choices[0].finish_reason);
    assert.deepEqual(finishes, ['stop']);
    const usage = evs.find((e) => e.data !== '[DONE]' && e.data.usage)!.data.usage;
    assert.equal(usage.completion_tokens, 10 + 11);
  } else {
    assert.equal(evs.filter((e) => e.event === 'response.created').length, 1);
    const terminal = evs.filter((e) => e.event === 'response.completed');
    assert.equal(terminal.length, 1);
    assert.equal(evs.at(-1)!.event, 'response.completed');
    const seqs = evs.map((e) => e.data.sequence_number);
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], 'sequence numbers increase');
    const added = evs.filter((e) => e.event === 'response.output_item.added').map((e) => e.data.output_index);
    assert.deepEqual(added, [0, 1]);
    assert.equal(terminal[0].data.response.output.length, 2);
    assert.equal(terminal[0].data.response.id, 'resp_1', 'the stored response holding the answer');
    assert.equal(terminal[0].data.response.usage.output_tokens, 20 + 21);
  }
}

function checkJson(api: Api, msg: any): void {
  if (api === 'anthropic') {
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.content.length, 2);
    assert.equal(msg.usage.output_tokens, 21);
  } else if (api === 'chat') {
    assert.equal(msg.choices[0].finish_reason, 'stop');
    assert.equal(msg.choices[0].message.tool_calls, undefined);
    assert.equal(msg.usage.completion_tokens, 21);
  } else {
    assert.equal(msg.output.length, 2);
    assert.equal(msg.usage.output_tokens, 41);
    assert.equal(msg.id, 'resp_1', 'the stored response holding the answer, the one to chain from');
  }
}

for (const api of ['anthropic', 'chat', 'responses'] as const) {
  test(`${api} stream: retrieve mixed with a client tool — the client sees only its own tool`, async () => {
    const { h, r } = await run(api, true, { mixed: true });
    try {
      assert.equal(h.upstream.received.length, 1, 'no continuation without the client tool results');
      const text = r.body.toString('utf8');
      assert.ok(!text.includes('headroom_retrieve'));
      const evs = events(r.body);
      if (api === 'anthropic') {
        const starts = evs.filter((e) => e.event === 'content_block_start');
        assert.deepEqual(starts.map((e) => [e.data.index, e.data.content_block.type, e.data.content_block.name]), [[0, 'text', undefined], [1, 'tool_use', 'Bash']]);
        assert.equal(evs.find((e) => e.event === 'message_delta')!.data.delta.stop_reason, 'tool_use');
      } else if (api === 'chat') {
        const calls = evs.filter((e) => e.data !== '[DONE]').flatMap((e) => e.data.choices?.[0]?.delta?.tool_calls ?? []);
        assert.ok(calls.length > 0 && calls.every((c: any) => c.index === 0));
        assert.equal(calls[0].function.name, 'run_in_terminal');
      } else {
        const done = evs.find((e) => e.event === 'response.completed')!;
        assert.deepEqual(done.data.response.output.map((i: any) => i.name ?? i.type), ['message', 'shell']);
      }
    } finally {
      await h.close();
    }
  });
}

for (const api of ['anthropic', 'chat'] as const) {
  test(`${api} JSON: retrieve mixed with a client tool — the client gets its own tool call only, the retrieve call dropped`, async () => {
    const { h, r } = await run(api, false, { mixed: true });
    try {
      assert.equal(r.status, 200);
      assert.equal(h.upstream.received.length, 1, 'no continuation without the client tool results');
      assert.ok(h.upstream.received[0].body.includes('headroom_retrieve'), 'the tool was offered');
      const text = r.body.toString('utf8');
      assert.ok(!text.includes('headroom_retrieve') && !text.includes('call_r0') && !text.includes('toolu_r0'), text);
      const msg = JSON.parse(text);
      if (api === 'anthropic') {
        assert.deepEqual(msg.content, [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'toolu_c0', name: 'Bash', input: { command: 'ls' } }]);
        assert.equal(msg.stop_reason, 'tool_use');
        assert.equal(msg.usage.output_tokens, 10);
      } else {
        const choice = msg.choices[0];
        assert.equal(choice.message.content, 'Let me look.');
        assert.deepEqual(choice.message.tool_calls, [{ id: 'call_c0', type: 'function', function: { name: 'run_in_terminal', arguments: '{"command":"ls"}' } }]);
        assert.equal(choice.finish_reason, 'tool_calls');
        assert.equal(msg.usage.completion_tokens, 10);
      }
    } finally {
      await h.close();
    }
  });
}

test('upstream errors 400/401/404/413 on a request given the retrieve tool reach the client unchanged, for each API, streaming or not', async () => {
  let status = 400;
  const errorBody = (api: Api) => (api === 'anthropic'
    ? `{"type":"error","error":{"type":"invalid_request_error","message":"status ${status}"}}`
    : `{"error":{"message":"status ${status}","type":"invalid_request_error","param":null,"code":"e${status}"}}`);
  let api: Api = 'anthropic';
  const h = await startHarness({
    respond: (_got, res) => {
      res.writeHead(status, {
        'content-type': 'application/json', 'content-length': Buffer.byteLength(errorBody(api)), 'request-id': 'req_e1', 'x-request-id': 'req_e2',
        'anthropic-ratelimit-requests-remaining': '7', 'x-ratelimit-remaining-requests': '8', 'x-should-retry': 'false',
      }).end(errorBody(api));
    },
  });
  try {
    for (api of ['anthropic', 'chat', 'responses'] as const) {
      for (const stream of [true, false]) {
        for (status of [400, 401, 404, 413]) {
          const name = `${api} ${stream ? 'stream' : 'JSON'} ${status}`;
          const before = h.upstream.received.length;
          const r = await post(`${h.proxy.url}${PATH[api]}`, clientBody(api, stream), api === 'anthropic' ? {} : { authorization: 'Bearer sk-test' });
          assert.equal(h.upstream.received.length, before + 1, `${name}: sent once`);
          assert.ok(h.upstream.received[before].body.includes('headroom_retrieve'), `${name}: the tool was injected`);
          assert.equal(r.status, status, name);
          assert.equal(r.body.toString('utf8'), errorBody(api), name);
          assert.equal(r.headers.get('content-type'), 'application/json', name);
          assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(errorBody(api))), name);
          for (const [k, v] of [['request-id', 'req_e1'], ['x-request-id', 'req_e2'], ['anthropic-ratelimit-requests-remaining', '7'], ['x-ratelimit-remaining-requests', '8'], ['x-should-retry', 'false']]) {
            assert.equal(r.headers.get(k), v, `${name}: ${k}`);
          }
        }
      }
    }
  } finally {
    await h.close();
  }
});

test('a miss is answered with an actionable message; a model that keeps asking is stopped after the limit', async () => {
  const miss = await run('anthropic', true, { hash: 'abcdefabcdefabcdefabcdef' });
  try {
    assert.equal(miss.h.upstream.received.length, 2);
    assert.ok(miss.h.upstream.received[1].body.toString().includes('Re-run the command or re-read the file'));
    assert.equal(miss.h.proxy.stats().retrievals.misses, 1);
  } finally {
    await miss.h.close();
  }
  const insist = await run('anthropic', true, { insist: true });
  try {
    assert.equal(insist.h.upstream.received.length, 5, '3 answered rounds + 1 exhausted round');
    assert.ok(insist.h.upstream.received[4].body.toString().includes('Retrieval limit reached'));
    const evs = events(insist.r.body);
    assert.ok(!insist.r.body.toString().includes('headroom_retrieve'));
    assert.equal(evs.filter((e) => e.event === 'message_start').length, 1);
    assert.equal(evs.at(-1)!.event, 'message_stop');
    assert.equal(evs.find((e) => e.event === 'message_delta')!.data.delta.stop_reason, 'end_turn');
  } finally {
    await insist.h.close();
  }
});

for (const api of ['anthropic', 'chat', 'responses'] as const) {
  test(`${api} stream: with the tool offered but not called, the client gets the upstream bytes unchanged`, async () => {
    const { h, r } = await run(api, true, { never: true });
    try {
      assert.equal(h.upstream.received.length, 1);
      assert.ok(h.upstream.received[0].body.includes('headroom_retrieve'), 'the tool was offered');
      assert.deepEqual(r.body, sentStreams.at(-1));
    } finally {
      await h.close();
    }
  });
}

for (const api of ['anthropic', 'chat', 'responses'] as const) {
  test(`${api} stream: a stream that ends without its terminal event reaches the client with every event upstream sent`, async () => {
    const { h, r } = await run(api, true, { never: true, truncate: true });
    try {
      assert.ok(h.upstream.received[0].body.includes('headroom_retrieve'), 'the tool was offered');
      assert.deepEqual(r.body.toString('utf8'), sentStreams.at(-1)!.toString('utf8'));
      const s = await waitForRecord(h);
      assert.equal(s.truncated, true, 'recorded as truncated');
    } finally {
      await h.close();
    }
  });
}

/** A JSON message whose text makes its body `size` bytes and more, written in 1 MiB pieces. */
async function writeHugeJson(res: http.ServerResponse, size: number, hold?: Promise<unknown>): Promise<Buffer> {
  const digest = createHash('sha256');
  const put = async (b: Buffer) => {
    digest.update(b);
    if (!res.write(b)) await once(res, 'drain');
  };
  res.writeHead(200, { 'content-type': 'application/json' });
  await put(Buffer.from('{"id":"msg_big","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"'));
  const piece = Buffer.alloc(1 << 20, 0x61);
  for (let n = 0; n <= size; n += piece.length) await put(piece);
  await hold;
  const tail = Buffer.from('"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}');
  digest.update(tail);
  res.end(tail);
  return digest.digest();
}

test('anthropic JSON: a first answer past the size cap is passed through unchanged as it arrives, not read whole', async () => {
  let clientGotBytes!: () => void;
  const gotBytes = new Promise<void>((r) => (clientGotBytes = r));
  let upstreamEnded = false;
  let sent: Promise<Buffer> | undefined;
  const h = await startHarness({
    respond: (_got, res) => {
      // The upstream keeps the response open until the client has seen its first bytes (at most 15 s).
      sent = writeHugeJson(res, MAX_DECODED_RESPONSE_BYTES, Promise.race([gotBytes, new Promise((r) => setTimeout(r, 15_000).unref())]));
      void sent.then(() => (upstreamEnded = true));
    },
  });
  try {
    const body = Buffer.from(clientBody('anthropic', false));
    const got = await new Promise<{ status: number; digest: Buffer; early: boolean }>((resolve, reject) => {
      const req = http.request(`${h.proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' } }, (res) => {
        const digest = createHash('sha256');
        let early: boolean | undefined;
        res.on('data', (c: Buffer) => {
          early ??= !upstreamEnded;
          clientGotBytes();
          digest.update(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, digest: digest.digest(), early: !!early }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(got.status, 200);
    assert.ok(h.upstream.received[0].body.includes('headroom_retrieve'), 'the tool was offered');
    assert.ok(got.early, 'the client got the answer while the upstream was still sending it');
    assert.deepEqual(got.digest, await sent!, 'the bytes the upstream sent');
    assert.equal(h.upstream.received.length, 1);
  } finally {
    await h.close();
  }
});

test('anthropic JSON: a continuation answer past the size cap ends the request with a 502 in the provider\'s error format', async () => {
  const first = modelResponder('anthropic');
  let round = 0;
  const h = await startHarness({
    respond: (got, res) => {
      if (round++ === 0) return first(got, res);
      void writeHugeJson(res, MAX_DECODED_RESPONSE_BYTES).catch(() => {});
    },
  });
  try {
    const r = await post(`${h.proxy.url}/v1/messages`, clientBody('anthropic', false));
    assert.equal(h.upstream.received.length, 2, 'the retrieve call was answered and continued');
    assert.equal(r.status, 502, r.body.toString('utf8', 0, 300));
    const err = JSON.parse(r.body.toString('utf8'));
    assert.equal(err.type, 'error');
    assert.equal(err.error.type, 'api_error');
    assert.match(err.error.message, /retrieval/i);
  } finally {
    await h.close();
  }
});

async function waitForRecord(h: Awaited<ReturnType<typeof startHarness>>): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const rec = h.store.listRequests({ limit: 1 })[0] as any;
    if (rec) return rec;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('no request record');
}

test('chat with n > 1 is not given the retrieve tool (several answers cannot be continued as one); its output is still compressed', async () => {
  const h = await startHarness({ respond: modelResponder('chat', { never: true }) });
  try {
    const body = JSON.parse(clientBody('chat', true));
    const r = await post(`${h.proxy.url}/v1/chat/completions`, JSON.stringify({ ...body, n: 2 }), { authorization: 'Bearer sk-test' });
    assert.equal(r.status, 200);
    const sent = h.upstream.received[0].body.toString('utf8');
    assert.ok(!sent.includes('headroom_retrieve'));
    assert.ok(markerHashes(sent).length > 0, 'compressed, with markers');
    assert.deepEqual(r.body, sentStreams.at(-1), 'the stream passes unchanged');
  } finally {
    await h.close();
  }
});

test('a request with "tools": null gets the retrieve tool in place of the null, not in a second "tools" member', async () => {
  const h = await startHarness({ respond: modelResponder('chat', { never: true }) });
  try {
    const body = JSON.parse(clientBody('chat', false));
    const sentBody = JSON.stringify({ ...body, tools: null });
    assert.equal((await post(`${h.proxy.url}/v1/chat/completions`, sentBody, { authorization: 'Bearer sk-test' })).status, 200);
    const sent = h.upstream.received[0].body.toString('utf8');
    assert.equal(sent.match(/"tools":/g)?.length, 1, sent.slice(0, 200));
    assert.deepEqual(JSON.parse(sent).tools.map((t: any) => t.function.name), ['headroom_retrieve']);
    assert.ok(sent.startsWith(sentBody.slice(0, sentBody.indexOf('"tools":null'))), 'the bytes before it unchanged');
  } finally {
    await h.close();
  }
});

test('Responses in background mode or in a stored conversation are not given the retrieve tool; their outputs are still compressed', async () => {
  const h = await startHarness({ respond: modelResponder('responses', { never: true }) });
  try {
    const body = JSON.parse(clientBody('responses', false));
    for (const extra of [{ background: true }, { conversation: 'conv_123' }, { conversation: { id: 'conv_456' } }]) {
      const r = await post(`${h.proxy.url}/v1/responses`, JSON.stringify({ ...body, ...extra }), { authorization: 'Bearer sk-test' });
      assert.equal(r.status, 200);
      const sent = h.upstream.received.at(-1)!.body.toString('utf8');
      assert.ok(!sent.includes('headroom_retrieve'), JSON.stringify(extra));
      assert.ok(markerHashes(sent).length > 0, 'compressed, with markers');
    }
    // Without them (conversation null counts as none) the tool is given.
    const r = await post(`${h.proxy.url}/v1/responses`, JSON.stringify({ ...body, background: false, conversation: null }), { authorization: 'Bearer sk-test' });
    assert.equal(r.status, 200);
    assert.ok(h.upstream.received.at(-1)!.body.toString('utf8').includes('headroom_retrieve'));
  } finally {
    await h.close();
  }
});

test('a conversation given the retrieve tool keeps it, byte for byte, on later turns without a marker', async () => {
  const h = await startHarness({ respond: modelResponder('anthropic', { never: true }) });
  try {
    const body = (messages: unknown[]) => JSON.stringify({
      model: 'claude-sonnet-4-5', max_tokens: 1000, stream: true,
      system: [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'Bash', description: 'Run', input_schema: { type: 'object' } }],
      messages,
    });
    const ask = { role: 'user', content: 'What failed?' };
    const call = (id: string) => ({ role: 'assistant', content: [{ type: 'tool_use', id, name: 'Bash', input: { command: 'cat log' } }] });
    const result = (id: string, content: string) => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content }] });
    const turns = [
      [ask, call('toolu_1'), result('toolu_1', bigLog(500, 11))],
      // The agent cleared the old tool result (Claude Code's microcompact): no marker is left.
      [ask, call('toolu_1'), result('toolu_1', '[Old tool result content cleared]'), call('toolu_2'), result('toolu_2', 'ok')],
    ];
    for (const messages of turns) assert.equal((await post(`${h.proxy.url}/v1/messages`, body(messages))).status, 200);
    const [first, second] = h.upstream.received.map((r) => r.body.toString('utf8'));
    assert.ok(markerHashes(first).length > 0);
    assert.equal(markerHashes(second).length, 0);
    const head = (s: string) => s.slice(0, s.indexOf('"messages"'));
    assert.ok(head(first).includes('headroom_retrieve'));
    assert.equal(head(second), head(first), 'system and tools forwarded byte-identical');

    // Another conversation without markers is not given the tool.
    assert.equal((await post(`${h.proxy.url}/v1/messages`, body([{ role: 'user', content: 'Something else' }, call('toolu_9'), result('toolu_9', 'ok')]))).status, 200);
    assert.ok(!h.upstream.received[2].body.includes('headroom_retrieve'));
  } finally {
    await h.close();
  }
});

/**
 * A Responses upstream with server-side state, as the provider: a request continuing a response
 * with previous_response_id must carry an output for every call that response made (the first
 * round is a mixed turn: a retrieve call and a client call).
 */
function continuationEnforcer(output: unknown[]) {
  const first = modelResponder('responses', { mixed: true });
  return (got: Parameters<typeof first>[0], res: Parameters<typeof first>[1]) => {
    const body = JSON.parse(got.body.toString('utf8'));
    if (!body.previous_response_id) return first(got, res);
    const answered = new Set(body.input.filter((i: any) => i.type === 'function_call_output').map((i: any) => i.call_id));
    const missing = ['call_r0', 'call_c0'].filter((id) => !answered.has(id));
    if (missing.length) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `No tool output found for function call ${missing[0]}.`, type: 'invalid_request_error' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'resp_1', object: 'response', status: 'completed', output, usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12 } }));
  };
}

for (const stream of [true, false]) {
  test(`responses ${stream ? 'stream' : 'JSON'}: a turn continued with previous_response_id gets outputs for the retrieve calls its predecessor made unseen`, async () => {
    const respond = continuationEnforcer([{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Done.', annotations: [] }] }]);
    const h = await startHarness({ respond });
    try {
      const turn1 = await post(`${h.proxy.url}/v1/responses`, clientBody('responses', stream), { authorization: 'Bearer sk-test' });
      assert.equal(turn1.status, 200);
      assert.ok(!turn1.body.toString('utf8').includes('headroom_retrieve'), 'the client saw only its own call');
      const hash = markerHashes(h.upstream.received[0].body.toString('utf8'))[0];
      const turn2 = await post(`${h.proxy.url}/v1/responses`, JSON.stringify({
        model: 'gpt-5-codex', store: true, previous_response_id: 'resp_0',
        tools: [{ type: 'function', name: 'shell', parameters: { type: 'object' } }],
        input: [{ type: 'function_call_output', call_id: 'call_c0', output: 'file-a\nfile-b' }],
      }), { authorization: 'Bearer sk-test' });
      assert.equal(turn2.status, 200, turn2.body.toString('utf8'));
      const input = JSON.parse(h.upstream.received[1].body.toString('utf8')).input;
      assert.deepEqual(input.map((i: any) => i.call_id), ['call_r0', 'call_c0']);
      assert.equal(input[0].output, h.store.get(hash)!.text, 'the model gets what it asked for');
      await h.proxy.settled();
      assert.equal(h.proxy.stats().retrievals.count, 1);
    } finally {
      await h.close();
    }
  });
}

test('responses: the retrieve calls a response made unseen are still answered when the proxy restarted before its continuation', async () => {
  const respond = continuationEnforcer([]);
  const dir = mkdtempSync(join(tmpdir(), 'headroom-owed-'));
  const storePath = join(dir, 'store.db');
  const h1 = await startHarness({ respond, storePath });
  let h2: Awaited<ReturnType<typeof startHarness>> | undefined;
  try {
    assert.equal((await post(`${h1.proxy.url}/v1/responses`, clientBody('responses', true), { authorization: 'Bearer sk-test' })).status, 200);
    const hash = markerHashes(h1.upstream.received[0].body.toString('utf8'))[0];
    await h1.close();
    // The client ran its own tool meanwhile; the proxy was restarted (e.g. a settings change).
    h2 = await startHarness({ respond, storePath });
    const turn2 = await post(`${h2.proxy.url}/v1/responses`, JSON.stringify({
      model: 'gpt-5-codex', store: true, previous_response_id: 'resp_0',
      tools: [{ type: 'function', name: 'shell', parameters: { type: 'object' } }],
      input: [{ type: 'function_call_output', call_id: 'call_c0', output: 'file-a\nfile-b' }],
    }), { authorization: 'Bearer sk-test' });
    assert.equal(turn2.status, 200, turn2.body.toString('utf8'));
    const input = JSON.parse(h2.upstream.received[0].body.toString('utf8')).input;
    assert.deepEqual(input.map((i: any) => i.call_id), ['call_r0', 'call_c0']);
    assert.equal(input[0].output, h2.store.get(hash)!.text);
  } finally {
    await h2?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
