import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { compressTable, splitRow } from '../../src/engine/compressors/table';
import { Ctx } from '../../src/engine/context';
import { makeQuery } from '../../src/engine/query';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

function csv(n: number): string {
  const rows = ['host,region,status,latency_ms,checked_at'];
  for (let i = 0; i < n; i++) {
    const status = i === 137 ? 'FAILED' : 'ok';
    rows.push(`web-${String(i).padStart(3, '0')}.example.net,eu-west-1,${status},${20 + (i % 17)},2024-05-01T10:${String(i % 60).padStart(2, '0')}:00Z`);
  }
  return rows.join('\n') + '\n';
}

const ctx = (sink: MemorySink, q?: string) => new Ctx(makeQuery(q), 'table', sink, performance.now() + 5000);

test('quoted CSV cells keep their delimiters', () => {
  assert.deepEqual(splitRow('a,"b, c",d', { delimiter: ',', markdown: false }), ['a', '"b, c"', 'd']);
  assert.deepEqual(splitRow('| a | b \\| c |', { delimiter: '|', markdown: true }), [' a ', ' b \\| c ']);
});

test('a constant column is stated once and left out of the rows (lossless)', () => {
  const sink = new MemorySink();
  const input = csv(20);
  const r = compressTable(input, ctx(sink));
  assert.ok(r);
  assert.match(r.text, /^# same in all 20 rows \(column left out\): region = eu-west-1; status = ok\nhost,latency_ms,checked_at\n/);
  assert.ok(r.text.includes('web-007.example.net,27,2024-05-01T10:07:00Z\n'));
  assert.ok(!r.text.includes('eu-west-1,'));
});

test('large tables keep header, edges, the failing row and question matches; markers store exact lines', () => {
  const sink = new MemorySink();
  const input = csv(400);
  const { text, report } = compress(input, { store: sink, query: 'what happened to web-250?' });
  assert.equal(report.kind, 'table');
  assert.ok(text.includes('web-137.example.net,FAILED,'), 'anomaly kept');
  assert.ok(text.includes('web-250.example.net,'), 'question match kept');
  assert.ok(text.includes('web-000.example.net,') && text.includes('web-399.example.net,'));
  assert.ok(report.tokensOut! < report.tokensIn! * 0.3);
  for (const h of report.hashes) {
    for (const line of sink.get(h)!.split('\n').filter(Boolean)) assert.ok(input.includes(line + '\n'), 'stored line is an input line');
  }
});

test('markdown tables: rows selected, lines verbatim', () => {
  const sink = new MemorySink();
  const lines = ['| name | kind | size | owner |', '|------|------|------|-------|'];
  for (let i = 0; i < 120; i++) lines.push(`| file${i}.ts | ${i === 61 ? 'error' : 'source'} | ${i * 13} | team-${i % 4} |`);
  const input = lines.join('\n') + '\n';
  const { text } = compress(input, { store: sink, kind: 'table' });
  assert.ok(text.includes('| file61.ts | error | 793 | team-1 |'));
  assert.ok(text.startsWith('| name | kind | size | owner |\n|------|------|------|-------|\n'));
  assertInvariants(input, text, sink);
});

test('deterministic output', () => {
  const input = csv(300);
  assert.equal(compress(input, { store: new MemorySink() }).text, compress(input, { store: new MemorySink() }).text);
});

test('a CSV whose first column is a date, and a boxed mysql result, are tables: the outlier row and the row count survive', () => {
  const csvRows = ['date,region,requests,errors,p99_ms'];
  for (let i = 0; i < 600; i++) csvRows.push(`2024-04-${String(i % 28 + 1).padStart(2, '0')},${['eu-west-1', 'us-east-1', 'ap-south-1'][i % 3]},${10000 + (i * 37) % 500},${i % 5},${120 + i % 30}`);
  const outlier = '2024-04-19,us-east-1,10233,4812,9450';
  csvRows.splice(410, 0, outlier);
  const boxed = ['+------+-------------+---------+----------+', '| id   | customer_id | status  | amount   |', '+------+-------------+---------+----------+'];
  for (let i = 0; i < 400; i++) boxed.push(`| ${String(1000 + i).padEnd(4)} | ${String(200 + i % 50).padEnd(11)} | paid    | ${(20 + (i % 40)).toFixed(2).padStart(8)} |`);
  const odd = '| 7777 | 231         | failed  |  9999.99 |';
  boxed.splice(250, 0, odd);
  boxed.push('+------+-------------+---------+----------+', '401 rows in set (0.01 sec)');
  for (const [input, needles] of [[csvRows.join('\n') + '\n', [outlier]], [boxed.join('\n') + '\n', [odd, '401 rows in set (0.01 sec)']]] as const) {
    const sink = new MemorySink();
    const r = compress(input, { store: sink, countTokens: false });
    assert.equal(r.report.kind, 'table');
    assertInvariants(input, r.text, sink);
    assert.ok(r.text.length < input.length / 4);
    for (const n of needles) assert.ok(r.text.includes(n), `${n} lost:\n${r.text}`);
  }
});
