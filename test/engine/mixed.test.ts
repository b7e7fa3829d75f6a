import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { segment } from '../../src/engine/compressors/mixed';
import { Ctx } from '../../src/engine/context';
import { makeQuery } from '../../src/engine/query';
import { splitLines } from '../../src/engine/lines';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

const HEALTH = (i: number) => `2024-03-01 02:${String(10 + (i % 50)).padStart(2, '0')}:00,${String(i % 1000).padStart(3, '0')} INFO  [http] GET /health 200 in ${i % 9}ms`;

function logExcerpt(): string {
  const out: string[] = [];
  for (let i = 0; i < 300; i++) {
    out.push(HEALTH(i));
    if (i === 200) out.push('2024-03-01 02:59:59,202 ERROR [pool] Timeout waiting for connection after 30000ms');
  }
  return out.join('\n') + '\n';
}

function issueReport(): string {
  return [
    'I ran the service overnight and it crashed around 3 AM. Here is what the log said right before',
    'the crash, which suggests the connection pool was exhausted by the batch job at 2:55.',
    '',
    '```log',
    logExcerpt() + '```',
    '',
    'The pool is configured like this:',
    '',
    '```json',
    JSON.stringify({ pool: { size: 10, timeoutMs: 30000 }, batch: { cron: '55 2 * * *' } }),
    '```',
    '',
    'Could you tell me whether raising the pool size would help?',
    '',
  ].join('\n');
}

test('markdown with fences is split into prose and fenced parts; the log part is compressed', () => {
  const input = issueReport();
  const sink = new MemorySink();
  const { text, report } = compress(input, { store: sink, query: 'why did the pool time out?', countTokens: false });
  assert.equal(report.kind, 'mixed');
  assertInvariants(input, text, sink);
  for (const kept of [
    'I ran the service overnight and it crashed around 3 AM.',
    '```log',
    '```json',
    'ERROR [pool] Timeout waiting for connection after 30000ms',
    'Could you tell me whether raising the pool size would help?',
    '"timeoutMs":30000',
  ]) assert.ok(text.includes(kept), `kept: ${kept}`);
  assert.equal(text.split('```').length, input.split('```').length, 'every fence line is kept');
  assert.ok(report.bytesOut < report.bytesIn / 3, `log excerpt compressed: ${report.bytesOut}/${report.bytesIn}`);
  for (const h of report.hashes) assert.ok(text.includes(`hash=${h}`), 'reported hashes are named in the output');
  const again = compress(input, { store: new MemorySink(), query: 'why did the pool time out?', countTokens: false });
  assert.equal(again.text, text);
});

test('segments: fences with their language, blank-line blocks grouped by kind', () => {
  const input = issueReport();
  const lines = splitLines(input);
  const ctx = new Ctx(makeQuery(''), 'mixed', new MemorySink(), performance.now() + 10_000);
  const segs = segment(lines, ctx);
  assert.deepEqual(
    segs.map((s) => [s.kind, s.fence?.lang ?? null]),
    [['prose', null], ['logs', 'log'], ['prose', null], ['json', 'json'], ['prose', null]],
  );
  // Segments tile the input exactly.
  assert.equal(segs[0].start, 0);
  for (let k = 1; k < segs.length; k++) assert.equal(segs[k].start, segs[k - 1].end);
  assert.equal(segs[segs.length - 1].end, lines.length);
});

test('prose around an unfenced log excerpt compresses the excerpt and keeps the prose', () => {
  const input = [
    'The nightly job died again. Below is the service log from the minutes before it stopped, in case',
    'it helps to see what the pool was doing when the batch job started running at five to three.',
    '',
    logExcerpt(),
    'Can you explain what went wrong and whether the timeout setting should be raised or lowered?',
    '',
  ].join('\n');
  const sink = new MemorySink();
  // Mostly log lines: detected as logs or mixed, either way the sentences survive.
  const { text, report } = compress(input, { store: sink, countTokens: false });
  assert.ok(report.kind === 'mixed' || report.kind === 'logs', report.kind);
  assertInvariants(input, text, sink);
  assert.ok(text.startsWith('The nightly job died again.'));
  assert.ok(text.includes('it helps to see what the pool was doing'));
  assert.ok(text.includes('ERROR [pool] Timeout waiting for connection after 30000ms'));
  assert.ok(text.includes('Can you explain what went wrong'));
  assert.ok(report.bytesOut < report.bytesIn / 3);
});

test('an unclosed fence runs to the end and nothing is lost', () => {
  const input = 'Output:\n\n```\n' + logExcerpt();
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'mixed', countTokens: false });
  assertInvariants(input, text, sink);
  assert.ok(text.startsWith('Output:\n\n```\n'));
  assert.ok(text.includes('ERROR [pool] Timeout'));
});

test('a plain-text agent transcript keeps every turn and folds the passing tests of its tool output', () => {
  const passing = Array.from({ length: 80 }, (_, i) => `✔ handles case number ${i} of the router (${i}.5ms)`).join('\n');
  const input = [
    'User: The router tests are failing since this morning, can you find out why and fix the problem?',
    '',
    'Assistant: I will run the test suite first to see which tests are failing and what the errors say.',
    '',
    '$ npm test',
    passing,
    '✖ rejects malformed paths (3.4ms)',
    '  AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:',
    'ℹ tests 81',
    'ℹ fail 1',
    '',
    'Assistant: One test fails: the router accepts a malformed path. I will look at the path parser next.',
    '',
  ].join('\n');
  const sink = new MemorySink();
  const { text, report } = compress(input, { store: sink, countTokens: false });
  assert.equal(report.kind, 'mixed');
  assertInvariants(input, text, sink);
  for (const kept of ['User: The router tests', 'Assistant: I will run', '$ npm test', '✖ rejects malformed paths (3.4ms)', 'AssertionError', 'ℹ fail 1', 'Assistant: One test fails'])
    assert.ok(text.includes(kept), `kept: ${kept}`);
  assert.match(text, /80 passing tests; hash=/);
});
