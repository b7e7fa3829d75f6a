/** Hostile inputs: each returns in bounded time, fails open where it cannot compress, never throws. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import type { ContentKind } from '../../src/engine/types';
import { MemorySink } from '../helpers/memory-sink';

function run(text: string, kind?: ContentKind) {
  const sink = new MemorySink();
  const t0 = performance.now();
  const r = compress(text, { store: sink, kind, countTokens: false });
  return { ...r, wall: performance.now() - t0, sink };
}

test('binary data comes back unchanged', () => {
  const bytes = Buffer.alloc(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
  const text = bytes.toString('latin1');
  const r = run(text);
  assert.equal(r.text, text);
  assert.equal(r.report.unchanged, 'binary');
});

test('invalid UTF-8 decoded with replacement characters is not compressed as text', () => {
  const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? 0xc3 : i % 3 === 1 ? 0x28 : 0xff)));
  const text = bytes.toString('utf8');
  const r = run(text);
  assert.equal(r.text, text);
});

test('empty input comes back unchanged', () => {
  assert.equal(run('').text, '');
});

test('a 20 MB log returns in bounded time and never grows', () => {
  const line = (i: number) => `2024-03-01 12:${String(i % 60).padStart(2, '0')}:00,${String(i % 1000).padStart(3, '0')} INFO worker-${i % 7} processed batch ${i} in ${i % 97} ms\n`;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 20 * 1024 * 1024; i++) {
    const l = i % 50_000 === 0 ? `2024-03-01 12:00:00,000 ERROR worker-3 batch ${i} failed: connection reset\n` : line(i);
    parts.push(l);
    size += l.length;
  }
  const text = parts.join('');
  const r = run(text);
  assert.ok(r.wall < 20_000, `took ${r.wall} ms`);
  assert.ok(r.text.length <= text.length);
  assert.equal(r.report.error, undefined);
});

test('JSON nested 10,000 deep does not throw out of the engine', () => {
  const text = '['.repeat(10_000) + '1' + ']'.repeat(10_000);
  for (const kind of [undefined, 'json'] as const) {
    const r = run(text, kind);
    assert.ok(r.text.length <= text.length);
    assert.ok(r.wall < 10_000);
  }
  const objects = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
  const r = run(objects);
  assert.ok(r.text.length <= objects.length);
});

test('a single 5 MB line returns promptly and stays whole or is omitted behind a marker', () => {
  const text = 'x'.repeat(5 * 1024 * 1024);
  for (const kind of [undefined, 'logs', 'code', 'search', 'prose'] as const) {
    const r = run(text, kind);
    assert.ok(r.wall < 10_000, `${kind}: ${r.wall} ms`);
    assert.ok(r.text.length <= text.length);
    for (const m of r.text.matchAll(/hash=([0-9a-f]{24})/g)) assert.ok(r.sink.get(m[1]) !== undefined);
  }
});

test('every kind hint survives arbitrary text without throwing', () => {
  const samples = ['', 'plain words only', '{"unterminated": ', '@@ -1 +1 @@\n+x', 'a:1:b\n'.repeat(100), '\r\n\r\n\r\n', '├── a\n└── b\n'];
  const kinds: ContentKind[] = ['json', 'logs', 'search', 'diff', 'gitlog', 'build', 'dirlist', 'code', 'html', 'table', 'prose', 'mixed'];
  for (const kind of kinds) for (const s of samples) {
    const r = run(s, kind);
    assert.equal(r.report.error, undefined, `${kind} threw on ${JSON.stringify(s)}: ${r.report.error}`);
    assert.ok(r.text.length <= s.length);
  }
});
