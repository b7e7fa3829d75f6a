import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markerAt, markersInLine, markersInLines, parseHashInput } from '../../src/extension/markers';
import { compress } from '../../src/engine/compress';
import { markerHashes } from '../../src/engine/marker';
import { MemorySink } from '../helpers/memory-sink';

const H1 = '0123456789abcdef01234567';
const H2 = 'fedcba9876543210fedcba98';

test('finds every marker on a line with exact columns', () => {
  const line = `[… 12 lines omitted; hash=${H1}] and [… 3 lines omitted; hash=${H2}]`;
  const spans = markersInLine(line, 7);
  assert.deepEqual(spans.map((s) => s.hash), [H1, H2]);
  for (const s of spans) {
    assert.equal(s.line, 7);
    assert.equal(line.slice(s.start, s.end), `hash=${s.hash}`);
  }
});

test('rejects look-alikes: 23 or 25 hex digits, upper case, glued prefixes', () => {
  assert.equal(markersInLine(`hash=${H1.slice(1)}`, 0).length, 0);
  assert.equal(markersInLine(`hash=${H1}a`, 0).length, 0);
  assert.equal(markersInLine(`hash=${H1.toUpperCase()}`, 0).length, 0);
  assert.equal(markersInLine(`filehash=${H1}`, 0).length, 0);
  assert.equal(markersInLine(`"hash=${H1}"`, 0).length, 1);
});

test('the marker under the cursor, including right after it', () => {
  const line = `x hash=${H1} y`;
  assert.equal(markerAt(line, 0, 0), undefined);
  assert.equal(markerAt(line, 0, 2)?.hash, H1);
  assert.equal(markerAt(line, 0, 2 + 5 + 24)?.hash, H1);
  assert.equal(markerAt(line, 0, 2 + 5 + 25), undefined);
});

test('markers across a document, bounded', () => {
  const lines = ['nothing', `a hash=${H1}`, 'b', `c hash=${H2} hash=${H1}`];
  assert.deepEqual(markersInLines(lines).map((s) => [s.line, s.hash]), [[1, H1], [3, H2], [3, H1]]);
  assert.equal(markersInLines(Array(100).fill(`hash=${H1}`), 10).length, 10);
});

test('agrees with the engine: every hash the engine emits is found, with the same text', () => {
  const sink = new MemorySink();
  const input = Array.from({ length: 400 }, (_, i) => `2024-05-01 12:00:${String(i % 60).padStart(2, '0')} INFO worker-${i % 7} processed batch ${i} ok`).join('\n') + '\n2024-05-01 12:10:00 ERROR worker-3 failed: timeout\n';
  const { text } = compress(input, { store: sink });
  const engine = markerHashes(text);
  assert.ok(engine.length > 0, 'the engine emitted markers');
  const ours = [...new Set(markersInLines(text.split('\n')).map((s) => s.hash))];
  assert.deepEqual(ours, engine);
  for (const h of ours) assert.ok(sink.get(h), 'each found hash names a stored original');
});

test('hash input: bare, prefixed, whole marker line, or nothing', () => {
  assert.equal(parseHashInput(`  ${H1} `), H1);
  assert.equal(parseHashInput(H1.toUpperCase()), H1);
  assert.equal(parseHashInput(`[… 3 lines omitted; hash=${H2}]`), H2);
  assert.equal(parseHashInput('hash=123'), undefined);
  assert.equal(parseHashInput(''), undefined);
});
