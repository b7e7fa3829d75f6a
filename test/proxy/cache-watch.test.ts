/** Prompt-cache busts: a turn that reads back less than its previous turn left cached is counted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post } from './helpers/harness';
import { anthropicBody, bigLog } from './helpers/fixtures';
import type { RequestRecord } from '../../src/proxy/server';
import { CACHE_LIFETIME_MS, watchCache, type Turn } from '../../src/proxy/cache-watch';
import type { Usage } from '../../src/proxy/usage';
import { cacheBustsLine } from '../../src/cli/format-summary';

const usage = (cacheRead: number, cacheWrite: number): Usage => ({ input: 40, output: 7, cacheRead, cacheWrite });

test('watchCache judges a turn against what its previous turn left cached, within the lifetime and for the same model', () => {
  const t0 = 1_000_000;
  const first: Turn = {};
  assert.equal(watchCache(first, undefined, 'm', usage(0, 5000), t0), undefined);
  assert.deepEqual(first.cache, { model: 'm', at: t0, cached: 5000 });
  const judge = (u: Usage, after = 1000, model = 'm') => watchCache({}, first, model, u, t0 + after);
  assert.equal(judge(usage(5000, 300)), undefined, 'read back everything');
  assert.equal(judge(usage(4800, 300)), undefined, 'within 5%');
  assert.deepEqual(judge(usage(4700, 600)), { expected: 5000, read: 4700 });
  assert.deepEqual(judge(usage(0, 5300)), { expected: 5000, read: 0 });
  assert.equal(judge(usage(0, 5300), CACHE_LIFETIME_MS + 1), undefined, 'the cache may have expired');
  assert.equal(judge(usage(0, 5300), 1000, 'other'), undefined, 'another model has its own cache');
  assert.equal(watchCache({}, first, 'm', undefined, t0 + 1000), undefined, 'no usage reported');
  const small: Turn = {};
  watchCache(small, undefined, 'm', usage(0, 500), t0);
  assert.equal(watchCache({}, small, 'm', usage(0, 600), t0 + 1000), undefined, 'too little cached to judge');
});

/** The conversation after `turns` tool calls (each turn resends all earlier ones). */
function conversation(turns: number, branch = ''): Record<string, unknown> {
  const extra: unknown[] = [];
  for (let i = 2; i <= turns; i++) {
    extra.push(
      { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}${branch}`, name: 'Bash', input: { command: `step ${i}${branch}` } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}${branch}`, content: branch ? 'ok\n' : bigLog(300, i) }] },
    );
  }
  return anthropicBody({ toolOutput: bigLog(), extraMessages: extra });
}

test('through the proxy: a turn that reads back less of the prompt cache than the turn before left is recorded and counted', async () => {
  const script: Usage[] = [];
  const h = await startHarness({
    respond: (_got, res) => {
      const u = script.shift()!;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn',
        usage: { input_tokens: u.input, output_tokens: u.output, cache_read_input_tokens: u.cacheRead, cache_creation_input_tokens: u.cacheWrite },
      }));
    },
  });
  const seen: RequestRecord[] = [];
  h.proxy.onRequest((r) => seen.push(r));
  try {
    const send = async (body: Record<string, unknown>, u: Usage) => {
      script.push(u);
      assert.equal((await post(`${h.proxy.url}/v1/messages`, JSON.stringify(body))).status, 200);
      await h.proxy.settled();
      return seen.at(-1)!;
    };
    assert.equal((await send(conversation(1), usage(0, 4000))).cacheBust, undefined);
    assert.equal((await send(conversation(2), usage(4000, 600))).cacheBust, undefined, 'read back all of it');
    // A subagent: the same system prompt, tools and first messages, then its own (shorter) conversation.
    assert.equal((await send(conversation(2, 'b'), usage(1000, 3000))).cacheBust, undefined, 'not a turn of the main conversation');
    const bust = await send(conversation(3), usage(0, 5200));
    assert.deepEqual(bust.cacheBust, { expected: 4600, read: 0 });
    assert.equal((await send(conversation(4), usage(5200, 500))).cacheBust, undefined, 'judged against the turn before it');
    const totals = h.proxy.stats().totals;
    assert.equal(totals.cacheBusts, 1);
    assert.equal(totals.cacheBustTokens, 4600);
    assert.equal(h.proxy.stats().byModel['claude-sonnet-4-5'].cacheBusts, 1);
    assert.equal(cacheBustsLine(totals), '1 turn read back less than the turn before had cached (4.6k cached tokens not read)');
  } finally {
    await h.close();
  }
});
