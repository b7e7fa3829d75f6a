import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { detectKind } from '../../src/engine/detect';
import { parseDiff } from '../../src/engine/text/diff-parse';
import { splitLines } from '../../src/engine/lines';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

function hunk(at: number, body: string[]): string {
  const old = body.filter((l) => !l.startsWith('+')).length;
  const neu = body.filter((l) => !l.startsWith('-')).length;
  return `@@ -${at},${old} +${at},${neu} @@ function f${at}() {\n` + body.join('\n') + '\n';
}

function sampleDiff(): string {
  let d = ' src/server.ts | 40 ++++++++++++++++++++--------------------\n src/old.ts    | 60 ------------------------------------------------------------\n 2 files changed, 20 insertions(+), 80 deletions(-)\n\n';
  d += 'diff --git a/src/server.ts b/src/server.ts\nindex 1111111..2222222 100644\n--- a/src/server.ts\n+++ b/src/server.ts\n';
  for (let h = 0; h < 10; h++) {
    const body = [`   const ctx${h} = createContext(request);`, `   const timer${h} = startTimer();`, `   log.debug('handling request ${h}');`];
    for (let k = 0; k < 2; k++) body.push(`-  const value${h}_${k} = compute(ctx${h}, ${k}); // previous computation path`);
    for (let k = 0; k < 2; k++) body.push(`+  const value${h}_${k} = computeFast(ctx${h}, ${k}); // new computation path`);
    if (h === 6) body.push('-  this.shutdownTimeout = 5000;', '+  this.shutdownTimeout = 30000;');
    body.push(`   timer${h}.stop();`, `   return respond(ctx${h});`, '   }');
    d += hunk(100 * (h + 1), body);
  }
  d += 'diff --git a/src/old.ts b/src/old.ts\ndeleted file mode 100644\nindex 3333333..0000000\n--- a/src/old.ts\n+++ /dev/null\n@@ -1,60 +0,0 @@\n';
  for (let i = 0; i < 60; i++) d += `-export const legacyValue${i} = ${i}; // kept for backwards compatibility\n`;
  return d;
}

test('diffs are detected and parsed by hunk line counts', () => {
  const input = sampleDiff();
  assert.equal(detectKind(input), 'diff');
  const p = parseDiff(splitLines(input));
  assert.deepEqual(p.files.map((f) => f.path), ['src/server.ts', 'src/old.ts']);
  assert.equal(p.hunks.length, 11);
  assert.equal(p.hunks[10].dels, 60);
  // A removed line that looks like a file header is still a change line.
  const q = parseDiff(splitLines('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,1 @@\n--- a/y\n keep\n'));
  assert.deepEqual(q.lines.map((l) => l.role), ['file', 'file', 'file', 'hunk', 'del', 'ctx']);
});

test('keeps headers, the stat block and the changes the question is about; folds the deleted file', () => {
  const sink = new MemorySink();
  const input = sampleDiff();
  const { text, report } = compress(input, { store: sink, query: 'What is the new shutdownTimeout default?' });
  assert.equal(report.strategy, 'diff-select');
  for (const needle of [
    ' 2 files changed, 20 insertions(+), 80 deletions(-)\n',
    'diff --git a/src/server.ts b/src/server.ts\n',
    'diff --git a/src/old.ts b/src/old.ts\n',
    '-  this.shutdownTimeout = 5000;\n+  this.shutdownTimeout = 30000;\n',
    '@@ -700,',
    '-export const legacyValue0 = 0;',
  ]) assert.ok(text.includes(needle), `kept: ${needle}`);
  assert.ok(!text.includes('legacyValue40'), 'deleted file folded');
  assert.match(text, /\[… \d+ lines omitted: \d+ hunks?, \+\d+, -\d+/);
  assert.ok(text.length < input.length * 0.6, `saved enough: ${text.length}/${input.length}`);
  assertInvariants(input, text, sink);
  const restored = text.replace(/^[ \t]*\[… [^\]]*hash=([0-9a-f]{24})\]\n/gm, (_, h: string) => sink.get(h)!);
  assert.equal(restored, input);
});

test('files named by the question keep every hunk', () => {
  const sink = new MemorySink();
  const input = sampleDiff();
  const { text } = compress(input, { store: sink, query: 'What changed in server.ts?' });
  for (let h = 0; h < 10; h++) assert.ok(text.includes(`+  const value${h}_1 = computeFast(ctx${h}, 1); // new computation path\n`));
  assertInvariants(input, text, sink);
});

test('deterministic', () => {
  const a = compress(sampleDiff(), { store: new MemorySink(), query: 'shutdownTimeout' }).text;
  const b = compress(sampleDiff(), { store: new MemorySink(), query: 'shutdownTimeout' }).text;
  assert.equal(a, b);
});

test('without a question, a unique change among many repeated ones is kept (a repetitive refactor hides one real edit)', () => {
  let input = '';
  for (let f = 0; f < 60; f++) {
    input += `diff --git a/src/feature${f}/index.ts b/src/feature${f}/index.ts\nindex ${String(1000000 + f)}..${String(2000000 + f)} 100644\n--- a/src/feature${f}/index.ts\n+++ b/src/feature${f}/index.ts\n`;
    for (let h = 0; h < 8; h++) {
      const body = [`   // section ${h} of feature ${f}`, `-import { helper${h} } from '../legacy/helpers';`, `+import { helper${h} } from '../shared/helpers';`, `   export const name${h} = 'feature-${f}-${h}';`];
      if (f === 47 && h === 5) body.splice(3, 0, '-  if (user.role === "admin") return allow();', '+  if (user.role === "admin" || user.role === "guest") return allow();');
      input += hunk(10 + 20 * h, body);
    }
  }
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink });
  assert.ok(text.length < input.length / 2, `${text.length} of ${input.length}`);
  assert.ok(text.includes('+  if (user.role === "admin" || user.role === "guest") return allow();\n'), 'the unique change is kept verbatim');
  assert.ok(text.includes('-  if (user.role === "admin") return allow();\n'));
  assertInvariants(input, text, sink);
});
