/**
 * The compression pool: unseen outputs compressed by a worker thread and by the request thread
 * give the same bytes as compressing everything on one thread, the worker's originals reach the
 * store before the body is returned, and a worker that goes away fails its jobs open, never hangs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/store';
import { Rewriter } from '../../src/proxy/rewrite';
import { resolveConfig } from '../../src/proxy/config';
import { CompressPool } from '../../src/proxy/compress-pool';
import { compress } from '../../src/engine/compress';
import { MARKER_HASH_RE } from '../../src/engine/marker';
import { grepOutput, jsonRows, logLines } from '../../bench/proxy-bodies';
import { MemorySink } from '../helpers/memory-sink';

function manyOutputs(seed: number): Buffer {
  const messages: unknown[] = [{ role: 'user', content: 'Why did job 7 fail?' }];
  for (let i = 0; i < 18; i++) {
    const text = i % 3 === 0 ? logLines(400, seed + i) : i % 3 === 1 ? jsonRows(120, seed + i) : grepOutput(300, seed + i);
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `t${i}`, name: 'Bash', input: { cmd: `step ${i}` } }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: text }] });
  }
  return Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages }));
}

async function withStore<T>(fn: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-pool-'));
  const store = await openStore({ path: join(dir, 'store.db') });
  try {
    return await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a worker and the request thread share the outputs; the body equals a one-thread rewrite', async () => {
  const pool = new CompressPool(1);
  try {
    await pool.whenReady();
    const body = manyOutputs(11);
    const single = await withStore(async (store) => new Rewriter(store, resolveConfig({ budgetMs: 60_000 })).rewrite('anthropic', body, { injectRetrieveTool: true })!);
    await withStore(async (store) => {
      const rewriter = new Rewriter(store, resolveConfig({ budgetMs: 60_000 }), pool);
      const parallel = (await rewriter.rewriteParallel('anthropic', body, { injectRetrieveTool: true }))!;
      assert.ok(pool.workerJobs > 0, 'the worker compressed some of the outputs');
      assert.ok(pool.workerJobs < 18, 'the request thread compressed some of the outputs');
      assert.ok(parallel.body.equals(single.body), 'same bytes as compressing on one thread');
      const hashes = [...parallel.body.toString('utf8').matchAll(new RegExp(MARKER_HASH_RE, 'g'))].map((m) => m[1]);
      assert.ok(hashes.length > 18);
      for (const h of hashes) assert.ok(store.has(h), `original ${h} is in the store`);
      // Seen before now: the same bytes again, all from the memo.
      const again = (await rewriter.rewriteParallel('anthropic', body, { injectRetrieveTool: true }))!;
      assert.ok(again.body.equals(parallel.body));
      assert.ok(again.outputs.every((o) => o.replayed));
    });
  } finally {
    pool.close();
  }
});

test('jobs a vanished worker had claimed come back as null and the run ends', async () => {
  const pool = new CompressPool(1);
  await pool.whenReady();
  const texts = Array.from({ length: 40 }, (_, i) => logLines(3000, i));
  const done: number[] = [];
  const results = await pool.run(texts, { deadline: performance.now() + 60_000 }, (i) => {
    if (done.length === 0) {
      // Give the worker time to claim jobs, then take it away mid-batch.
      const until = Date.now() + 300;
      while (Date.now() < until) { /* busy: the worker runs meanwhile */ }
      pool.close();
    }
    done.push(i);
  });
  const claimedByWorker = [...results.keys()];
  assert.ok(claimedByWorker.length > 0, 'the worker had claimed jobs');
  assert.equal(done.length + claimedByWorker.length, texts.length, 'every job was claimed exactly once');
  for (const i of claimedByWorker) assert.ok(!done.includes(i));
  // Whatever the worker finished before it went is a real result; the rest fail open as null.
  for (const [i, r] of results) {
    if (r === null) continue;
    const expected = compress(texts[i], { store: new MemorySink(), countTokens: false });
    assert.equal(r.text, expected.text);
  }
  assert.ok([...results.values()].some((r) => r === null), 'the job in progress failed open');
});
