import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCounter, countSliced } from '../../src/proxy/token-counter';
import { countTokens } from '../../src/engine/tokens';
import { bigLog } from './helpers/fixtures';

test('worker and main-thread counts agree with js-tiktoken', async () => {
  const text = bigLog(300, 4) + 'Grüße 👋 — 日本語\n';
  const worker = new TokenCounter(true);
  const local = new TokenCounter(false);
  try {
    for (const model of ['claude-sonnet-4-5', 'gpt-4.1', 'gpt-4']) {
      const exact = countTokens(text, model);
      const w = (await worker.count(text, model)).n;
      assert.equal(w, exact, `worker count for ${model}`);
      const l = (await local.count(text, model)).n;
      // Slices are cut at line ends, so the sum matches to within a token per slice.
      assert.ok(Math.abs(l - exact) <= Math.ceil(text.length / 8192) * 2, `${model}: ${l} vs ${exact}`);
    }
    assert.equal(await countSliced('', 'gpt-4o'), 0);
  } finally {
    worker.close();
    local.close();
  }
});
