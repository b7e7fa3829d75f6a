/**
 * Retrieval streams on the wire: text reaches the client while the provider is still sending its
 * round, and the stitched stream does not depend on how the provider's bytes are split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post } from './helpers/harness';
import { bigLog } from './helpers/fixtures';
import { sseEvents } from './helpers/sse';

type Api = 'anthropic' | 'chat' | 'responses';
const PATH: Record<Api, string> = { anthropic: '/v1/messages', chat: '/v1/chat/completions', responses: '/v1/responses' };
const HEADERS: Record<Api, Record<string, string>> = { anthropic: {}, chat: { authorization: 'Bearer sk-test' }, responses: { authorization: 'Bearer sk-test' } };

function clientBody(api: Api): string {
  const log = bigLog(500, 11);
  if (api === 'anthropic') {
    return JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1000, stream: true, tools: [{ name: 'Bash', input_schema: { type: 'object' } }], messages: [
      { role: 'user', content: 'What failed?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'cat log' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: log }] },
    ] });
  }
  if (api === 'chat') {
    return JSON.stringify({ model: 'gpt-4.1', stream: true, stream_options: { include_usage: true }, tools: [{ type: 'function', function: { name: 'run_in_terminal', parameters: { type: 'object' } } }], messages: [
      { role: 'user', content: 'What failed?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'run_in_terminal', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: log },
    ] });
  }
  return JSON.stringify({ model: 'gpt-5-codex', stream: true, store: false, tools: [{ type: 'function', name: 'shell', parameters: { type: 'object' } }], input: [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What failed?' }] },
    { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{}' },
    { type: 'function_call_output', call_id: 'call_1', output: log },
  ] });
}

const ev = (event: string | undefined, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/**
 * One round of a provider's stream, in two parts: up to and including the first text, and the
 * rest. Round 0 ends with a headroom_retrieve call for `hash`, round 1 with the answer.
 */
function round(api: Api, r: number, hash: string, text: string): [head: string, tail: string] {
  const retrieve = r === 0;
  if (api === 'anthropic') {
    const head = ev('message_start', { type: 'message_start', message: { id: `msg_${r}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, usage: { input_tokens: 10 + r, cache_read_input_tokens: 5, output_tokens: 1 } } })
      + ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
      + ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
    const tail = ev('content_block_stop', { type: 'content_block_stop', index: 0 })
      + (retrieve
        ? ev('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_r0', name: 'headroom_retrieve', input: {} } })
          + ev('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: JSON.stringify({ hash }) } })
          + ev('content_block_stop', { type: 'content_block_stop', index: 1 })
        : '')
      + ev('message_delta', { type: 'message_delta', delta: { stop_reason: retrieve ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 + r } })
      + ev('message_stop', { type: 'message_stop' });
    return [head, tail];
  }
  if (api === 'chat') {
    const chunk = (delta: unknown, finish: string | null = null) => ev(undefined, { id: `chatcmpl-${r}`, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
    const head = chunk({ role: 'assistant', content: '' }) + chunk({ content: text });
    const tail = (retrieve ? chunk({ tool_calls: [{ index: 0, id: 'call_r0', type: 'function', function: { name: 'headroom_retrieve', arguments: JSON.stringify({ hash }) } }] }) : '')
      + chunk({}, retrieve ? 'tool_calls' : 'stop')
      + ev(undefined, { id: `chatcmpl-${r}`, object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 10 + r, completion_tokens: 3 + r, total_tokens: 13 + 2 * r } })
      + ev(undefined, '[DONE]');
    return [head, tail];
  }
  let seq = 0;
  const e = (type: string, d: object) => ev(type, { type, sequence_number: seq++, ...d });
  const msg = { type: 'message', id: `msg_${r}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
  const call = { type: 'function_call', id: 'fc_r0', call_id: 'call_r0', name: 'headroom_retrieve', arguments: JSON.stringify({ hash }), status: 'completed' };
  const output = retrieve ? [msg, call] : [msg];
  const head = e('response.created', { response: { id: `resp_${r}`, object: 'response', status: 'in_progress', output: [] } })
    + e('response.output_item.added', { output_index: 0, item: { ...msg, content: [], status: 'in_progress' } })
    + e('response.output_text.delta', { item_id: msg.id, output_index: 0, content_index: 0, delta: text });
  const tail = e('response.output_text.done', { item_id: msg.id, output_index: 0, content_index: 0, text })
    + e('response.output_item.done', { output_index: 0, item: msg })
    + (retrieve ? e('response.output_item.added', { output_index: 1, item: { ...call, arguments: '', status: 'in_progress' } }) + e('response.output_item.done', { output_index: 1, item: call }) : '')
    + e('response.completed', { response: { id: `resp_${r}`, object: 'response', status: 'completed', output, usage: { input_tokens: 10 + r, output_tokens: 3 + r, total_tokens: 13 + 2 * r } } });
  return [head, tail];
}

const HASH_RE = /hash=([0-9a-f]{24})/;

for (const api of ['anthropic', 'chat', 'responses'] as const) {
  test(`${api} stream with a retrieval: each round's text reaches the client while the provider still holds the rest of its stream`, async () => {
    // The provider sends each round's first text, then waits until the test has seen it at the client.
    const gates: Array<{ open: () => void; opened: boolean; timedOut: boolean }> = [];
    const h = await startHarness({
      respond: async (got, res) => {
        const r = gates.length;
        const [head, tail] = round(api, r, HASH_RE.exec(got.body.toString('utf8'))?.[1] ?? '', `EARLY${r} `);
        const gate = { open: () => {}, opened: false, timedOut: false };
        const opened = new Promise<void>((resolve) => {
          gate.open = () => {
            gate.opened = true;
            resolve();
          };
        });
        gates.push(gate);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(head);
        // A stitcher that buffered would never show the text: give up after a while, and say so.
        const timer = setTimeout(() => {
          gate.timedOut = true;
          gate.open();
        }, 3_000);
        await opened;
        clearTimeout(timer);
        res.end(tail);
      },
    });
    try {
      const r = await fetch(`${h.proxy.url}${PATH[api]}`, { method: 'POST', body: clientBody(api), headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', ...HEADERS[api] } });
      assert.equal(r.status, 200);
      const reader = r.body!.getReader();
      let text = '';
      const seenWhileHeld: boolean[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
        for (const k of [0, 1]) {
          if (seenWhileHeld[k] === undefined && text.includes(`EARLY${k}`)) {
            seenWhileHeld[k] = gates[k] !== undefined && !gates[k].opened;
            gates[k]?.open();
          }
        }
      }
      assert.equal(h.upstream.received.length, 2, 'the retrieval was answered and continued');
      assert.deepEqual(gates.map((g) => g.timedOut), [false, false], 'no round waited for its timeout');
      assert.deepEqual(seenWhileHeld, [true, true], 'each round\'s text arrived before the provider sent the rest');
      assert.ok(!text.includes('headroom_retrieve'));
    } finally {
      for (const g of gates) g.open();
      await h.close();
    }
  });
}

/** Texts with multi-byte UTF-8 (2, 3 and 4 bytes): split writes cut through them. */
const TEXTS = ['Grüße — 👋 日本語 ', 'Done ✓ — 🌍 ok'];

for (const api of ['anthropic', 'chat'] as const) {
  test(`${api} stream with a retrieval: written one byte at a time, the provider's stream gives the same stitched stream as written whole`, async () => {
    const outputs: Array<{ body: string; usage: unknown }> = [];
    for (const piece of [Infinity, 1]) {
      let r = 0;
      let writes = 0;
      const h = await startHarness({
        respond: async (got, res, req) => {
          req.socket.setNoDelay(true);
          const bytes = Buffer.from(round(api, r, HASH_RE.exec(got.body.toString('utf8'))?.[1] ?? '', TEXTS[r]).join(''), 'utf8');
          r++;
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (let i = 0; i < bytes.length; i += piece) {
            res.write(bytes.subarray(i, i + piece));
            writes++;
            // Each byte on its own: the proxy reads before the next one is written.
            if (piece === 1) await new Promise((resolve) => setImmediate(resolve));
          }
          res.end();
        },
      });
      try {
        const res = await post(`${h.proxy.url}${PATH[api]}`, clientBody(api), HEADERS[api]);
        assert.equal(res.status, 200);
        await h.proxy.settled();
        assert.equal(h.upstream.received.length, 2, 'the retrieval was answered and continued');
        if (piece === 1) assert.ok(writes > 1000, `${writes} writes`);
        const body = res.body.toString('utf8');
        assert.ok(!body.includes('\ufffd'), 'no broken characters');
        assert.ok(!body.includes('headroom_retrieve'));
        const evs = sseEvents(res.body);
        const text = api === 'anthropic'
          ? evs.filter((e) => e.data?.delta?.type === 'text_delta').map((e) => e.data.delta.text).join('')
          : evs.filter((e) => e.data !== '[DONE]').map((e) => e.data.choices?.[0]?.delta?.content ?? '').join('');
        for (const t of TEXTS) assert.ok(text.includes(t.trim()), `${t} in ${JSON.stringify(text)}`);
        outputs.push({ body, usage: h.proxy.stats().totals });
      } finally {
        await h.close();
      }
    }
    assert.equal(outputs[1].body, outputs[0].body, 'the same stitched stream');
    const { inputTokens, outputTokens, cacheReadTokens } = outputs[0].usage as Record<string, number>;
    const split = outputs[1].usage as Record<string, number>;
    assert.deepEqual([split.inputTokens, split.outputTokens, split.cacheReadTokens], [inputTokens, outputTokens, cacheReadTokens], 'the same usage read');
  });
}
