import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { compress } from '../../src/engine/compress';
import { initCodeRuntime, prepareCode, warmCodeSupport } from '../../src/engine/code/prepare';
import { parserNow } from '../../src/engine/code/grammars';
import { outlineLines } from '../../src/engine/code/line-units';
import { outlineTree } from '../../src/engine/code/tree-units';
import { splitLines } from '../../src/engine/lines';
import { detectLanguage, languageFromName, type CodeLanguage } from '../../src/engine/code/languages';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

/** Speed is measured by `npm run bench:code`; tests must not fail on a busy machine. */
const BUDGET = 60_000;
const FIXTURES = join(__dirname, '..', 'fixtures', 'code');
/** TypeScript fixtures carry a .txt suffix so that the project's typecheck leaves them alone. */
const fixture = (name: string) => {
  const path = join(FIXTURES, name);
  return readFileSync(existsSync(path) ? path : `${path}.txt`, 'utf8');
};

const CASES: Array<{ file: string; lang: CodeLanguage; kept: string[]; elided: string[] }> = [
  {
    file: 'inventory.ts', lang: 'typescript',
    kept: ["import { EventEmitter } from 'node:events';", 'export const MAX_SHELF_ITEMS = 250;', 'export interface StockItem {', '  location?: string;',
      'export class Inventory extends EventEmitter {', '  restock(sku: string, quantity: number): StockItem {', '  reserve(sku: string, wanted: number): number {',
      'export async function loadCsv(inventory: Inventory, input: Readable): Promise<number> {', 'export const formatItem = (item: StockItem): string => {'],
    elided: ["      const [sku, qty] = line.split(',');"],
  },
  {
    file: 'toolbar.tsx', lang: 'tsx',
    kept: ["import React, { useCallback, useMemo, useState } from 'react';", 'export function Toolbar({ title, actions, onAction }: ToolbarProps) {', 'export const CountBadge = ({ count }: { count: number }) => {'],
    elided: ['        placeholder="Filter actions"'],
  },
  {
    file: 'router.js', lang: 'javascript',
    kept: ["const { parse } = require('node:url');", 'class Router {', '  add(method, pattern, handler) {', '  match(method, url) {', 'function listener(router) {', 'module.exports = { Router, listener, notFound };'],
    elided: ['      const m = route.regex.exec(pathname);'],
  },
  {
    file: 'ratelimit.py', lang: 'python',
    kept: ['import threading', 'DEFAULT_RATE = 10.0', 'class Bucket:', '    capacity: float', 'class RateLimiter:', '    def try_acquire(self, key: str, cost: float = 1.0) -> bool:',
      '        Takes `cost` tokens from the bucket of `key` if it has them.', '    def wait_time(self, key: str, cost: float = 1.0) -> float:', '    @property',
      'def acquire_blocking(limiter: RateLimiter, key: str, cost: float = 1.0, timeout: float = 30.0) -> bool:'],
    elided: ['            missing = cost - bucket.tokens'],
  },
  {
    file: 'queue.go', lang: 'go',
    kept: ['package jobs', '\t"context"', 'type Job struct {', '\tRun      func(ctx context.Context) error', 'func NewQueue(workers, retries int) *Queue {', 'func (q *Queue) runWithRetry(job *Job) {', 'func (q *Queue) Close() {'],
    elided: ['\t\tctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)'],
  },
  {
    file: 'lru.rs', lang: 'rust',
    kept: ['use std::collections::HashMap;', '#[derive(Debug)]', 'pub struct LruCache<K, V> {', 'impl<K: Hash + Eq + Clone, V> LruCache<K, V> {', '    pub fn put(&mut self, key: K, value: V) -> Option<V> {', '    fn evict_oldest(&mut self) {', '    fn evicts_least_recently_used() {'],
    elided: ['            .min_by_key(|(_, (_, used))| *used)'],
  },
  {
    file: 'Ledger.java', lang: 'java',
    kept: ['package com.example.accounts;', 'import java.math.BigDecimal;', 'public class Ledger {', '    public record Entry(String reference, BigDecimal amount, long timestamp) {}',
      '    public Entry deposit(String reference, BigDecimal amount) {', '    public Entry withdraw(String reference, BigDecimal amount) {', '    @Override'],
    elided: ['            throw new IllegalStateException("insufficient funds in " + accountId + ": " + balance);'],
  },
  {
    file: 'ringbuf.c', lang: 'c',
    kept: ['#include <stdint.h>', '#define RING_MIN_CAPACITY 16', 'struct ring {', '    size_t capacity; /* a power of two */', 'struct ring *ring_new(size_t capacity)', 'size_t ring_write(struct ring *r, const uint8_t *src, size_t len)', 'size_t ring_read(struct ring *r, uint8_t *dst, size_t len)'],
    elided: ['        dst[i] = r->data[(r->head + i) & mask];'],
  },
  {
    file: 'matrix.cpp', lang: 'cpp',
    kept: ['#include <vector>', 'namespace linalg {', 'class Matrix {', '    T &at(std::size_t r, std::size_t c) {', 'Matrix<T> Matrix<T>::multiply(const Matrix<T> &other) const {', '    std::vector<T> data_;'],
    elided: ['                out.data_[i * other.cols_ + j] += a * other.data_[k * other.cols_ + j];'],
  },
];

/**
 * Walks the output against the input: every non-marker line must be the input line at the same
 * original line number, and every marker must name the exact next run of input lines.
 */
function assertLineFaithful(input: string, output: string, sink: MemorySink): void {
  const inLines = input.split('\n');
  let next = 0; // 0-based index of the next input line expected
  for (const line of output.split('\n')) {
    const m = /…(\d+)(?:-(\d+))?(?: same as (\d+)(?:-(\d+))?)? hash=([0-9a-f]{24})(?![0-9a-f])/.exec(line);
    if (m) {
      const first = Number(m[1]);
      const last = Number(m[2] ?? m[1]);
      assert.equal(first, next + 1, `marker starts at line ${first}, expected ${next + 1}`);
      const stored = sink.get(m[5]);
      assert.equal(stored, inLines.slice(first - 1, last).join('\n') + '\n', `stored bytes of lines ${first}-${last}`);
      if (m[3]) {
        // A fold of repeated lines: the lines it names hold the same text, and the output shows them.
        const from = Number(m[3]);
        const to = Number(m[4] ?? m[3]);
        assert.equal(to - from, last - first, 'a fold names a run of the same length');
        assert.ok(to < first, 'a fold refers to earlier lines');
        assert.equal(inLines.slice(from - 1, to).join('\n'), inLines.slice(first - 1, last).join('\n'), `lines ${from}-${to} repeat ${first}-${last}`);
        for (const l of inLines.slice(from - 1, to)) assert.ok(output.split('\n').includes(l), `referenced line shown: ${l}`);
      }
      next = last;
    } else {
      assert.equal(line, inLines[next], `line ${next + 1} not verbatim`);
      next++;
    }
  }
  assert.equal(next, inLines.length, 'output ends before the input does');
}

/** Replaces each marker line by the stored original: must give back the input exactly. */
function expand(output: string, sink: MemorySink): string {
  return output.replace(/^.*hash=([0-9a-f]{24})[^\n]*\n/gm, (_, h: string) => sink.get(h) ?? '<missing>');
}

test('before warm-up the first call uses the line-based fallback and starts loading the grammar', async () => {
  const text = fixture('queue.go');
  const sink = new MemorySink();
  const cold = compress(text, { store: sink, kind: 'code', fileName: 'queue.go', countTokens: false, budgetMs: BUDGET });
  assert.match(cold.report.strategy, /^code-lines:go$/);
  assertInvariants(text, cold.text, sink);
  assertLineFaithful(text, cold.text, sink);
  assert.equal(await prepareCode(text, 'queue.go'), 'go');
  const warm = compress(text, { store: sink, kind: 'code', fileName: 'queue.go', countTokens: false, budgetMs: BUDGET });
  assert.equal(warm.report.strategy, 'code-tree:go');
});

test('after the runtime alone is up, a new language loads synchronously on first use', async () => {
  assert.equal(await initCodeRuntime(), true);
  const text = fixture('lru.rs');
  const r = compress(text, { store: new MemorySink(), kind: 'code', fileName: 'lru.rs', countTokens: false, budgetMs: BUDGET });
  assert.equal(r.report.strategy, 'code-tree:rust');
});

test('all nine grammars load with the pinned runtime', async () => {
  const loaded = await warmCodeSupport();
  assert.deepEqual([...loaded].sort(), ['c', 'cpp', 'go', 'java', 'javascript', 'python', 'rust', 'tsx', 'typescript']);
});

for (const c of CASES) {
  test(`${c.lang}: keeps declarations and signatures verbatim with their line numbers, elides bodies retrievably`, async () => {
    await warmCodeSupport();
    const text = fixture(c.file);
    assert.equal(detectLanguage(text), c.lang, 'content detection');
    const tree = parserNow(c.lang)!.parse(text)!;
    assert.equal(tree.rootNode.hasError, false, 'fixture parses');
    tree.delete();
    const sink = new MemorySink();
    const r = compress(text, { store: sink, kind: 'code', fileName: c.file, countTokens: false, budgetMs: BUDGET });
    assert.equal(r.report.strategy, `code-tree:${c.lang}`);
    assert.ok(r.text.length < text.length, 'smaller');
    assertInvariants(text, r.text, sink);
    assertLineFaithful(text, r.text, sink);
    assert.equal(expand(r.text, sink), text, 'markers expand back to the input');
    const outLines = new Set(r.text.split('\n'));
    for (const k of c.kept) assert.ok(outLines.has(k), `kept: ${k}`);
    for (const e of c.elided) assert.ok(!outLines.has(e), `elided: ${e}`);
    // The output still parses: elisions never cut a construct in half.
    const out = parserNow(c.lang)!.parse(r.text)!;
    assert.equal(out.rootNode.hasError, false, `compressed ${c.lang} parses:\n${r.text}`);
    out.delete();
  });
}

test('the line-based fallback finds the same function bodies as the syntax tree in every language', async () => {
  await warmCodeSupport();
  for (const c of CASES) {
    const text = fixture(c.file);
    const lines = splitLines(text);
    const tree = parserNow(c.lang)!.parse(text)!;
    const bodies = (units: Array<{ name: string; body: { start: number; end: number } | null }>) =>
      units.filter((u) => u.body).map((u) => `${u.name}@${u.body!.start + 1}-${u.body!.end + 1}`);
    const fromTree = bodies(outlineTree(tree, lines, c.lang, () => {}).units);
    tree.delete();
    assert.ok(fromTree.length >= 2, c.file);
    assert.deepEqual(bodies(outlineLines(lines, c.lang, () => {}).units), fromTree, c.file);
  }
});

test('the query steers which bodies stay whole (and pulls in callees one hop away)', async () => {
  await warmCodeSupport();
  const text = fixture('ratelimit.py');
  const run = (query: string) => {
    const sink = new MemorySink();
    const r = compress(text, { store: sink, kind: 'code', fileName: 'ratelimit.py', query, countTokens: false, budgetMs: BUDGET });
    assertLineFaithful(text, r.text, sink);
    return new Set(r.text.split('\n'));
  };
  const acquire = run('How does RateLimiter.try_acquire create a bucket for a new key?');
  assert.ok(acquire.has('                bucket = Bucket(self._capacity, self._rate, tokens=self._capacity, updated=now)'));
  assert.ok(acquire.has('        bucket.tokens = min(bucket.capacity, bucket.tokens + elapsed * bucket.rate)'), 'callee _refill kept');
  assert.ok(!acquire.has('            return missing / bucket.rate'), 'unrelated wait_time elided');

  const wait = run('what does wait_time return when tokens are missing?');
  assert.ok(wait.has('            return missing / bucket.rate'));
  assert.ok(!wait.has('                bucket = Bucket(self._capacity, self._rate, tokens=self._capacity, updated=now)'));
});

test('names in the question match identifiers, strings and comments of Go and TypeScript bodies', async () => {
  await warmCodeSupport();
  const go = fixture('queue.go');
  const sink = new MemorySink();
  const r = compress(go, { store: sink, kind: 'code', fileName: 'queue.go', query: 'How does runWithRetry back off between attempts?', countTokens: false, budgetMs: BUDGET });
  assert.ok(r.text.includes('\t\tbackoff *= 2\n'));
  const ts = fixture('inventory.ts');
  const r2 = compress(ts, { store: sink, kind: 'code', fileName: 'inventory.ts', query: 'where is "restock quantity must be positive" thrown?', countTokens: false, budgetMs: BUDGET });
  assert.ok(r2.text.includes('      throw new RangeError(`restock quantity must be positive, got ${quantity}`);\n'));
  assert.ok(r2.text.includes('        inventory.restock(sku, Number(qty));\n'), 'caller loadCsv kept');
  assert.ok(!r2.text.includes("      this.emit('depleted', item);\n"), 'unrelated reserve elided');
});

test('test callbacks are units named by their title; the wrapping describe() is walked into', async () => {
  await warmCodeSupport();
  const text = fixture('inventory.spec.ts');
  const sink = new MemorySink();
  const r = compress(text, { store: sink, kind: 'code', fileName: 'inventory.spec.ts', query: 'why does the "rejects non-positive restock quantities" test fail?', countTokens: false, budgetMs: BUDGET });
  assertLineFaithful(text, r.text, sink);
  assert.ok(r.text.includes("    assert.throws(() => inv.restock('A-1', -3), RangeError);\n"), 'the asked-about test stays whole');
  assert.ok(r.text.includes("  it('emits depleted when a reservation empties an item', () => {\n"), 'other tests keep their title line');
  assert.ok(!r.text.includes("    inv.on('depleted', (item) => seen.push(item.sku));\n"), 'other test bodies are elided');
});

test('code in a fence or with only a fence tag is compressed with that language', async () => {
  await warmCodeSupport();
  const text = fixture('ratelimit.py');
  const sink = new MemorySink();
  const r = compress(text, { store: sink, kind: 'code', fileName: 'python', countTokens: false, budgetMs: BUDGET });
  assert.equal(r.report.strategy, 'code-tree:python');
  const noName = compress(text, { store: sink, kind: 'code', countTokens: false, budgetMs: BUDGET });
  assert.equal(noName.report.strategy, 'code-tree:python');
});

test('CRLF line endings are kept on every line and on markers', async () => {
  await warmCodeSupport();
  const text = fixture('queue.go').replace(/\n/g, '\r\n');
  const sink = new MemorySink();
  const r = compress(text, { store: sink, kind: 'code', fileName: 'queue.go', countTokens: false, budgetMs: BUDGET });
  assert.equal(r.report.strategy, 'code-tree:go');
  assert.ok(!/[^\r]\n/.test(r.text), 'every newline is CRLF');
  assertLineFaithful(text, r.text, sink);
  assert.equal(expand(r.text, sink), text);
});

test('parameter lists repeated verbatim fold into a marker naming the earlier lines; the code still parses', async () => {
  await warmCodeSupport();
  const params = ['        self,', '        url: str,', '        *,', '        params: typing.Optional[QueryParamTypes] = None,', '        headers: typing.Optional[HeaderTypes] = None,',
    '        cookies: typing.Optional[CookieTypes] = None,', '        timeout: typing.Union[TimeoutTypes, UseClientDefault] = USE_CLIENT_DEFAULT,'];
  const method = (prefix: string, name: string, extra: string[]) => [
    `    ${prefix}def ${name}(`, ...params.slice(0, 3), ...extra, ...params.slice(3), '    ) -> Response:',
    `        return ${prefix ? 'await ' : ''}self.request("${name.toUpperCase()}", url, params=params, headers=headers, cookies=cookies, timeout=timeout)`, ''];
  const text = [
    'import typing', '', '',
    'class Client:',
    ...method('', 'get', []),
    ...method('', 'post', ['        content: typing.Optional[RequestContent] = None,']),
    ...method('', 'delete', []),
    'class AsyncClient:',
    ...method('async ', 'get', []),
    '',
  ].join('\n');
  const sink = new MemorySink();
  const r = compress(text, { store: sink, kind: 'code', fileName: 'client.py', countTokens: false, budgetMs: BUDGET });
  assertLineFaithful(text, r.text, sink);
  assertInvariants(text, r.text, sink);
  const folds = [...r.text.matchAll(/…(\d+)-(\d+) same as (\d+)-(\d+) hash=/g)].map((m) => m.slice(1).map(Number));
  // get shows its parameters; post folds the part it shares with get (before and after its extra
  // parameter, where long enough), delete and the async get fold their whole lists into get's.
  assert.ok(folds.length >= 3, r.text);
  for (const f of folds) assert.ok(f[2] >= 5 && f[3] <= 12, `folds refer to get's parameter rows: ${f}`);
  assert.ok(r.text.includes('    def delete(\n        # …'), r.text);
  assert.ok(r.text.includes('    async def get(\n        # …'), r.text);
  assert.ok(r.text.includes('        content: typing.Optional[RequestContent] = None,'), 'a differing parameter stays');
  const tree = parserNow('python')!.parse(r.text)!;
  assert.equal(tree.rootNode.hasError, false, r.text);
  tree.delete();
  assert.equal(expand(r.text, sink), text);
});

test('Python docstrings of every shape keep the compressed file parseable', async () => {
  await warmCodeSupport();
  const body = '        total = 0\n        for i in range(n):\n            total += i * i + compute_something_long(i, n)\n            total -= compute_something_else(total, i, n)\n            log_progress("shapes", i, n, total)\n        return total\n';
  const text = [
    'class Shapes:',
    "    '''Single-quoted class docstring that goes on",
    '    over several lines of prose,',
    '    more prose here,',
    "    and ends here.'''",
    '',
    '    def one_line(self, n):',
    '        """One line docstring."""',
    body,
    '    def opener_alone(self, n):',
    '        r"""',
    '        Raw docstring whose text starts on the second line.',
    '        """',
    body,
    '    def no_doc(self, n):',
    body,
    '    def only_doc(self):',
    '        """Summary line.',
    '',
    '        Details that run for a while and say nothing at all about the code,',
    '        only to make the docstring long enough to be worth eliding here.',
    '        """',
    '',
  ].join('\n');
  const sink = new MemorySink();
  const r = compress(text, { store: sink, kind: 'code', fileName: 'shapes.py', countTokens: false, budgetMs: BUDGET });
  assertLineFaithful(text, r.text, sink);
  assert.ok((r.text.match(/hash=/g) ?? []).length >= 4, r.text);
  const tree = parserNow('python')!.parse(r.text)!;
  assert.equal(tree.rootNode.hasError, false, r.text);
  tree.delete();
});

test('a fenced block in markdown goes through the same code machinery', async () => {
  await warmCodeSupport();
  const code = fixture('ratelimit.py');
  const text = 'Here is the limiter:\n\n```python\n' + code + '```\n\nIt is used by the client.\n';
  const sink = new MemorySink();
  const r = compress(text, { store: sink, kind: 'mixed', countTokens: false, budgetMs: BUDGET });
  assertInvariants(text, r.text, sink);
  assert.match(r.text, /^ {8}\.\.\. {2}# …\d+-\d+ hash=[0-9a-f]{24}$/m);
});

test('line-number gutters (cat -n, file-read tools) are kept verbatim; the code under them is parsed', async () => {
  await warmCodeSupport();
  const plain = fixture('inventory.ts');
  const text = plain.split('\n').slice(0, -1).map((l, i) => `${String(i + 1).padStart(6)}\t${l}`).join('\n') + '\n';
  const sink = new MemorySink();
  const r = compress(text, { store: sink, kind: 'code', fileName: 'inventory.ts', countTokens: false, budgetMs: BUDGET });
  assert.equal(r.report.strategy, 'code-tree:typescript');
  assertLineFaithful(text, r.text, sink);
  assert.ok(r.text.includes('    27\t  restock(sku: string, quantity: number): StockItem {\n'));
});

test('parse errors fall back to signatures found line by line, never breaking a line', async () => {
  await warmCodeSupport();
  const broken = fixture('inventory.ts').replace('export class Inventory extends EventEmitter {', 'export class Inventory extends EventEmitter {{{ <<<');
  const sink = new MemorySink();
  const r = compress(broken, { store: sink, kind: 'code', fileName: 'inventory.ts', countTokens: false, budgetMs: BUDGET });
  assertInvariants(broken, r.text, sink);
  assertLineFaithful(broken, r.text, sink);
  assert.ok(r.text.includes('export async function loadCsv(inventory: Inventory, input: Readable): Promise<number> {\n'));
});

/** Source files on this machine (installed packages, unpacked corpus trees), sampled deterministically. */
function realSourceFiles(limit: number): string[] {
  const roots = ['node_modules', '.cache/corpus-code/work/src', '/usr/lib/python3'].filter((r) => existsSync(r));
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (/\.(ts|js|py|go|rs|java|c|cc|cpp|h)$/.test(e.name) && !e.name.endsWith('.d.ts')) {
        const size = statSync(p).size;
        if (size > 3000 && size < 150_000) found.push(p);
      }
    }
  };
  for (const r of roots) walk(r, 0);
  const step = Math.max(1, Math.floor(found.length / limit));
  return found.filter((_, i) => i % step === 0).slice(0, limit);
}

test('real source files: invariants hold and the output parses whenever the input does', async () => {
  await warmCodeSupport();
  const files = realSourceFiles(80);
  assert.ok(files.length >= 20, 'enough real files found');
  let parsed = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const sink = new MemorySink();
    const r = compress(text, { store: sink, kind: 'code', fileName: f, countTokens: false, budgetMs: BUDGET });
    assertInvariants(text, r.text, sink);
    const lang = languageFromName(f)!;
    const before = parserNow(lang)!.parse(text)!;
    const ok = !before.rootNode.hasError;
    before.delete();
    if (!ok || r.text === text) continue;
    const after = parserNow(lang)!.parse(r.text)!;
    assert.equal(after.rootNode.hasError, false, `${f} no longer parses after compression`);
    after.delete();
    parsed++;
  }
  assert.ok(parsed >= 10, `compressed and re-parsed ${parsed} files`);
});

test('hostile inputs return promptly without throwing', async () => {
  await warmCodeSupport();
  const sink = new MemorySink();
  for (const text of [
    'function f() {' + ' x++;'.repeat(1_000_000) + ' }\n',
    'function f() {\n' + '{\n'.repeat(10_000) + '}\n'.repeat(10_000) + '}\n',
    'def f():\n' + '    x = 1\n'.repeat(200_000),
  ]) {
    const t0 = performance.now();
    const r = compress(text, { store: sink, kind: 'code', countTokens: false, budgetMs: BUDGET });
    assert.ok(performance.now() - t0 < 5000, 'prompt');
    assertInvariants(text, r.text, sink);
  }
});

/** A long dispatcher: one case per message kind, each a few statements; `kinds` names the cases. */
function longDispatcher(lang: 'typescript' | 'python', kinds: string[]): string {
  const out: string[] = [];
  if (lang === 'typescript') {
    out.push('export function dispatch(msg: { kind: string; body: string }, state: Record<string, number>): number {');
    out.push('  const started = Date.now();');
    out.push('  switch (msg.kind) {');
    for (const k of kinds) {
      out.push(`    case '${k}': {`);
      out.push(`      const ${k}Size = msg.body.length * ${k.length};`);
      out.push(`      state.${k}Count = (state.${k}Count ?? 0) + 1;`);
      out.push(`      if (${k}Size > 1000) {`);
      out.push(`        console.warn('${k} body too large', ${k}Size);`);
      out.push('      }');
      out.push(`      return ${k}Size;`);
      out.push('    }');
    }
    out.push('  }');
    out.push('  return Date.now() - started;');
    out.push('}');
  } else {
    out.push('def dispatch(msg, state):');
    out.push('    started = time.monotonic()');
    for (const [i, k] of kinds.entries()) {
      out.push(`    ${i === 0 ? 'if' : 'elif'} msg.kind == "${k}":`);
      out.push(`        ${k}_size = len(msg.body) * ${k.length}`);
      out.push(`        state["${k}_count"] = state.get("${k}_count", 0) + 1`);
      out.push(`        if ${k}_size > 1000:`);
      out.push(`            logger.warning("${k} body too large: %d", ${k}_size)`);
      out.push(`        return ${k}_size`);
    }
    out.push('    return time.monotonic() - started');
  }
  return out.join('\n') + '\n';
}

test('a long body the question is about keeps the statements it matches and elides the rest, still parsing', async () => {
  await warmCodeSupport();
  const kinds = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar'];
  for (const [lang, file] of [['typescript', 'dispatch.ts'], ['python', 'dispatch.py']] as const) {
    const text = longDispatcher(lang, kinds);
    const sink = new MemorySink();
    const r = compress(text, { store: sink, kind: 'code', fileName: file, query: 'What does dispatch do with an echo message whose body is too large?', countTokens: false, budgetMs: BUDGET });
    assertLineFaithful(text, r.text, sink);
    const out = r.text.split('\n');
    const has = (s: string) => out.some((l) => l.includes(s));
    assert.ok(has(lang === 'typescript' ? "console.warn('echo body too large', echoSize);" : 'logger.warning("echo body too large: %d", echo_size)'), `${lang}: matching case kept\n${r.text}`);
    assert.ok(!has('golf body too large'), `${lang}: other cases elided\n${r.text}`);
    assert.ok(out.length < text.split('\n').length / 2, `${lang}: most of the body elided`);
    const tree = parserNow(lang)!.parse(r.text)!;
    assert.equal(tree.rootNode.hasError, false, `${lang} output parses:\n${r.text}`);
    tree.delete();
  }
});
