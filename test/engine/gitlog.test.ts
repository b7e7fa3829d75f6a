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

/** A default-format log of `n` commits with multi-line bodies; three commits report a revert, a CVE fix and a crash fix. */
function defaultLog(n: number): string {
  const areas = ['router', 'parser', 'cache', 'auth', 'scheduler', 'config', 'cli', 'metrics'];
  let out = '';
  for (let i = 0; i < n; i++) {
    out += `commit ${sha(i)}\nAuthor: Dev ${i % 4} <dev${i % 4}@example.org>\nDate:   Tue Oct ${(i % 28) + 1} 10:${String(i % 60).padStart(2, '0')}:12 2026 +0200\n\n`;
    if (i === 57) out += '    Revert "perf(cache): reuse websocket keepalive timers"\n    \n    This reverts commit 4b1d9e2c7a0f3b6d8e1c2a4f5b7d9e0c1a3b5d7f.\n    \n    The shared timer leaked connections under load (see #4121).\n';
    else if (i === 83) out += '    fix(auth): prevent session fixation on login (CVE-2026-31337)\n    \n    Rotate the session id after a successful login.\n';
    else if (i === 99) out += '    fix(storage): crash when the journal file is truncated\n    \n    A zero-length journal made the replay loop index past the end.\n';
    else {
      out += `    refactor(${areas[i % areas.length]}): tidy up option parsing (#${3000 + i})\n    \n`;
      for (let k = 0; k < 2 + (i % 4); k++) out += `    Body line ${k} of change ${i}: the previous code walked the whole list.\n`;
      out += `    \n    Signed-off-by: Dev ${i % 4} <dev${i % 4}@example.org>\n`;
    }
    out += '\n';
  }
  return out;
}

test('a commit the question singles out keeps its whole short message (the hash a revert names)', () => {
  const sink = new MemorySink();
  const input = defaultLog(120);
  const { text } = compress(input, { store: sink, countTokens: false, query: 'Which commit reverted the websocket keepalive timers change, and which hash did it revert?' });
  assert.ok(text.includes('    Revert "perf(cache): reuse websocket keepalive timers"\n'));
  assert.ok(text.includes('    This reverts commit 4b1d9e2c7a0f3b6d8e1c2a4f5b7d9e0c1a3b5d7f.\n'), 'reverted hash kept');
  assert.ok(text.includes('    The shared timer leaked connections under load (see #4121).\n'));
  assert.ok(text.length < input.length * 0.05, `saved enough: ${text.length}/${input.length}`);
  assertInvariants(input, text, sink);
});

test('a long default git log without a question keeps the newest headlines and revert, CVE and crash commits', () => {
  const sink = new MemorySink();
  const input = defaultLog(120);
  const r = compress(input, { store: sink, countTokens: false });
  assert.equal(r.report.kind, 'gitlog');
  for (let i = 0; i < 20; i++) assert.ok(r.text.includes(`commit ${sha(i)}\n`), `newest commit ${i} kept`);
  for (const s of ['This reverts commit 4b1d9e2c7a0f3b6d8e1c2a4f5b7d9e0c1a3b5d7f.', 'fix(auth): prevent session fixation on login (CVE-2026-31337)', 'fix(storage): crash when the journal file is truncated']) {
    assert.ok(r.text.includes(s), `${s} kept`);
  }
  assert.ok(r.text.length < input.length * 0.25, `saved enough: ${r.text.length}/${input.length}`);
  assertInvariants(input, r.text, sink);
});

test('git log --graph --oneline is detected as gitlog and folds, keeping signal commits and whole graph lines', () => {
  const h = (i: number) => ((i * 2654435761 + 12345) >>> 0).toString(16).padStart(8, '0').slice(0, 7);
  const special = new Map([[150, 'Revert "perf(cache): reuse websocket keepalive timers"'], [260, 'fix(storage): crash on truncated journal'], [330, 'fix(auth): session fixation (CVE-2026-31337)']]);
  const subject = (k: number) => special.get(k) ?? ['chore: bump dependencies', 'docs: update README', 'refactor(cache): split module'][k % 3];
  const L: string[] = [];
  for (let i = 0; i < 400; ) {
    if (i % 12 === 0) {
      L.push(`*   ${h(i)} Merge pull request #${5000 + i} from dev/branch-${i}`, '|\\  ', `| * ${h(i + 1)} ${subject(i + 1)}`, `| * ${h(i + 2)} ${subject(i + 2)}`, '|/  ');
      i += 3;
    } else L.push(`* ${h(i)} ${subject(i++)}`);
  }
  const input = L.join('\n') + '\n';
  assert.equal(detectKind(input), 'gitlog');
  const sink = new MemorySink();
  const r = compress(input, { store: sink, countTokens: false });
  assert.equal(r.report.strategy, 'gitlog-oneline');
  for (const s of special.values()) assert.ok(r.text.includes(s), `${s} lost`);
  assert.ok(r.text.startsWith(L.slice(0, 10).join('\n') + '\n'), 'newest commits and their graph lines kept');
  assert.ok(r.text.length < input.length * 0.15, `saved enough: ${r.text.length}/${input.length}`);
  assertInvariants(input, r.text, sink);
});

test('a linear git log --graph --oneline (every line `* sha subject`) is gitlog, not code', () => {
  const input = Array.from({ length: 60 }, (_, i) => `* ${((i * 2654435761) >>> 0).toString(16).padStart(8, '0').slice(0, 7)} fix: change ${i}`).join('\n') + '\n';
  assert.equal(detectKind(input), 'gitlog');
});
