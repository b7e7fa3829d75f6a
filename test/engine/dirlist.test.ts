import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

const entry = (name: string, size = 1234, dir = false) =>
  `${dir ? 'drwxr-xr-x' : '-rw-r--r--'}  1 dev dev ${String(size).padStart(6)} Aug 20 16:49 ${name}\n`;

function lsLaR(): string {
  let out = '';
  const dirs = ['.', './src', './src/auth', './src/billing', './node_modules', './node_modules/lodash'];
  for (let i = 0; i < 20; i++) dirs.push(`./examples/example-${i}`);
  for (const d of dirs) {
    out += `${d}:\ntotal 48\n` + entry('.', 4096, true) + entry('..', 4096, true);
    for (let k = 0; k < 8; k++) out += entry(`${d.split('/').pop()}_file${k}.rs`, 1000 + k);
    if (d === './src/auth') out += entry('session_token.rs', 42494);
    out += '\n';
  }
  return out;
}

test('ls -laR: keeps the directories and entries the question names, folds the rest', () => {
  const sink = new MemorySink();
  const input = lsLaR();
  const { text, report } = compress(input, { store: sink, kind: 'dirlist', query: 'Where is the auth code and how large is the session token file?' });
  assert.equal(report.strategy, 'dirlist-select');
  assert.ok(text.includes('./src/auth:\n'));
  assert.ok(text.includes(entry('session_token.rs', 42494)));
  assert.ok(!text.includes('./examples/example-3:'));
  assert.match(text, /\[… \d+ lines omitted: \d+ directories, \d+ lines; hash=[0-9a-f]{24}\]/);
  assert.ok(text.length < input.length * 0.3);
  assertInvariants(input, text, sink);
  const restored = text.replace(/^[ \t]*\[… [^\]]*hash=([0-9a-f]{24})\]\n/gm, (_, h: string) => sink.get(h)!);
  assert.equal(restored, input);
});

test('ls -laR without a focus folds vendored directories and long directories', () => {
  const sink = new MemorySink();
  const input = lsLaR().replace(/(\.\/node_modules\/lodash:\n)/, (m) => m + Array.from({ length: 30 }, (_, k) => entry(`mod${k}.js`)).join(''));
  const { text } = compress(input, { store: sink, kind: 'dirlist' });
  assert.ok(!text.includes('./node_modules/lodash:'));
  assert.ok(text.includes('./src/billing:\n'));
  assertInvariants(input, text, sink);
});

test('find output groups by directory and keeps matching paths', () => {
  const sink = new MemorySink();
  let input = '';
  for (let d = 0; d < 30; d++) for (let f = 0; f < 6; f++) input += `./pkg/module${d}/file${f}.go\n`;
  input += './pkg/websocket/conn.go\n./pkg/websocket/conn_test.go\n';
  const { text } = compress(input, { store: sink, kind: 'dirlist', query: 'where is the websocket connection code?' });
  assert.ok(text.includes('./pkg/websocket/conn.go\n'));
  assert.ok(!text.includes('./pkg/module12/file3.go'));
  assertInvariants(input, text, sink);
});

test('tree output keeps matching entries with their ancestors', () => {
  const sink = new MemorySink();
  let input = '.\n';
  for (let d = 0; d < 20; d++) {
    input += `├── area${d}\n`;
    for (let f = 0; f < 5; f++) input += `│   ├── part${f}_of_area${d}.ts\n`;
  }
  input += '└── gateway\n    └── websocket_handler.ts\n';
  const { text } = compress(input, { store: sink, kind: 'dirlist', query: 'where is the websocket handler?' });
  assert.ok(text.includes('└── gateway\n    └── websocket_handler.ts\n'));
  assert.ok(!text.includes('part2_of_area7'));
  assertInvariants(input, text, sink);
});

test('deterministic', () => {
  const q = 'auth session';
  assert.equal(compress(lsLaR(), { store: new MemorySink(), kind: 'dirlist', query: q }).text, compress(lsLaR(), { store: new MemorySink(), kind: 'dirlist', query: q }).text);
});

test('ls -la without a question keeps setuid, world-writable and rare-mode entries (a symlink among plain files)', () => {
  const L = ['total 4812'];
  for (let i = 0; i < 400; i++) L.push(`-rw-r--r--  1 dev  staff   ${(4000 + i * 13).toString().padStart(6)} Mar  4 10:${String(i % 60).padStart(2, '0')} report_${i}.csv`);
  const odd = ['-rwsr-xr-x  1 root staff    18432 Mar  4 09:12 backup_helper', '-rw-rw-rw-  1 dev  staff     2211 Mar  4 09:13 credentials.json', 'lrwxrwxrwx  1 dev  staff       11 Mar  4 09:14 latest -> report_399.csv'];
  L.splice(120, 0, odd[0]);
  L.splice(250, 0, odd[1]);
  L.splice(300, 0, odd[2]);
  const input = L.join('\n') + '\n';
  const sink = new MemorySink();
  const r = compress(input, { store: sink, countTokens: false });
  assert.equal(r.report.kind, 'dirlist');
  assertInvariants(input, r.text, sink);
  for (const l of odd) assert.ok(r.text.includes(l), `${l} lost:\n${r.text}`);
  assert.ok(r.text.length < input.length / 10);
});

test('ls -la without a question keeps a file far larger than the others (a core dump among sources)', () => {
  const L = ['total 10240412', 'drwxr-xr-x  14 dev dev       4096 Oct 12 09:14 .', 'drwxr-xr-x   6 dev dev       4096 Oct  1 11:02 ..'];
  for (let i = 0; i < 150; i++) {
    if (i === 77) L.push('-rw-r--r--   1 dev dev 10523452416 Oct 12 09:13 core.dump');
    L.push(`-rw-r--r--   1 dev dev ${String(1800 + ((i * 397) % 6200)).padStart(10)} Oct ${String((i % 28) + 1).padStart(2)} 10:${String(i % 60).padStart(2, '0')} module_${i}.ts`);
  }
  const input = L.join('\n') + '\n';
  const sink = new MemorySink();
  const r = compress(input, { store: sink, countTokens: false });
  assert.equal(r.report.kind, 'dirlist');
  assert.ok(r.text.includes('-rw-r--r--   1 dev dev 10523452416 Oct 12 09:13 core.dump\n'), 'size outlier kept');
  assert.ok(!r.text.includes('module_100.ts'), 'ordinary entries still fold');
  assertInvariants(input, r.text, sink);
});

test('find output without a question keeps files that hold secrets or keys', () => {
  const F: string[] = [];
  const dirs = ['src', 'src/api', 'src/lib', 'test', 'docs', 'config', 'scripts'];
  for (let i = 0; i < 300; i++) {
    F.push(`./${dirs[i % dirs.length]}/module_${i}.${['ts', 'js', 'md'][i % 3]}`);
    if (i === 140) F.push('./config/.env.production');
    if (i === 200) F.push('./config/server.pem');
  }
  const input = F.join('\n') + '\n';
  const sink = new MemorySink();
  const r = compress(input, { store: sink, countTokens: false });
  assert.equal(r.report.kind, 'dirlist');
  assert.ok(r.text.includes('./config/.env.production\n'), '.env.production kept');
  assert.ok(r.text.includes('./config/server.pem\n'), 'key file kept');
  assert.ok(!r.text.includes('module_250.'), 'ordinary entries still fold');
  assertInvariants(input, r.text, sink);
});
