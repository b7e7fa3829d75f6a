/** Per-request records, /stats aggregates and persistence; keys never stored. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { startHarness, post } from './helpers/harness';
import { anthropicBody, bigLog } from './helpers/fixtures';
import type { RequestRecord } from '../../src/proxy/server';
import { memoizedCompression } from '../../src/proxy/rewrite';
import type { PriceOverrides } from '../../src/proxy/config';

test('a compressed request is recorded with agent, model, usage, savings and reasons; keys stay out of the store', async () => {
  const h = await startHarness();
  const seen: RequestRecord[] = [];
  const off = h.proxy.onRequest((r) => seen.push(r));
  try {
    const body = anthropicBody({ toolOutput: bigLog() });
    (body.messages as unknown[]).push(
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_02', name: 'Read', input: { path: 'a.ts' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_02', content: 'short file\n' }] },
    );
    await post(`${h.proxy.url}/v1/messages`, JSON.stringify(body), { 'user-agent': 'claude-cli/2.0.1 (external, cli)', 'x-api-key': 'sk-ant-SECRET-123' });
    await h.proxy.settled();
    assert.equal(seen.length, 1);
    const r = seen[0];
    assert.equal(r.agent, 'claude-code');
    assert.equal(r.provider, 'anthropic');
    assert.equal(r.model, 'claude-sonnet-4-5');
    assert.deepEqual(r.usage, { input: 100, output: 7, cacheRead: 300, cacheWrite: 20 });
    assert.equal(r.tokensAfter, 420);
    assert.ok(r.tokensSaved > 1000, `saved ${r.tokensSaved}`);
    assert.equal(r.tokensBefore, r.tokensAfter + r.tokensSaved);
    assert.ok(r.dollarsSaved > 0);
    assert.ok(r.msAdded >= 0 && r.msAdded < 5000);
    const compressed = r.outputs.find((o) => !o.reason)!;
    assert.equal(compressed.kind, 'logs');
    assert.ok(compressed.tokensIn! > compressed.tokensOut!);
    // The record names the stored originals of its markers, for the stats view's side-by-side.
    assert.ok(compressed.hashes && compressed.hashes.length > 0);
    for (const hash of compressed.hashes!) assert.ok(h.store.get(hash), `original ${hash} stored`);
    // The compressed text itself is found through the memo, never copied into the request log.
    const sent = memoizedCompression(h.store, compressed.contentHash!);
    assert.ok(sent && compressed.hashes!.every((x) => sent.includes(`hash=${x}`)), 'the memo holds the text with its markers');
    assert.ok(JSON.stringify(r).length < 2048, `record stays small: ${JSON.stringify(r).length} chars`);
    assert.deepEqual(r.outputs.filter((o) => o.reason).map((o) => o.reason), ['excluded-tool']);

    const stats = await (await fetch(`${h.proxy.url}/stats`)).json() as ReturnType<typeof h.proxy.stats>;
    assert.equal(stats.totals.requests, 1);
    assert.equal(stats.byModel['claude-sonnet-4-5'].requests, 1);
    assert.equal(stats.byAgent['claude-code'].requests, 1);
    assert.ok(stats.byKind.logs.tokensSaved > 1000);
    assert.equal(stats.leftAlone['excluded-tool'], 1);
    assert.ok(stats.totals.dollarsSaved > 0);
    assert.equal(Object.keys(stats.byDay).length, 1);

    const stored = h.store.listRequests();
    assert.equal(stored.length, 1);
    const text = JSON.stringify(stored);
    assert.ok(!text.includes('SECRET'), 'API keys never reach the store');
    assert.ok(!JSON.stringify(seen).includes('SECRET'));
  } finally {
    off();
    await h.close();
  }
});

test('bypassed requests are recorded under the model their body names (plain or gzip, model first or last)', async () => {
  const h = await startHarness();
  const seen: RequestRecord[] = [];
  const off = h.proxy.onRequest((r) => seen.push(r));
  try {
    const { model: _m, ...rest } = anthropicBody({ toolOutput: bigLog() }) as Record<string, unknown>;
    void _m;
    // The model after the messages, as some SDKs order it.
    const last = Buffer.from(JSON.stringify({ ...rest, model: 'claude-opus-4-1' }));
    await post(`${h.proxy.url}/v1/messages`, last, { 'x-headroom-bypass': '1' });
    await post(`${h.proxy.url}/v1/messages`, zlib.gzipSync(last), { 'x-headroom-bypass': '1', 'content-encoding': 'gzip' });
    h.proxy.setBypass(true);
    await post(`${h.proxy.url}/v1/chat/completions`, JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }), { authorization: 'Bearer sk-test', 'x-api-key': '' });
    await h.proxy.settled();
    assert.deepEqual(seen.map((r) => [r.bypass, r.model]), [[true, 'claude-opus-4-1'], [true, 'claude-opus-4-1'], [true, 'gpt-4.1']]);
    assert.deepEqual(h.upstream.received[0].body, last, 'forwarded untouched');
    const stats = h.proxy.stats();
    assert.equal(stats.byModel['claude-opus-4-1'].requests, 2);
    assert.equal(stats.byModel['gpt-4.1'].requests, 1);
    assert.equal(stats.byModel.unknown, undefined);
  } finally {
    off();
    await h.close();
  }
});

test('pass-through calls that are not model calls are recorded but not counted as requests in /stats totals and time series', async () => {
  const h = await startHarness();
  const seen: RequestRecord[] = [];
  const off = h.proxy.onRequest((r) => seen.push(r));
  try {
    const headers = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
    assert.equal((await fetch(`${h.proxy.url}/v1/models`, { headers })).status, 200);
    assert.equal((await post(`${h.proxy.url}/v1/messages/count_tokens`, JSON.stringify(anthropicBody({ toolOutput: 'x' })))).status, 200);
    assert.equal((await fetch(`${h.proxy.url}/v1/files`, { headers })).status, 200);
    assert.equal((await post(`${h.proxy.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: 'x' })))).status, 200);
    await h.proxy.settled();
    assert.equal(seen.length, 4, 'every call is recorded');
    assert.equal(h.store.listRequests().length, 4, 'and stored');
    const stats = h.proxy.stats();
    assert.equal(stats.totals.requests, 1, 'only the model call counts');
    assert.deepEqual(Object.values(stats.byDay).map((b) => b.requests), [1]);
    assert.deepEqual(Object.keys(stats.byModel), ['claude-sonnet-4-5']);
    assert.equal(Object.values(stats.byAgent).reduce((n, b) => n + b.requests, 0), 1);
  } finally {
    off();
    await h.close();
  }
});

test('closing the proxy right after a response still records that request in the store', async () => {
  const h = await startHarness();
  try {
    const r = await post(`${h.proxy.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: bigLog(800, 11) })));
    assert.equal(r.status, 200);
    // No settled(): the request's tokens are still being counted when the proxy closes.
    await h.proxy.close();
    const logged = h.store.listRequests({ limit: 10 }) as RequestRecord[];
    assert.equal(logged.length, 1, 'the last request is in the request log');
    assert.ok(logged[0].tokensSaved > 0);
  } finally {
    await h.close();
  }
});

test('a request the provider refused saved nothing; agents are told apart, Headroom\'s own Copilot models included', async () => {
  let status = 529;
  const h = await startHarness({
    respond: (_got, res) => {
      if (status !== 200) res.writeHead(status, { 'content-type': 'application/json' }).end('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'm', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 100, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } }));
    },
  });
  const seen: RequestRecord[] = [];
  const off = h.proxy.onRequest((r) => seen.push(r));
  try {
    const body = JSON.stringify(anthropicBody({ toolOutput: bigLog() }));
    assert.equal((await post(`${h.proxy.url}/v1/messages`, body, { 'user-agent': 'claude-cli/2.0.1 (external, cli)' })).status, 529);
    status = 200;
    assert.equal((await post(`${h.proxy.url}/v1/messages`, body, { 'user-agent': 'headroom-vscode-copilot-provider/0.1' })).status, 200);
    assert.equal((await post(`${h.proxy.url}/v1/messages`, body, { 'user-agent': 'RooCode/3.52.0' })).status, 200);
    await h.proxy.settled();
    // Records arrive as their counting ends, in no fixed order.
    assert.deepEqual(seen.map((r) => r.agent).sort(), ['claude-code', 'copilot', 'roo-code']);
    const refused = seen.find((r) => r.status === 529)!;
    assert.equal(refused.agent, 'claude-code');
    assert.equal(refused.tokensSaved, 0, 'refused: nothing saved');
    assert.equal(refused.dollarsSaved, 0);
    const served = seen.filter((r) => r.status === 200);
    for (const r of served) assert.ok(r.tokensSaved > 1000 && r.dollarsSaved > 0);
    const stats = h.proxy.stats();
    assert.equal(stats.totals.compressedRequests, 2);
    assert.equal(stats.totals.tokensSaved, served[0].tokensSaved + served[1].tokensSaved);
  } finally {
    off();
    await h.close();
  }
});

test('the cache write of adding the retrieve tool is charged on the turn that adds it, not on later turns that keep it', async () => {
  const h = await startHarness({
    respond: (_got, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'm', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 100, output_tokens: 2, cache_read_input_tokens: 1500, cache_creation_input_tokens: 800 } }));
    },
  });
  const seen: RequestRecord[] = [];
  const off = h.proxy.onRequest((r) => seen.push(r));
  try {
    const first = anthropicBody({ toolOutput: bigLog() });
    // The next turn: the old result cleared by the agent, a small new one; the tool stays.
    const next = anthropicBody({ toolOutput: '[Old tool result content cleared]' });
    (next.messages as unknown[]).push(
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_09', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_09', content: 'a\nb\n' }] },
    );
    for (const b of [first, next]) assert.equal((await post(`${h.proxy.url}/v1/messages`, JSON.stringify(b))).status, 200);
    await h.proxy.settled();
    assert.deepEqual(seen.map((r) => r.retrieveToolInjected), [true, true]);
    // Records arrive as their counting ends: the later turn is the one without a compressed output.
    const later = seen.find((r) => r.outputs.every((o) => o.reason))!;
    // Only the tool's own tokens, at the cache-read rate: far less than the 800-token write.
    assert.ok(later.dollarsSaved < 0 && later.dollarsSaved > -0.0005, JSON.stringify(later));
  } finally {
    off();
    await h.close();
  }
});

test('prices from the settings override the bundled table for dollars saved', async () => {
  const { priceFor } = await import('../../src/proxy/prices');
  assert.equal(priceFor('o3-mini').price.input, 1.1, 'o3-mini is not priced as o3');
  assert.equal(priceFor('qwen2.5-coder:7b').known, false);
  assert.deepEqual(priceFor('my-local-model', { 'My-Local-Model': { input: 0 } }), { price: { input: 0, output: 10, cacheRead: 0.125, cacheWrite: 0 }, known: true });
  const saved: number[] = [];
  const tables: PriceOverrides[] = [{}, { 'claude-sonnet-4-5': { input: 30, cacheRead: 3 } }];
  for (const prices of tables) {
    const h = await startHarness({ config: { prices } });
    const seen: RequestRecord[] = [];
    const off = h.proxy.onRequest((r) => seen.push(r));
    try {
      await post(`${h.proxy.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: bigLog() })));
      await h.proxy.settled();
      saved.push(seen[0].dollarsSaved);
    } finally {
      off();
      await h.close();
    }
  }
  assert.ok(Math.abs(saved[1] / saved[0] - 10) < 0.5, `${saved}`);
});
