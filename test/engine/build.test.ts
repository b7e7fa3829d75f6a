import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { classifyLine } from '../../src/engine/build/classify';
import { detectKind } from '../../src/engine/detect';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

function run(input: string, query?: string) {
  const sink = new MemorySink();
  const r = compress(input, { store: sink, kind: 'build', query, countTokens: false });
  assertInvariants(input, r.text, sink);
  const again = compress(input, { store: new MemorySink(), kind: 'build', query, countTokens: false });
  assert.equal(again.text, r.text, 'output is deterministic');
  return { ...r, sink };
}

function nodeSpecRun(passing: number): string {
  const out: string[] = ['parsed config: test/**/*.test.js'];
  for (let i = 0; i < passing; i++) {
    if (i === 150) {
      out.push('▶ router suite');
      out.push('  ✔ matches static routes (1.2ms)');
      out.push('  ✖ rejects a malformed path (3.4ms)');
      out.push("    AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:");
      out.push('    ');
      out.push('    400 !== 404');
      out.push('    ');
      out.push('        at TestContext.<anonymous> (/home/dev/app/test/router.test.js:88:12)');
      out.push('        at async Test.run (node:internal/test_runner/test:797:9)');
      out.push('✖ router suite (9.1ms)');
    }
    out.push(`✔ handles request number ${i} with payload (${(i % 7) + 0.25}ms)`);
    if (i % 97 === 5) out.push(`(node:${1000 + i}) [DEP0040] DeprecationWarning: The \`punycode\` module is deprecated.`);
  }
  out.push('ℹ tests 302', 'ℹ suites 1', 'ℹ pass 300', 'ℹ fail 1', 'ℹ skipped 0', 'ℹ duration_ms 1234.5');
  return out.join('\n') + '\n';
}

test('node:test spec output keeps the failure, its assertion and location, and the counts', () => {
  const input = nodeSpecRun(300);
  const { text, report } = run(input, 'Which tests failed and why?');
  for (const kept of [
    '  ✖ rejects a malformed path (3.4ms)',
    'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:',
    '    400 !== 404',
    '/home/dev/app/test/router.test.js:88:12',
    '▶ router suite',
    'ℹ tests 302',
    'ℹ fail 1',
    '[DEP0040] DeprecationWarning',
  ]) assert.ok(text.includes(kept), `kept: ${kept}`);
  assert.ok(!text.includes('handles request number 200 '), 'passing tests are folded');
  assert.match(text, /passing tests/);
  assert.equal(text.split('[DEP0040]').length - 1, 1, 'a repeated warning is kept once');
  assert.ok(report.bytesOut < report.bytesIn / 5, `saved enough: ${report.bytesOut}/${report.bytesIn}`);
});

test('tsc output keeps the first error of every file and the first three of each code in it, folding the rest', () => {
  const lines: string[] = [];
  for (let f = 0; f < 6; f++) {
    for (let e = 0; e < 8; e++) lines.push(`src/module${f}.ts(${10 + e},${5 + f}): error TS7006: Parameter 'arg${e}' implicitly has an 'any' type.`);
  }
  lines.push("src/module2.ts(99,1): error TS2322: Type 'string' is not assignable to type 'number'.");
  for (let f = 0; f < 10; f++) {
    lines.push(`node_modules/some-lib/dist/part${f}.d.ts(1,20): error TS7016: Could not find a declaration file for module 'graphql'.`);
    lines.push("  Try `npm i --save-dev @types/graphql` if it exists or add a new declaration (.d.ts) file containing `declare module 'graphql';`");
  }
  lines.push('', 'Found 59 errors in 16 files.');
  const input = lines.join('\n') + '\n';
  const { text } = run(input);
  for (let f = 0; f < 6; f++) assert.ok(text.includes(`src/module${f}.ts(10,${5 + f}): error TS7006`), `first error of module${f}`);
  assert.ok(text.includes('src/module2.ts(99,1): error TS2322'), 'a new error code is kept');
  assert.ok(text.includes('node_modules/some-lib/dist/part0.d.ts(1,20): error TS7016'), 'first error of the dependency');
  assert.ok(!text.includes('part5.d.ts'), 'further errors in the same dependency are folded');
  assert.ok(text.includes('Found 59 errors in 16 files.'));
  assert.ok(text.includes("src/module3.ts(12,8)") && !text.includes("src/module3.ts(13,8)"), 'past three, repeats of a code in a file are folded');
  assert.match(text, /TS7006×5/, 'the marker names the folded codes');
});

test('cargo build and test output keeps rustc errors with snippets and the test result', () => {
  const out: string[] = [];
  for (let i = 0; i < 60; i++) out.push(`   Compiling dep-crate-${i} v0.${i}.1`);
  out.push(
    'error[E0425]: cannot find value `undefined_var` in this scope',
    '  --> src/main.rs:4:13',
    '   |',
    '4  |     let y = undefined_var + 1;',
    '   |             ^^^^^^^^^^^^^ not found in this scope',
    '',
    'warning: unused variable: `x`',
    ' --> src/lib.rs:2:9',
    '  |',
    '2 |     let x = 5;',
    '  |         ^ help: if this is intentional, prefix it with an underscore: `_x`',
    '',
    'error: could not compile `app` (bin "app") due to 1 previous error',
  );
  for (let i = 0; i < 80; i++) out.push(`test tests::case_${i} ... ok`);
  out.push('test tests::overflow ... FAILED', '', 'failures:', '', '---- tests::overflow stdout ----');
  out.push("thread 'tests::overflow' panicked at src/lib.rs:40:9:", 'attempt to add with overflow', '');
  out.push('test result: FAILED. 80 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s');
  const input = out.join('\n') + '\n';
  const { text } = run(input);
  for (const kept of [
    'error[E0425]: cannot find value `undefined_var` in this scope',
    '  --> src/main.rs:4:13',
    '4  |     let y = undefined_var + 1;',
    'warning: unused variable: `x`',
    'error: could not compile `app`',
    'test tests::overflow ... FAILED',
    "thread 'tests::overflow' panicked at src/lib.rs:40:9:",
    'test result: FAILED. 80 passed; 1 failed',
  ]) assert.ok(text.includes(kept), `kept: ${kept}`);
  assert.ok(!text.includes('Compiling dep-crate-30'));
  assert.ok(!text.includes('tests::case_40 ... ok'));
  assert.match(text, /progress lines/);
});

test('pytest, go test and jest failures are kept with their detail', () => {
  const pytest = [
    '============================= test session starts ==============================',
    'collected 120 items',
    ...Array.from({ length: 60 }, (_, i) => `tests/test_api.py::test_endpoint_${i} PASSED                       [ ${i}%]`),
    '=================================== FAILURES ===================================',
    '________________________________ test_answer _________________________________',
    '',
    '    def test_answer():',
    '>       assert inc(3) == 5',
    'E       assert 4 == 5',
    '',
    'tests/test_sample.py:6: AssertionError',
    '=========================== short test summary info ============================',
    'FAILED tests/test_sample.py::test_answer - assert 4 == 5',
    '========================= 1 failed, 60 passed in 0.12s =========================',
  ].join('\n') + '\n';
  const p = run(pytest).text;
  for (const kept of ['E       assert 4 == 5', 'tests/test_sample.py:6: AssertionError', 'FAILED tests/test_sample.py::test_answer', '1 failed, 60 passed in 0.12s', '>       assert inc(3) == 5'])
    assert.ok(p.includes(kept), `pytest kept: ${kept}`);
  assert.ok(!p.includes('test_endpoint_30 PASSED'));

  const gotest = [
    ...Array.from({ length: 40 }, (_, i) => `=== RUN   TestHandler${i}\n--- PASS: TestHandler${i} (0.00s)`),
    '=== RUN   TestParse',
    '    parse_test.go:42: got "a", want "b"',
    '--- FAIL: TestParse (0.00s)',
    'FAIL',
    'FAIL\texample.com/pkg/parse\t0.012s',
    'ok  \texample.com/pkg/other\t0.003s',
  ].join('\n') + '\n';
  const g = run(gotest).text;
  for (const kept of ['--- FAIL: TestParse (0.00s)', 'FAIL\texample.com/pkg/parse\t0.012s', 'parse_test.go:42: got "a", want "b"'])
    assert.ok(g.includes(kept), `go kept: ${kept}`);
  assert.ok(!g.includes('--- PASS: TestHandler20 '));

  const jest = [
    ...Array.from({ length: 30 }, (_, i) => `PASS src/component${i}.test.tsx`),
    'FAIL src/cart.test.ts',
    '  ● Cart › computes the total',
    '',
    '    expect(received).toBe(expected) // Object.is equality',
    '',
    '    Expected: 42',
    '    Received: 41',
    '',
    '      at Object.<anonymous> (src/cart.test.ts:17:23)',
    '',
    'Test Suites: 1 failed, 30 passed, 31 total',
    'Tests:       1 failed, 212 passed, 213 total',
  ].join('\n') + '\n';
  const j = run(jest).text;
  for (const kept of ['FAIL src/cart.test.ts', '● Cart › computes the total', '    Expected: 42', '    Received: 41', 'src/cart.test.ts:17:23', 'Tests:       1 failed, 212 passed, 213 total'])
    assert.ok(j.includes(kept), `jest kept: ${kept}`);
  assert.ok(!j.includes('PASS src/component15.test.tsx'));
});

test('lines are classified with passes before failures and summaries before both', () => {
  assert.equal(classifyLine('✔ Error when Response.bodyUsed (10.5ms)'), 'pass');
  assert.equal(classifyLine('ℹ fail 2'), 'summary');
  assert.equal(classifyLine('test result: FAILED. 1 passed; 1 failed'), 'summary');
  assert.equal(classifyLine('src/a.ts(1,2): error TS2305: Module has no exported member.'), 'fail');
  assert.equal(classifyLine('npm warn deprecated inflight@1.0.6: This module is not supported'), 'warn');
  assert.equal(classifyLine('{"level":30,"msg":"request errored","url":"/error"}'), 'other');
  assert.equal(classifyLine('{"level":50,"msg":"boom"}'), 'fail');
  assert.equal(classifyLine('   Compiling serde v1.0.200'), 'progress');
  assert.equal(classifyLine('▶ handles errors'), 'suite');
});

test('short build output is left alone', () => {
  const input = 'src/a.ts(1,2): error TS2305: Module has no exported member x.\nFound 1 error.\n';
  const { text } = run(input);
  assert.equal(text, input);
});

test('a few distinct messages of one code in one file are each kept; many fold after the first three', () => {
  const lines = ['> tsc --noEmit', ''];
  const msgs = ["Property 'userId' does not exist on type 'Session'.", "Property 'tenant' does not exist on type 'Session'.", "Argument of type 'string' is not assignable to parameter of type 'number'.", "Property 'expiresAt' does not exist on type 'Token'."];
  msgs.forEach((m, k) => lines.push(`src/auth/session.ts(${10 + k * 7},${5 + k}): error TS${k === 2 ? 2345 : 2339}: ${m}`));
  for (let i = 0; i < 40; i++) lines.push(`src/gen/model.ts(${i + 1},1): error TS7006: Parameter 'p${i}' implicitly has an 'any' type.`);
  lines.push('', 'Found 44 errors in 2 files.');
  const input = lines.join('\n') + '\n';
  const { text } = run(input);
  for (const l of lines.slice(2, 6)) assert.ok(text.includes(l + '\n'), `kept: ${l}`);
  const anyKept = text.split('\n').filter((l) => l.startsWith('src/gen/model.ts(')).length;
  assert.equal(anyKept, 3, 'the first three of 40 of one code in one file');
});

test('mypy and ruff reports (file:line: severity / CODE) are build output: every error survives among hundreds of notes', () => {
  const mypy: string[] = [];
  for (let i = 0; i < 300; i++) mypy.push(`app/models/m${i % 30}.py:${i + 3}: note: By default the bodies of untyped functions are not checked, consider using --check-untyped-defs  [annotation-unchecked]`);
  const err1 = 'app/services/billing.py:214: error: Argument 1 to "charge" of "Gateway" has incompatible type "str"; expected "Decimal"  [arg-type]';
  const err2 = 'app/services/billing.py:230: error: Item "None" of "Optional[Customer]" has no attribute "email"  [union-attr]';
  mypy.splice(150, 0, err1);
  mypy.splice(200, 0, err2);
  mypy.push('Found 2 errors in 1 file (checked 212 source files)');
  const m = run(mypy.join('\n') + '\n');
  assert.equal(m.report.kind, 'build');
  for (const l of [err1, err2, 'Found 2 errors in 1 file (checked 212 source files)']) assert.ok(m.text.includes(l), l);

  const ruff: string[] = [];
  for (let i = 0; i < 400; i++) ruff.push(`src/pkg/mod${i % 40}.py:${i + 1}:1: E501 Line too long (${89 + (i % 30)} > 88)`);
  const s105 = 'src/pkg/auth.py:77:5: S105 Possible hardcoded password assigned to: "secret_key"';
  const f821 = 'src/pkg/db.py:12:1: F821 Undefined name `sessoin`';
  ruff.splice(233, 0, s105);
  ruff.splice(301, 0, f821);
  ruff.push('Found 402 errors.');
  const r = run(ruff.join('\n') + '\n');
  assert.equal(r.report.kind, 'build');
  assert.ok(r.text.includes(s105) && r.text.includes(f821) && r.text.includes('Found 402 errors.'), r.text);
  assert.ok(r.text.length < ruff.join('\n').length / 4);
});

test('mocha spec output (indented ✔ marks) is build output; the assertion detail printed unindented and between blank lines survives', () => {
  const L: string[] = [''];
  for (let s = 0; s < 30; s++) {
    L.push(`  UserService ${s}`);
    for (let i = 0; i < 12; i++) L.push(`    ✔ should handle scenario ${i} (${i * 3}ms)`);
    if (s === 21) L.push('    1) should reject duplicate email');
    L.push('');
  }
  L.push('', '  360 passing (4s)', '  1 failing', '', '  1) UserService 21', '       should reject duplicate email:', '',
    '      AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:', '', '409 !== 201', '', '      + expected - actual', '',
    '      -201', '      +409', '', '      at Context.<anonymous> (test/user.spec.js:118:14)', '      at processImmediate (node:internal/timers:478:21)', '');
  const input = L.join('\n');
  const sink = new MemorySink();
  const r = compress(input, { store: sink, countTokens: false });
  assert.equal(r.report.kind, 'build');
  assertInvariants(input, r.text, sink);
  for (const l of ['    1) should reject duplicate email', 'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:', '409 !== 201', '      -201', '      +409', '(test/user.spec.js:118:14)', '  1 failing']) {
    assert.ok(r.text.includes(l), `${l} lost:\n${r.text}`);
  }
  assert.ok(r.text.length < input.length / 5);
});

test('pip: the conflicting requirements between two ERROR lines are kept', () => {
  const L: string[] = [];
  for (let i = 0; i < 150; i++) L.push(`Collecting pkg${i}>=1.${i}`, `  Downloading pkg${i}-1.${i}.0-py3-none-any.whl (${i + 10} kB)`);
  L.push('ERROR: Cannot install -r requirements.txt (line 12) and urllib3==2.2.1 because these package versions have conflicting dependencies.', '', 'The conflict is caused by:', '    The user requested urllib3==2.2.1', '    botocore 1.29.0 depends on urllib3<1.27 and >=1.25.4', '', 'ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/');
  const r = run(L.join('\n') + '\n');
  assert.ok(r.text.includes('    botocore 1.29.0 depends on urllib3<1.27 and >=1.25.4'), r.text);
});

test('cargo test keeps the line naming each test binary and the captured output header of a failing test', () => {
  const L = ['   Compiling mycrate v0.3.1 (/home/dev/mycrate)', '    Finished `test` profile [unoptimized + debuginfo] target(s) in 12.34s'];
  const binaries = ['unittests src/lib.rs (target/debug/deps/mycrate-3f2a9b1c0d4e5f67)', 'tests/api.rs (target/debug/deps/api-0a1b2c3d4e5f6789)'];
  for (const [b, bin] of binaries.entries()) {
    L.push(`     Running ${bin}`, '', 'running 80 tests');
    for (let i = 0; i < 80; i++) L.push(b === 1 && i === 40 ? 'test routes::get_user_404 ... FAILED' : `test mod${b}::tests::case_${i} ... ok`);
    if (b === 1) {
      L.push('', 'failures:', '', '---- routes::get_user_404 stdout ----', "thread 'routes::get_user_404' panicked at tests/api.rs:88:5:", 'assertion `left == right` failed', '  left: 500', ' right: 404', '', '', 'failures:', '    routes::get_user_404', '');
      L.push('test result: FAILED. 79 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.21s', '', 'error: test failed, to rerun pass `--test api`');
    } else L.push('', 'test result: ok. 80 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.03s', '');
  }
  const input = L.join('\n') + '\n';
  const sink = new MemorySink();
  const r = compress(input, { store: sink, countTokens: false });
  assert.equal(r.report.kind, 'build');
  for (const bin of binaries) assert.ok(r.text.includes(`     Running ${bin}\n`), `${bin} kept`);
  assert.ok(r.text.includes('---- routes::get_user_404 stdout ----\n'));
  assert.ok(r.text.includes('  left: 500\n'));
  assert.ok(!r.text.includes('case_30 ... ok'), 'passing tests fold');
  assertInvariants(input, r.text, sink);
});

test('gradle output is build output: task lines fold, warnings and the verdict stay', () => {
  const L = ['> Configure project :app'];
  for (const m of ['core', 'api', 'data', 'ui', 'network', 'auth', 'billing', 'search']) {
    for (const t of ['compileJava UP-TO-DATE', 'processResources NO-SOURCE', 'classes', 'compileTestJava', 'testClasses', 'jar', 'test', 'check']) {
      L.push(`> Task :${m}:${t}`);
      if (m === 'billing' && t.startsWith('compileJava')) L.push('warning: [deprecation] getAmount() in Invoice has been deprecated');
    }
  }
  for (let i = 0; i < 100; i++) L.push(`> Task :core:lint${i} UP-TO-DATE`);
  L.push('', 'Deprecated Gradle features were used in this build, making it incompatible with Gradle 9.0.', '', 'BUILD SUCCESSFUL in 1m 12s', '187 actionable tasks: 42 executed, 145 up-to-date');
  const input = L.join('\n') + '\n';
  assert.equal(detectKind(input), 'build');
  const sink = new MemorySink();
  const r = compress(input, { store: sink, countTokens: false });
  for (const s of ['warning: [deprecation] getAmount() in Invoice has been deprecated\n', 'BUILD SUCCESSFUL in 1m 12s\n', '187 actionable tasks: 42 executed, 145 up-to-date\n']) assert.ok(r.text.includes(s), s);
  assert.ok(r.text.length < input.length * 0.2, `saved enough: ${r.text.length}/${input.length}`);
  assertInvariants(input, r.text, sink);
  const failed = compress(input.replace('> Task :ui:test\n', '> Task :ui:test FAILED\n'), { store: sink, countTokens: false });
  assert.ok(failed.text.includes('> Task :ui:test FAILED\n'), 'a failed task is kept');
});

test('go vet output is build output: every distinct finding stays, one file\'s repeats fold', () => {
  const L = ['# github.com/acme/svc/internal/api'];
  const msgs = ['composite literal uses unkeyed fields', 'printf: fmt.Sprintf format %d has arg id of wrong type string', 'unreachable code'];
  for (let f = 0; f < 6; f++) for (let k = 0; k < 20; k++) L.push(`internal/api/h${f}.go:${10 + k * 7}:${2 + (k % 5)}: ${msgs[k % 3]}`);
  L.splice(50, 0, 'internal/api/h2.go:212:3: lock passed by value: sync.Mutex copies lock value');
  const input = L.join('\n') + '\n';
  assert.equal(detectKind(input), 'build');
  const sink = new MemorySink();
  const r = compress(input, { store: sink, countTokens: false });
  assert.ok(r.text.includes('internal/api/h2.go:212:3: lock passed by value: sync.Mutex copies lock value\n'));
  for (let f = 0; f < 6; f++) assert.ok(r.text.includes(`internal/api/h${f}.go:10:2: composite literal uses unkeyed fields\n`));
  assert.ok(r.text.length < input.length * 0.4, `saved enough: ${r.text.length}/${input.length}`);
  assertInvariants(input, r.text, sink);
});
