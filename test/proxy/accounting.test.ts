/** Per-request records, /stats aggregates and persistence; keys never stored. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post } from './helpers/harness';
import { anthropicBody, bigLog } from './helpers/fixtures';
import type { RequestRecord } from '../../src/proxy/server';
import { memoizedCompression } from '../../src/proxy/rewrite';

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
