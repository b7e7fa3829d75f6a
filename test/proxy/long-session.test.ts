/**
 * Long sessions, restarts and the store: decisions and originals a conversation still carries
 * stay in the store, and later turns (also after a restart) repeat the bytes sent before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/store';
import { compressOutput, Rewriter } from '../../src/proxy/rewrite';
import { resolveConfig } from '../../src/proxy/config';
import type { ProxyConfig } from '../../src/proxy/config';
import { ccrHash } from '../../src/engine/hash';
import { markerHashes } from '../../src/engine/marker';
import { bigLog } from './helpers/fixtures';

/** An Anthropic body: one tool call per output, the question last. */
function anthropic(outputs: Array<string | { text: string; isError?: boolean; tool?: string }>, question: string): Buffer {
  const messages: unknown[] = [{ role: 'user', content: 'Fix the failing job.' }];
  outputs.forEach((o, i) => {
    const out = typeof o === 'string' ? { text: o } : o;
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: out.tool ?? 'Bash', input: { command: `step ${i}` } }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: out.text, ...(out.isError ? { is_error: true } : {}) }] });
  });
  messages.push({ role: 'user', content: question });
  return Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages }));
}

/** Rows whose compression depends on the question (the JSON compressor keeps rows it asks about). */
function rows(seed: number): string {
  return JSON.stringify(Array.from({ length: 300 }, (_, k) => ({ id: k, name: `item-${k}-${seed}`, owner: `user${k % 17}`, status: k % 11 ? 'ok' : 'broken', note: `n${k * 7}` })), null, 2);
}

function tempStorePath(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-long-'));
  return { path: join(dir, 'store.db'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

function rewriter(store: Awaited<ReturnType<typeof openStore>>, config: Partial<ProxyConfig> = {}): Rewriter {
  return new Rewriter(store, resolveConfig({ budgetMs: 10_000, ...config }));
}

test('an already-compressed output naming one stored original gets the retrieve tool', async () => {
  const store = await openStore({ path: null });
  const original = bigLog(300, 7);
  const hash = ccrHash(original);
  store.put(hash, original, 'logs');
  const text = `${bigLog(40, 8)}[… 300 lines omitted: the service log; hash=${hash}]\n`;
  const r = rewriter(store).rewrite('anthropic', anthropic([text], 'why?'), { injectRetrieveTool: true })!;
  assert.equal(r.outputs[0].reason, 'already-compressed');
  assert.equal(r.hasMarkers, true, 'the body names a stored original');
  assert.equal(r.retrieveToolInjected, true);
  await store.close();
});

test('a conversation longer than the store TTL: its decisions and originals stay, a restart replays the same bytes', async () => {
  const { path, done } = tempStorePath();
  let now = 1_000_000;
  const ttlMs = 60_000;
  let store = await openStore({ path, ttlMs, now: () => now, saveDelayMs: 10 });
  let rw = rewriter(store);
  // The first output's compression depends on the question asked when it arrived.
  const outputs = [rows(1)];
  let sent = rw.rewrite('anthropic', anthropic(outputs, 'why is user3 broken'), { injectRetrieveTool: false })!;
  const first = sent.outputs[0];
  assert.equal(first.reason, undefined, 'compressed');
  const named = markerHashes(first.compressed!);
  assert.ok(named.length > 0);
  // Ten turns ten seconds apart: the conversation (and its first output) is in use past the TTL.
  for (let i = 0; i < 10; i++) {
    now += 10_000;
    outputs.push(bigLog(150, 100 + i));
    sent = rw.rewrite('anthropic', anthropic(outputs, `what does compute4 return for input${i}`), { injectRetrieveTool: false })!;
    await store.flush();
  }
  for (const h of named) assert.ok(store.has(h), `original ${h} the conversation still names is kept`);
  await store.close();

  store = await openStore({ path, ttlMs, now: () => now, saveDelayMs: 10 });
  rw = rewriter(store);
  const again = rw.rewrite('anthropic', anthropic(outputs, 'what does compute4 return for input9'), { injectRetrieveTool: false })!;
  assert.ok(again.body.equals(sent.body), 'after a restart the same turn is forwarded byte for byte');
  assert.equal(again.outputs.at(-1)!.replayed, true);
  await store.close();
  done();
});

/**
 * Turn 1 under the first settings, a restart under the second, turn 2 (the same conversation plus
 * one output): turn 2 forwards turn 1's bytes again.
 */
async function acrossSettingsChange(outputs: Parameters<typeof anthropic>[0], before: Partial<ProxyConfig>, after: Partial<ProxyConfig>) {
  const { path, done } = tempStorePath();
  try {
    let store = await openStore({ path, saveDelayMs: 10 });
    const turn1 = rewriter(store, before).rewrite('anthropic', anthropic(outputs, 'why does the job fail?'), { injectRetrieveTool: false })!;
    await store.close();
    store = await openStore({ path, saveDelayMs: 10 });
    const next = [...outputs, bigLog(120, 99)];
    const turn2 = rewriter(store, after).rewrite('anthropic', anthropic(next, 'and now?'), { injectRetrieveTool: false })!;
    await store.close();
    // The messages array of turn 1, without its last message (the question), is a prefix of turn 2's.
    const cut = turn1.body.indexOf(Buffer.from(',{"role":"user","content":"why does the job fail?"}'));
    assert.ok(cut > 0);
    return { turn1, turn2, stable: turn2.body.subarray(0, cut).equals(turn1.body.subarray(0, cut)) };
  } finally {
    done();
  }
}

test('an output left alone as too small stays so after minBytes is lowered and the proxy restarts', async () => {
  const small = bigLog(20, 3);
  const bytes = Buffer.byteLength(small);
  assert.ok(bytes > 600 && bytes < 1500, `fixture size ${bytes}`);
  // Under a low threshold the engine does compress it (so the check below means something).
  const store = await openStore({ path: null });
  const low = rewriter(store, { minBytes: 500 }).rewrite('anthropic', anthropic([small], 'q'), { injectRetrieveTool: false })!;
  assert.equal(low.outputs[0].reason, undefined);
  await store.close();

  const r = await acrossSettingsChange([small], { minBytes: 1500 }, { minBytes: 500 });
  assert.equal(r.turn1.outputs[0].reason, 'too-small');
  assert.ok(r.stable, 'turn 2 repeats turn 1 (the output stays as sent)');
});

test('an output compressed stays compressed after minBytes is raised and the proxy restarts', async () => {
  const r = await acrossSettingsChange([bigLog(20, 3)], { minBytes: 500 }, { minBytes: 1500 });
  assert.equal(r.turn1.outputs[0].reason, undefined);
  assert.ok(r.stable);
});

test('an error output left alone stays so after errorMinBytes is lowered and the proxy restarts', async () => {
  const err = { text: bigLog(60, 4), isError: true };
  const r = await acrossSettingsChange([err], { errorMinBytes: 8000 }, { errorMinBytes: 1000 });
  assert.equal(r.turn1.outputs[0].reason, 'error-output');
  assert.ok(r.stable);
});

test('an error output compressed stays compressed after errorMinBytes is raised and the proxy restarts', async () => {
  const err = { text: bigLog(60, 4), isError: true };
  const r = await acrossSettingsChange([err], { errorMinBytes: 1000 }, { errorMinBytes: 8000 });
  assert.equal(r.turn1.outputs[0].reason, undefined);
  assert.ok(r.stable);
});

test('an output that says its command failed, left alone, stays so after errorMinBytes is lowered', async () => {
  const failed = `Exit code: 1\n${bigLog(60, 5)}`;
  const r = await acrossSettingsChange([failed], { errorMinBytes: 8000 }, { errorMinBytes: 1000 });
  assert.equal(r.turn1.outputs[0].reason, 'error-output');
  assert.ok(r.stable);
});

/** An OpenAI Chat body with one terminal output. */
function chat(output: string): Buffer {
  return Buffer.from(JSON.stringify({
    model: 'gpt-4.1',
    messages: [
      { role: 'user', content: 'why?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'run_in_terminal', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: output },
    ],
  }));
}

test('the direct route (compressOutput) and the proxy send the same bytes for framed and failing outputs, in either order', async () => {
  const outputs = [
    bigLog(200, 2),
    `Exit code: 0\nWall time: 1.2 seconds\nOutput:\n${bigLog(200, 3)}`,
    `Exit code: 1\nWall time: 1.2 seconds\nOutput:\n${bigLog(60, 4)}`,
  ];
  for (const output of outputs) {
    for (const directFirst of [true, false]) {
      const store = await openStore({ path: null });
      const viaProxy = () => JSON.parse(rewriter(store).rewrite('chat', chat(output), { injectRetrieveTool: false })!.body.toString()).messages[2].content as string;
      const direct = () => compressOutput(store, output, 'why?', 10_000);
      const [a, b] = directFirst ? [direct(), viaProxy()] : [viaProxy(), direct()];
      assert.equal(a, b, `${output.slice(0, 20)}: ${directFirst ? 'direct, then proxy' : 'proxy, then direct'}`);
      await store.close();
    }
  }
});

test('a long request log seeds the stats one record at a time, not all at once', async () => {
  const { loadPersisted } = await import('../../src/proxy/persist');
  const store = await openStore({ path: null });
  // Records of a long session list every tool output of their request (~15 KB of JSON each).
  const outputs = Array.from({ length: 40 }, () => ({ tool: 'Bash', kind: 'logs', bytesIn: 40000, bytesOut: 2000, tokensIn: 9000, tokensOut: 500, replayed: true, hashes: Array.from({ length: 8 }, (_, k) => `${'a'.repeat(22)}${10 + k}`), contentHash: 'b'.repeat(24) }));
  const now = Date.now();
  const n = 3000;
  for (let i = 0; i < n; i += 500) {
    store.appendRequestsJson(Array.from({ length: 500 }, (_, k) => ({
      at: now - (i + k) * 1000,
      json: JSON.stringify({ id: `r${i + k}`, ts: now - (i + k) * 1000, agent: 'claude-code', provider: 'anthropic', api: 'anthropic', path: '/v1/messages', model: 'claude-sonnet-4-5', stream: true, status: 200, bypass: false, msAdded: 1, tokensBefore: 1000, tokensAfter: 300, tokensSaved: 700, tokensAdded: 0, usageEstimated: false, outputs, retrieveToolInjected: true, retrievals: 0, retrievalMisses: 0, dollarsSaved: 0.01 }),
    })));
  }
  const before = process.memoryUsage().heapUsed;
  let seen = 0;
  let grownAtFirst = -1;
  loadPersisted(store, () => {
    if (seen++ === 0) grownAtFirst = process.memoryUsage().heapUsed - before;
  });
  assert.equal(seen, n);
  // All 3,000 parsed records (~45 MB of JSON) held at once would be well over 100 MB of heap.
  assert.ok(grownAtFirst < 40e6, `heap grew ${Math.round(grownAtFirst / 1e6)} MB before the first record was handed over`);
  await store.close();
});

test('stats breakdowns stay bounded over thousands of model names and days; totals still count everything', async () => {
  const { StatsAggregator, MAX_KEYS, MAX_DAYS, OTHER } = await import('../../src/proxy/stats');
  const agg = new StatsAggregator();
  const n = 5000;
  const day0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    agg.add({
      id: `r${i}`, ts: day0 + i * 86_400_000, agent: 'claude-code', provider: 'openai', api: 'chat', path: '/v1/chat/completions',
      model: `ft:gpt-4.1:org:custom-${i}`, stream: false, status: 200, bypass: false, msAdded: 1, tokensBefore: 10, tokensAfter: 5,
      tokensSaved: 5, tokensAdded: 0, usageEstimated: true, retrieveToolInjected: false, retrievals: 0, retrievalMisses: 0, dollarsSaved: 0,
      outputs: [{ kind: `kind-${i}`, reason: `reason-${i}`, bytesIn: 10, bytesOut: 10, replayed: false }],
    });
  }
  const s = agg.snapshot();
  assert.equal(s.totals.requests, n);
  assert.ok(Object.keys(s.byModel).length <= MAX_KEYS + 1);
  assert.equal(Object.values(s.byModel).reduce((a, b) => a + b.requests, 0), n, 'every request is in some model bucket');
  assert.ok(s.byModel[OTHER].requests > 0);
  assert.ok(Object.keys(s.byKind).length <= MAX_KEYS + 1);
  assert.ok(Object.keys(s.leftAlone).length <= MAX_KEYS + 1);
  const days = Object.keys(s.byDay).sort();
  assert.ok(days.length <= MAX_DAYS);
  assert.equal(days.at(-1), new Date(day0 + (n - 1) * 86_400_000).toISOString().slice(0, 10), 'the latest days are kept');
});
