import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { detectKind } from '../../src/engine/detect';
import { parseSearch } from '../../src/engine/text/search-parse';
import { splitLines } from '../../src/engine/lines';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

// grep -rn Widget output over a small TypeScript project: one definition, many usages and comments.
function grepOutput(): string {
  const lines = [
    'src/widget.ts:3:// A Widget renders one item of the dashboard.',
    'src/widget.ts:12:export class Widget {',
    'src/widget.ts:20:  static fromConfig(config: WidgetConfig): Widget {',
    'src/widget.ts:31:  static empty = new Widget([]);',
  ];
  for (let i = 0; i < 30; i++) lines.push(`src/views/view${i}.ts:${10 + i}:    const w${i} = new Widget(items${i}); // render the item list`);
  for (let i = 0; i < 20; i++) lines.push(`test/widget${i}.test.ts:${5 + i}:  it('renders a Widget with ${i} items', () => expect(render(w)).toBe(${i}));`);
  lines.push('src/registry.ts:44:export function registerWidget(w: Widget): void {');
  return lines.join('\n') + '\n';
}

test('search output is detected as search', () => {
  assert.equal(detectKind(grepOutput()), 'search');
});

test('keeps the definition, static members and query-matching declarations verbatim; drops usages behind markers', () => {
  const sink = new MemorySink();
  const input = grepOutput();
  const { text, report } = compress(input, { store: sink, query: 'Where is the Widget class defined and which static factory builds one from a config?' });
  assert.equal(report.strategy, 'search-select');
  for (const needle of [
    'src/widget.ts:12:export class Widget {',
    'src/widget.ts:20:  static fromConfig(config: WidgetConfig): Widget {',
    'src/widget.ts:31:  static empty = new Widget([]);',
  ]) assert.ok(text.includes(needle + '\n'), `kept: ${needle}`);
  assert.ok(!text.includes('src/views/view7.ts:17:'), 'usage dropped');
  assert.match(text, /\[… \d+ lines omitted: \d+ matches in \d+ files: src\/views\/view0\.ts 1, .*hash=[0-9a-f]{24}\]/);
  assert.ok(text.length < input.length / 2);
  assertInvariants(input, text, sink);
  // Every kept hit is `path:N:text` exactly as in the input.
  const inputLines = new Set(input.split('\n'));
  for (const l of text.split('\n')) if (l && !l.startsWith('[…')) assert.ok(inputLines.has(l) && /^[^:]+:\d+:/.test(l));
  // Markers restore the exact dropped lines, in order.
  const restored = text.replace(/\[… [^\]]*hash=([0-9a-f]{24})\]\n/g, (_, h: string) => sink.get(h)!);
  assert.equal(restored, input);
});

test('deterministic', () => {
  const q = 'Where is the Widget class defined?';
  const a = compress(grepOutput(), { store: new MemorySink(), query: q }).text;
  const b = compress(grepOutput(), { store: new MemorySink(), query: q }).text;
  assert.equal(a, b);
});

test('parses ripgrep heading blocks, context lines and separators', () => {
  const input = 'src/a-b.ts\n3:export class Foo {\n4-  x = 1;\n--\n9:  foo() {}\n\nlib/c.py\n1:class Foo:\n';
  const p = parseSearch(splitLines(input));
  assert.deepEqual(p.map((x) => x.kind), ['header', 'match', 'context', 'separator', 'match', 'blank', 'header', 'match']);
  assert.equal(p[1].file, 'src/a-b.ts');
  assert.equal(p[2].text, '  x = 1;');
  const q = parseSearch(splitLines('src/a-b.ts:3:class Foo\nsrc/a-b.ts-4-  y\n'));
  assert.deepEqual(q.map((x) => [x.kind, x.file, x.lineNo, x.text]), [['match', 'src/a-b.ts', '3', 'class Foo'], ['context', 'src/a-b.ts', '4', '  y']]);
});

test('ripgrep heading output keeps headings of files with kept hits', () => {
  const sink = new MemorySink();
  let input = 'src/widget.ts\n12:export class Widget {\n13:  // Widget fields\n\n';
  for (let i = 0; i < 40; i++) input += `src/views/view${i}.ts\n${i + 1}:    const w = new Widget(items); // render it now please\n\n`;
  const { text } = compress(input, { store: sink, kind: 'search', query: 'Where is Widget defined?' });
  assert.ok(text.startsWith('src/widget.ts\n12:export class Widget {\n'));
  assert.ok(!text.includes('src/views/view20.ts'));
  assertInvariants(input, text, sink);
});

test('a huge single line returns promptly', () => {
  const input = 'src/a.ts:1:' + 'x-1-'.repeat(1_000_000) + '\n' + 'src/b.ts:2:const y = 1;\n'.repeat(100);
  const t0 = performance.now();
  const r = compress(input, { store: new MemorySink(), kind: 'search', query: 'where is y', countTokens: false });
  assert.ok(r.text.includes('src/b.ts:2:const y = 1;\n'), 'a representative is kept');
  assert.ok(performance.now() - t0 < 2000);
  assert.ok(r.text.length <= input.length);
});

test('grep over logs keeps the first hit of every distinct error message; a lone hit of the question\'s rare term is kept', () => {
  const msgs = ['connection refused to 10.0.0.7:5432', 'disk full on /var/lib/postgres', 'certificate expired for api.acme.io', 'OOM killed worker pid=4411', 'deadlock detected on table orders'];
  const errs: string[] = [];
  for (let i = 0; i < 120; i++) errs.push(`logs/app-${i % 3}.log:${100 + i * 7}:2024-05-01T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000 ERROR ${msgs[i % 5]} req=${i}`);
  let input = errs.join('\n') + '\n';
  let sink = new MemorySink();
  let r = compress(input, { store: sink, query: 'what errors happened' });
  assert.equal(r.report.kind, 'search');
  assertInvariants(input, r.text, sink);
  for (let k = 0; k < 5; k++) assert.ok(r.text.includes(errs[k] + '\n'), `first "${msgs[k]}" kept`);
  assert.ok(r.text.length < input.length / 4);

  const hits: string[] = [];
  for (let f = 0; f < 30; f++) for (let k = 0; k < 8; k++) hits.push(`src/module${f}/index.ts:${10 + k * 5}:  const result = await client.fetch(url, { retries: ${k} });`);
  const lone = 'src/billing/invoice.ts:88:  const result = await client.fetch(url, { retries: 3, idempotencyKey });';
  hits.splice(133, 0, lone);
  input = hits.join('\n') + '\n';
  sink = new MemorySink();
  r = compress(input, { store: sink, query: 'where is idempotencyKey passed to client.fetch' });
  assert.equal(r.report.kind, 'search');
  assertInvariants(input, r.text, sink);
  assert.ok(r.text.includes(lone + '\n'));
});

test('pytest -v node ids are test results, not grep hits: the failing test is kept', () => {
  const lines: string[] = ['============================= test session starts ==============================', 'collected 500 items', ''];
  for (let i = 0; i < 500; i++) lines.push(`tests/test_api.py::test_endpoint_${i} ${i === 313 ? 'FAILED' : 'PASSED'}${' '.repeat(20)}[${String(Math.floor(i / 5)).padStart(3)}%]`);
  lines.push('', '======================== 1 failed, 499 passed in 12.34s ========================');
  const input = lines.join('\n') + '\n';
  assert.equal(detectKind(input), 'build');
  const sink = new MemorySink();
  const r = compress(input, { store: sink });
  assertInvariants(input, r.text, sink);
  assert.ok(r.text.includes(lines[3 + 313] + '\n'), 'the FAILED line');
  assert.ok(r.text.includes('1 failed, 499 passed'));
});
