import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanJson, decodeString, member, applySplices, encodeString, JsonSyntaxError } from '../../src/proxy/json-scan';
import type { JsonNode } from '../../src/proxy/json-scan';

test('offsets of string values, with escapes, spacing and unicode', () => {
  const text = '{ "a" : "x\\"y\\\\" , "b":[1.0, -2e5, true,null, "é\\u00e9\\/"], "c": {"d": "ü"} }';
  const buf = Buffer.from(text);
  const root = scanJson(buf);
  const a = member(root, 'a') as Extract<JsonNode, { type: 'string' }>;
  assert.equal(decodeString(buf, a), 'x"y\\');
  assert.equal(buf.toString('utf8', a.start, a.end), '"x\\"y\\\\"');
  const b = member(root, 'b') as Extract<JsonNode, { type: 'array' }>;
  assert.equal(b.items.length, 5);
  assert.equal(decodeString(buf, b.items[4] as Extract<JsonNode, { type: 'string' }>), 'éé/');
  const d = member(member(root, 'c'), 'd') as Extract<JsonNode, { type: 'string' }>;
  assert.equal(decodeString(buf, d), 'ü');
  const out = applySplices(buf, [{ start: d.start, end: d.end, bytes: encodeString('ß\n', true) }]);
  assert.equal(out.toString(), text.replace('"ü"', '"\\u00df\\n"'));
  assert.deepEqual(JSON.parse(out.toString()).c.d, 'ß\n');
});

test('malformed JSON throws JsonSyntaxError; deep nesting does not overflow', () => {
  for (const bad of ['{"a":', '{"a" 1}', '[1,]x', '{"a":tru}', '"abc', '{} {}', '']) {
    assert.throws(() => scanJson(Buffer.from(bad)), JsonSyntaxError, bad);
  }
  const deep = '['.repeat(10_000) + '"x"' + ']'.repeat(10_000);
  const root = scanJson(Buffer.from(deep));
  assert.equal(root.type, 'array');
  assert.equal(root.end, deep.length);
});
