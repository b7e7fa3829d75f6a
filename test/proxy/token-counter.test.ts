import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROBE_TOKENS, TokenCounter, WORKER_PROBE, countSliced } from '../../src/proxy/token-counter';
import { countTokens } from '../../src/engine/tokens';
import { bigLog } from './helpers/fixtures';

test('worker and main-thread counts agree with js-tiktoken', async () => {
  const text = bigLog(300, 4) + 'Grüße 👋 — 日本語\n' + '  indented\n\n\n  {\n    "a": 1\n  }\n'.repeat(2000) + bigLog(200, 5);
  const worker = new TokenCounter(true);
  const local = new TokenCounter(false);
  try {
    for (const model of ['claude-sonnet-4-5', 'gpt-4.1', 'gpt-4']) {
      const exact = countTokens(text, model);
      const w = (await worker.count(text, model)).n;
      assert.equal(w, exact, `worker count for ${model}`);
      // Counted in slices cut at pre-tokenizer boundaries: the sum is exact.
      const l = (await local.count(text, model)).n;
      assert.equal(l, exact, `main-thread count for ${model}`);
    }
    assert.equal(await countSliced('', 'gpt-4o'), 0);
  } finally {
    worker.close();
    local.close();
  }
});

test('the worker probe tokens are js-tiktoken\'s own, so its lean encoders are checked against the library', () => {
  const { Tiktoken } = require('js-tiktoken/lite') as typeof import('js-tiktoken/lite');
  for (const name of ['cl100k_base', 'o200k_base'] as const) {
    const m = require(`js-tiktoken/ranks/${name}`);
    const enc = new Tiktoken(m.default ?? m);
    assert.equal(enc.encode(WORKER_PROBE, 'all').join(','), PROBE_TOKENS[name], name);
  }
});
