import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { ccrHash } from '../../src/engine/hash';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

test('ccrHash is the first 24 hex digits of the SHA-256 of the UTF-8 bytes', () => {
  assert.equal(ccrHash('hello'), '2cf24dba5fb0a30e26e83b2a');
  assert.match(ccrHash('é'), /^[0-9a-f]{24}$/);
});

test('repeated lines fold into a marker whose hash retrieves the exact run', () => {
  const sink = new MemorySink();
  const input = 'start\n' + 'same line here, repeated\n'.repeat(50) + 'end\n';
  const { text, report } = compress(input, { store: sink, kind: 'prose' });
  assert.ok(text.length < input.length);
  assert.match(text, /^start\nsame line here, repeated\n\[… 49 identical lines omitted; hash=[0-9a-f]{24}\]\nend\n$/);
  assert.equal(report.hashes.length, 1);
  assert.equal(sink.get(report.hashes[0]), 'same line here, repeated\n'.repeat(49));
  assertInvariants(input, text, sink);
});

test('empty, binary and already-compressed input come back unchanged', () => {
  const sink = new MemorySink();
  for (const [input, reason] of [
    ['', 'empty'],
    ['  \n ', 'empty'],
    ['a\u0000b'.repeat(100), 'binary'],
    ['see [… 3 lines omitted; hash=0123456789abcdef01234567]\n'.repeat(5), 'already-compressed'],
  ] as const) {
    const r = compress(input, { store: sink });
    assert.equal(r.text, input);
    assert.equal(r.report.unchanged, reason);
  }
});

test('reports bytes, tokens and engine time separately from counting time', () => {
  const sink = new MemorySink();
  const input = 'x\n'.repeat(10) + 'ERROR boom\n'.repeat(20);
  const r = compress(input, { store: sink, kind: 'prose', model: 'gpt-4o' });
  assert.equal(r.report.bytesIn, input.length);
  assert.equal(r.report.bytesOut, Buffer.byteLength(r.text));
  assert.ok((r.report.tokensIn ?? 0) > (r.report.tokensOut ?? 0));
  assert.equal(r.report.tokenizer, 'o200k_base');
  assert.equal(typeof r.report.countMs, 'number');
});
