import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { detectKind } from '../../src/engine/detect';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

function sha(i: number): string {
  return (i.toString(16).padStart(8, '0') + 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678').slice(0, 40);
}

function logStat(patch = false): string {
  let out = '';
  for (let i = 0; i < 40; i++) {
    const touchesRouter = i % 9 === 4;
    out += `commit ${sha(i)}\nAuthor: Dev ${i % 5} <dev${i % 5}@example.com>\nDate:   Mon Aug ${(i % 28) + 1} 10:00:00 2026 +0200\n\n`;
    out += `    ${touchesRouter ? 'fix' : 'chore'}: change number ${i} (#${1000 + i})\n    \n    Longer explanation of change ${i}, wrapped over\n    two lines of the message body.\n    \n    Signed-off-by: Dev ${i % 5} <dev${i % 5}@example.com>\n\n`;
    const files = [`docs/page${i}.md`, `test/case${i}.test.js`];
    if (touchesRouter) files.push('lib/router.js');
    for (const f of files) out += ` ${f.padEnd(22)} | ${(i % 7) + 1} ++\n`;
    out += ` ${files.length} files changed, ${files.length * 2} insertions(+)\n`;
    if (patch) {
      for (const f of files) {
        out += `\ndiff --git a/${f} b/${f}\nindex 1234567..89abcde 100644\n--- a/${f}\n+++ b/${f}\n@@ -1,3 +1,4 @@\n line one\n+added line ${i} in ${f}\n line two\n line three\n`;
      }
    }
    out += '\n';
  }
  return out;
}

test('git log --stat is detected as gitlog', () => {
  assert.equal(detectKind(logStat()), 'gitlog');
});

test('keeps the commits the question singles out, folds the others into few markers', () => {
  const sink = new MemorySink();
  const input = logStat();
  const { text, report } = compress(input, { store: sink, query: 'Which commits changed lib/router.js and what are their subjects?' });
  assert.equal(report.strategy, 'gitlog-select');
  for (const i of [4, 13, 22, 31]) {
    assert.ok(text.includes(`commit ${sha(i)}\n`), `commit ${i} kept`);
    assert.ok(text.includes(`    fix: change number ${i} (#${1000 + i})\n`), `subject ${i} kept`);
  }
  assert.ok(text.includes(' lib/router.js          | 5 ++\n'), 'matching stat line kept');
  assert.ok(!text.includes(`commit ${sha(5)}`), 'unrelated commit folded');
  assert.match(text, /\[… \d+ lines omitted: 4 commits; hash=[0-9a-f]{24}\]/);
  assert.ok(text.length < input.length * 0.3, `saved enough: ${text.length}/${input.length}`);
  assertInvariants(input, text, sink);
  const restored = text.replace(/^[ \t]*\[… [^\]]*hash=([0-9a-f]{24})\]\n/gm, (_, h: string) => sink.get(h)!);
  assert.equal(restored, input);
});

test('without a focus every commit keeps its commit line, author, date and subject', () => {
  const sink = new MemorySink();
  const input = logStat();
  const { text } = compress(input, { store: sink, kind: 'gitlog' });
  for (let i = 0; i < 40; i++) assert.ok(text.includes(`commit ${sha(i)}\nAuthor: Dev ${i % 5}`));
  assert.ok(text.includes('    chore: change number 7 (#1007)\n'));
  assert.ok(!text.includes('Signed-off-by'));
  assertInvariants(input, text, sink);
});

test('git log -p keeps the patch lines of singled-out commits', () => {
  const sink = new MemorySink();
  const input = logStat(true);
  const { text } = compress(input, { store: sink, query: 'What did the commits touching lib/router.js change?' });
  assert.ok(text.includes('diff --git a/lib/router.js b/lib/router.js\n'));
  assert.ok(text.includes('+added line 13 in lib/router.js\n'));
  assert.ok(!text.includes('+added line 5 in'));
  assertInvariants(input, text, sink);
});

test('deterministic', () => {
  const q = 'lib/router.js';
  assert.equal(compress(logStat(), { store: new MemorySink(), query: q }).text, compress(logStat(), { store: new MemorySink(), query: q }).text);
});

test('git log --oneline without a question keeps revert, crash-fix and security subjects beyond the newest commits', () => {
  const L: string[] = [];
  const sha = (i: number) => ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').slice(0, 7);
  const special = new Map([[500, 'Revert "feat: enable parallel GC by default"'], [650, 'fix: crash on empty config file'], [700, 'deps: bump openssl for CVE-2024-1234']]);
  for (let i = 0; i < 800; i++) L.push(`${sha(i)} ${special.get(i) ?? `chore: ${['bump deps', 'format', 'update snapshot', 'ci tweak'][i % 4]} (#${1000 + i})`}`);
  const input = L.join('\n') + '\n';
  const sink = new MemorySink();
  const r = compress(input, { store: sink, countTokens: false });
  assert.equal(r.report.kind, 'gitlog');
  assertInvariants(input, r.text, sink);
  for (const s of special.values()) assert.ok(r.text.includes(s), `${s} lost`);
  assert.ok(r.text.length < input.length / 10);
});
