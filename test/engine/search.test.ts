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
