import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROBE_TOKENS, TokenCounter, WORKER_PROBE, countSliced } from '../../src/proxy/token-counter';
import { countTokens } from '../../src/engine/tokens';
import { bigLog } from './helpers/fixtures';
import { ccrHash } from '../../src/engine/hash';

test('worker and main-thread counts agree with js-tiktoken', async () => {
  // Slices are cut at line starts: indented JSON, code whose lines start with `//` after a `{`
  // (one o200k pre-token), blank lines with spaces, CRLF.
  const json = JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: i, name: `n${i}`, tags: ['a', 'b'] })), null, 2);
  const code = 'function f() {\n// note\n  return 1;\n}\n  \n  \nif (x) {\n//\n}\r\n  y();\r\n'.repeat(300);
  const text = bigLog(300, 4) + 'Grüße 👋 — 日本語\n' + '  indented\n\n\n  {\n    "a": 1\n  }\n'.repeat(2000) + json + code + bigLog(200, 5)
    // Long runs are counted in slices, by the worker as on the main thread.
    + '\n'.repeat(10_000) + 'end ' + '='.repeat(500) + '\n';
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

test('counting waits while the request path holds it and goes on when released', async () => {
  const counter = new TokenCounter(true, 60_000);
  const text = bigLog(400, 7);
  try {
    await counter.count('load the tables\n', 'gpt-4o');
    const release = counter.hold();
    let done = false;
    const pending = counter.count(text, 'gpt-4o').then((c) => ((done = true), c));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(done, false, 'no count while held');
    release();
    release(); // a second call is harmless
    assert.deepEqual(await pending, { n: countTokens(text, 'gpt-4o'), estimated: false });
  } finally {
    counter.close();
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

test('on Linux the counting thread runs at a lower priority than the request thread', { skip: process.platform !== 'linux' }, async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const niceValues = () => readdirSync('/proc/self/task').map((t) => {
    const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
  const before = niceValues();
  const counter = new TokenCounter(true);
  try {
    assert.ok((await counter.count('some text to count\n', 'gpt-4o')).n > 0);
    const after = niceValues();
    assert.equal(after.filter((n) => n > 0).length, before.filter((n) => n > 0).length + 1, 'one more thread with a positive nice value');
    assert.equal((await import('node:os')).getPriority(), 0, 'the calling thread keeps its priority');
  } finally {
    counter.close();
  }
});

test('a count in flight when the worker dies is estimated, labelled so, and not memoized', async () => {
  const counter = new TokenCounter(true);
  const text = bigLog(4000, 9);
  try {
    const pending = counter.count(text, 'gpt-4o');
    // The text has been posted; the worker (still loading its tables) dies before it answers.
    await (counter as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const c = await pending;
    assert.equal(c.estimated, true);
    assert.equal(c.n, Math.ceil(text.length / 3.5));
    assert.equal(counter.peek('gpt-4o', ccrHash(text)), undefined, 'an estimate is not remembered as a count');
  } finally {
    counter.close();
  }
});

test('an idle counting worker does not keep the process alive; a count in flight does', async () => {
  const { spawnSync } = await import('node:child_process');
  const script = [
    "const { TokenCounter } = require('./src/proxy/token-counter');",
    'const c = new TokenCounter(true);',
    "c.count('hello world '.repeat(5000), 'gpt-4o').then((r) => console.log('count', r.n, r.estimated));",
  ].join('\n');
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 25_000 });
  assert.equal(r.status, 0, r.stderr);
  // Answered by the worker (not lost to an early exit), and the process ended without close():
  // the worker is let go after 30 s idle, so an exit well before that means it did not hold on.
  assert.match(r.stdout, /^count 10001 false$/m);
  assert.ok(Date.now() - started < 20_000, `exited after ${Date.now() - started} ms`);
});

test('once the counter is closed, counts are estimated at once instead of counted on the main thread', async () => {
  const tokens = new TokenCounter();
  assert.equal((await tokens.count('warm up the worker', undefined)).estimated, false);
  tokens.close();
  const text = bigLog(3000, 5);
  const started = performance.now();
  const c = await tokens.count(text, undefined);
  assert.equal(c.estimated, true);
  assert.equal(c.n, Math.ceil(text.length / 3.5));
  assert.ok(performance.now() - started < 50, 'no counting after close');
});
