// The bundled CLI run as a subprocess, with its store in a temp dir. It is bundled here with the
// same esbuild settings as esbuild.mjs, into a private folder (with sql-wasm.wasm beside it, as in
// dist/), so parallel builds and cleanups of the shared dist/ cannot pull it away mid-test.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { createServer, type AddressInfo } from 'node:net';
import { get as httpGet } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, readdirSync, writeFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ccrHash } from '../../src/engine/hash';
import { openStore } from '../../src/store/store';
import { loadSqlJs } from '../../src/store/sqljs';
import { proxySettings } from '../../src/cli/commands/proxy';
import { DEFAULT_EXCLUDED_TOOLS } from '../../src/proxy/config';
import { ANTHROPIC_JSON_REPLY, startFakeUpstream } from '../proxy/helpers/fake-upstream';
import { startFakeConnectProxy } from '../proxy/helpers/fake-connect-proxy';
import { anthropicBody, bigLog } from '../proxy/helpers/fixtures';

const ROOT = resolve(__dirname, '..', '..');
const OUT = mkdtempSync(join(tmpdir(), 'headroom-cli-build-'));
const CLI = join(OUT, 'cli.js');

before(async () => {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/main.ts'],
    outfile: CLI,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'error',
  });
  copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), join(OUT, 'sql-wasm.wasm'));
});

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

function cli(args: string[], input: string | Buffer = '', env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input,
    env: { ...process.env, HEADROOM_STORE: '', ...env },
    maxBuffer: 64 * 1024 * 1024,
    // A command that should have exited (a usage error) but serves instead fails the test, not CI.
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

function tempStore(): string {
  return join(mkdtempSync(join(tmpdir(), 'headroom-cli-')), 'store.sqlite');
}

/** A service log with a few distinct events, repeated noise, unicode and one error. */
function sampleLog(): string {
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const s = String(i % 60).padStart(2, '0');
    if (i % 500 === 7) lines.push(`2024-06-01T12:${s}:00Z WARN cache miss ratio high: ${i % 97}% (région eu-west — ✓)`);
    else lines.push(`2024-06-01T12:${s}:00Z INFO http GET /api/items/${i} 200 ${(i * 7) % 113}ms`);
  }
  lines[2500] = '2024-06-01T12:40:00Z ERROR payment-service: charge failed for order 9f3a: ECONNREFUSED 10.0.0.7:5432';
  return lines.join('\n') + '\n';
}

test('--version, --help, and usage errors', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const v = cli(['--version']);
  assert.equal(v.status, 0);
  assert.equal(v.stdout.toString(), `headroom ${pkg.version}\n`);
  const h = cli(['--help']);
  assert.equal(h.status, 0);
  assert.match(h.stdout.toString(), /Usage: headroom <command>/);
  for (const cmd of ['compress', 'retrieve', 'stats', 'proxy']) assert.match(h.stdout.toString(), new RegExp(`\\n  ${cmd} `));
  const none = cli([]);
  assert.equal(none.status, 2);
  assert.equal(none.stdout.length, 0, 'a usage error says so on stderr only');
  assert.match(none.stderr, /^Usage: headroom <command>/);
  const unknown = cli(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  assert.match(unknown.stderr, /Usage: headroom/);
  const badFlag = cli(['stats', '--no-such-flag', '--store', tempStore()]);
  assert.equal(badFlag.status, 2);
  assert.match(badFlag.stderr, /no-such-flag/);
  const badKind = cli(['compress', '--kind', 'poetry', '--store', tempStore()], 'x');
  assert.equal(badKind.status, 2);
  assert.match(badKind.stderr, /unknown --kind "poetry"/);
});

test('compress shrinks stdin, reports one JSON line, and every hash retrieves its exact bytes', () => {
  const store = tempStore();
  const input = sampleLog();
  const r = cli(['compress', '--store', store, '--query', 'why did the payment fail?'], input);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.toString('utf8');
  assert.ok(r.stdout.length < Buffer.byteLength(input) / 4, `output ${r.stdout.length} bytes`);
  assert.ok(out.includes('ERROR payment-service: charge failed for order 9f3a: ECONNREFUSED 10.0.0.7:5432'));
  const reportLines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(reportLines.length, 1, r.stderr);
  const report = JSON.parse(reportLines[0]);
  assert.equal(report.kind, 'logs');
  assert.equal(report.bytesIn, Buffer.byteLength(input));
  assert.equal(report.bytesOut, r.stdout.length);
  assert.ok(report.tokensIn > report.tokensOut, 'tokens counted');
  assert.ok(report.hashes.length > 0);
  const written = statSync(store);
  for (const hash of report.hashes) {
    assert.ok(out.includes(`hash=${hash}`), `marker for ${hash} in output`);
    const got = cli(['retrieve', '--store', store, hash]);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stderr, '');
    assert.equal(ccrHash(got.stdout.toString('utf8')), hash);
    assert.ok(input.includes(got.stdout.toString('utf8')), 'retrieved bytes are a part of the input');
  }
  // The marker's own spelling is accepted too.
  const viaMarker = cli(['retrieve', `hash=${report.hashes[0]}`], '', { HEADROOM_STORE: store });
  assert.equal(viaMarker.status, 0, viaMarker.stderr);
  assert.equal(ccrHash(viaMarker.stdout.toString('utf8')), report.hashes[0]);
  // Upper case too, as the MCP tool and GET /v1/retrieve/HASH take it.
  const upper = cli(['retrieve', '--store', store, `HASH=${report.hashes[0].toUpperCase()}`]);
  assert.equal(upper.status, 0, upper.stderr);
  assert.equal(ccrHash(upper.stdout.toString('utf8')), report.hashes[0]);
  // Reading does not rewrite the store file just to record the access time.
  assert.deepEqual([statSync(store).ino, statSync(store).mtimeMs], [written.ino, written.mtimeMs]);
});

test('retrieve: unknown hash exits 1 and malformed hash exits 2, each with a clear message', () => {
  const store = tempStore();
  const unknown = cli(['retrieve', '--store', store, 'abcdefabcdefabcdefabcdef']);
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stdout.length, 0);
  assert.match(unknown.stderr, /no original stored for hash abcdefabcdefabcdefabcdef .*unknown or has expired/);
  const malformed = cli(['retrieve', '--store', store, 'abc123']);
  assert.equal(malformed.status, 2);
  assert.match(malformed.stderr, /"abc123" is not a Headroom hash/);
  const missing = cli(['retrieve', '--store', store]);
  assert.equal(missing.status, 2);
  assert.equal(existsSync(store), false, 'looking things up does not create a store file');
});

test('compress passes input through byte for byte when it cannot compress it', () => {
  const store = tempStore();
  const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41, 0x0a, 0xc3, 0x28, 0x00, 0x10]);
  const r = cli(['compress', '--store', store, '--no-tokens'], binary);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout, binary);
  assert.equal(JSON.parse(r.stderr).unchanged, 'not-utf8');
  // A log with a few Latin-1 bytes: decoding would turn them into U+FFFD, so it passes through as is.
  const latin1 = Buffer.from(sampleLog().replaceAll(' — ✓', ''), 'latin1');
  const l = cli(['compress', '--store', store], latin1);
  assert.equal(l.status, 0, l.stderr);
  assert.deepEqual(l.stdout, latin1);
  const report = JSON.parse(l.stderr);
  assert.equal(report.unchanged, 'not-utf8');
  assert.equal(report.bytesIn, latin1.length);
  assert.equal(report.bytesOut, latin1.length);
  assert.deepEqual(report.hashes, []);
  const empty = cli(['compress', '--store', store, '--no-tokens'], '');
  assert.equal(empty.status, 0);
  assert.equal(empty.stdout.length, 0);
  assert.equal(JSON.parse(empty.stderr).unchanged, 'empty');
});

test('a reader that closes stdout early (| head) ends the command quietly', async () => {
  const store = tempStore();
  const big = Array.from({ length: 60_000 }, (_, i) => `line ${i} of a long original`).join('\n');
  const s = await openStore({ path: store });
  s.put(ccrHash(big), big, 'logs');
  await s.close();
  const env = { ...process.env, HEADROOM_STORE: store, NODE: process.execPath, CLI };
  // Far more than a pipe buffer, so the CLI is still writing when head exits.
  for (const line of [`"$NODE" "$CLI" retrieve ${ccrHash(big)} | head -c 1`, `"$NODE" "$CLI" compress --no-tokens | head -c 10`]) {
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${line} >/dev/null`], { env, input: 'x '.repeat(500_000) });
    assert.doesNotMatch(r.stderr.toString(), /EPIPE|Error/, line);
    assert.equal(r.status, 0, line);
  }
});

test('compress whose store cannot be saved passes the input through and warns once, before its report', () => {
  // A name that leaves no room for the temp file's suffix: every save fails (also as root, unlike a read-only folder).
  const store = join(mkdtempSync(join(tmpdir(), 'headroom-cli-')), `${'s'.repeat(240)}.sqlite`);
  const input = sampleLog();
  const r = cli(['compress', '--store', store, '--no-tokens'], input);
  assert.equal(r.status, 1);
  assert.equal(r.stdout.toString('utf8'), input);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], /^headroom: warning: Headroom could not save its store to .*ENAMETOOLONG/);
  const report = JSON.parse(lines[1]);
  assert.equal(report.unchanged, 'error');
  assert.match(report.error, /^store not saved: ENAMETOOLONG/);
});

test('stats describes the store, in text and JSON', () => {
  const store = tempStore();
  const c = cli(['compress', '--store', store, '--no-tokens'], sampleLog());
  const hashes: string[] = JSON.parse(c.stderr).hashes;
  const text = cli(['stats', '--store', store]);
  assert.equal(text.status, 0, text.stderr);
  const s = text.stdout.toString();
  assert.match(s, new RegExp(`Originals: ${hashes.length} entr(y|ies)`));
  assert.match(s, /\n  logs +\d+ /);
  assert.ok(s.includes(store));
  const json = cli(['stats', '--json'], '', { HEADROOM_STORE: store });
  assert.equal(json.status, 0, json.stderr);
  const summary = JSON.parse(json.stdout.toString());
  assert.equal(summary.entries, hashes.length);
  assert.equal(summary.byKind.logs.entries, hashes.length);
  assert.equal(summary.path, store);
  assert.ok(summary.fileBytes > 0);
});

test('a corrupt store file is moved aside with a message and the command still works', () => {
  const store = tempStore();
  writeFileSync(store, 'garbage, not a database\n'.repeat(50));
  const r = cli(['stats', '--json', '--store', store]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^headroom: warning: Headroom store .* is not a valid Headroom store .*moved to .*\.corrupt-/);
  assert.equal(JSON.parse(r.stdout.toString()).entries, 0);
  const dir = resolve(store, '..');
  assert.ok(readdirSync(dir).some((f) => f.startsWith('store.sqlite.corrupt-')));
  const c = cli(['compress', '--store', store, '--no-tokens'], sampleLog());
  assert.equal(c.status, 0, c.stderr);
  assert.equal(c.stderr.split('\n').filter(Boolean).length, 1, 'no further warning');
});

test('a failure that is not a usage error is one line naming the command, exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-cli-'));
  const r = cli(['stats', '--store', dir]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `headroom stats: Headroom store path ${dir} is a directory; give a file path\n`);
});

test('a store written by a newer schema is left in place; commands fail with one line naming it', async () => {
  const store = tempStore();
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.exec('CREATE TABLE future (x); PRAGMA user_version = 2;');
  const newer = Buffer.from(db.export());
  db.close();
  writeFileSync(store, newer);
  for (const args of [['stats'], ['retrieve', 'abcdefabcdefabcdefabcdef']]) {
    const r = cli([...args, '--store', store]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `headroom ${args[0]}: Headroom store ${store} has schema version 2, newer than this Headroom's 1; it was left as is (update Headroom, or use another store)\n`);
  }
  assert.deepEqual(readdirSync(resolve(store, '..')), ['store.sqlite']);
  assert.deepEqual(readFileSync(store), newer);
});

test('an empty --store is a usage error, not the default store', () => {
  const home = mkdtempSync(join(tmpdir(), 'headroom-cli-home-'));
  for (const args of [['stats'], ['retrieve', 'abcdefabcdefabcdefabcdef'], ['compress'], ['mcp'], ['proxy', '--port', '0']]) {
    const r = cli([...args, '--store', ''], 'some input', { HOME: home, HEADROOM_STORE: join(home, 'env.sqlite') });
    assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^headroom ${args[0]}: --store needs a file path`));
  }
  assert.deepEqual(readdirSync(home), []);
});

function waitForLine(child: ReturnType<typeof spawn>, re: RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; got ${buf}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = buf.match(re);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m[1] ?? m[0]);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited before ${re}; got ${buf}`));
    });
  });
}

function getJson(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolvePromise, reject) => {
    httpGet(url, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
    }).on('error', reject);
  });
}

/** The proxy's recorded request count once it reaches `atLeast` (records come once tokens are counted), or after 10 s. */
async function recordedRequests(url: string, atLeast: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  const recorded = async () => ((await getJson(`${url}/stats`)).body as { totals: { requests: number } }).totals.requests;
  let n = await recorded();
  while (n < atLeast && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    n = await recorded();
  }
  return n;
}

test('proxy prints its URL, serves /health, and stops cleanly on SIGTERM', async () => {
  const store = tempStore();
  const child = spawn(process.execPath, [CLI, 'proxy', '--port', '0', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  try {
    const url = await waitForLine(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const health = await getJson(`${url}/health`);
    assert.equal(health.status, 200);
    assert.equal((health.body as { status: string }).status, 'ok');
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /SIGTERM, stopping the proxy/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a running proxy serves originals that the CLI stored in the same file, and keeps them', async () => {
  const store = tempStore();
  const child = spawn(process.execPath, [CLI, 'proxy', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HEADROOM_STORE: store },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  try {
    const url = await waitForLine(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const c = cli(['compress', '--store', store, '--no-tokens'], sampleLog());
    assert.equal(c.status, 0, c.stderr);
    const hashes: string[] = JSON.parse(c.stderr).hashes;
    assert.ok(hashes.length > 0);
    const got = await getJson(`${url}/v1/retrieve/${hashes[0]}`);
    assert.equal(got.status, 200);
    assert.equal(ccrHash((got.body as { text: string }).text), hashes[0]);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    const stats = cli(['stats', '--json', '--store', store]);
    assert.equal(JSON.parse(stats.stdout.toString()).entries, hashes.length, 'the proxy saved without dropping the CLI\'s entries');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('proxy on a busy port exits 1 naming the port', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as AddressInfo).port;
  try {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolvePromise) => {
      const child = spawn(process.execPath, [CLI, 'proxy', '--store', tempStore()], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HEADROOM_PORT: String(port) },
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolvePromise({ code, stderr });
      });
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`could not start the proxy: .*${port}`));
  } finally {
    blocker.close();
  }
});

test('proxy refuses a non-loopback host and a bad upstream URL', () => {
  const host = cli(['proxy', '--host', '0.0.0.0', '--store', tempStore()]);
  assert.equal(host.status, 2);
  assert.match(host.stderr, /loopback/);
  const up = cli(['proxy', '--port', '0', '--store', tempStore()], '', { HEADROOM_OPENAI_UPSTREAM: 'not a url' });
  assert.equal(up.status, 2);
  assert.match(up.stderr, /--openai-upstream is not a URL/);
});

test('proxy upstreams: --anthropic-upstream and --openai-upstream are used and beat their environment variables; HEADROOM_OPENAI_UPSTREAM is used', async () => {
  const named = (name: string) => startFakeUpstream((got, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ upstream: name, url: got.url }));
  });
  const [flagA, envA, flagO, envO] = await Promise.all(['flag-anthropic', 'env-anthropic', 'flag-openai', 'env-openai'].map(named));
  const run = async (args: string[], env: NodeJS.ProcessEnv, expect: { anthropic: string; openai: string }) => {
    // Through a closed local port to any provider not on loopback: a wrong choice fails at once, never reaching the network.
    const child = spawn(process.execPath, [CLI, 'proxy', '--port', '0', '--store', tempStore(), '--quiet', '--upstream-proxy', 'http://127.0.0.1:1', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEADROOM_ANTHROPIC_UPSTREAM: '', HEADROOM_OPENAI_UPSTREAM: '', ...env },
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      const banner = await waitForLine(child, /(listening on http[\s\S]*Compression: [^\n]*\n)/);
      const url = banner.match(/http:\/\/127\.0\.0\.1:\d+/)![0];
      const ask = async (path: string, headers: Record<string, string>, body: string) => {
        const r = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
        assert.equal(r.status, 200, stderr);
        return await r.json() as { upstream: string; url: string };
      };
      assert.deepEqual(await ask('/v1/messages?beta=true', { 'x-api-key': 'sk-ant-test' }, JSON.stringify(anthropicBody({ toolOutput: 'ok' }))), { upstream: expect.anthropic, url: '/v1/messages?beta=true' });
      assert.deepEqual(await ask('/v1/chat/completions', { authorization: 'Bearer sk-test' }, '{"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]}'), { upstream: expect.openai, url: '/v1/chat/completions' });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  };
  try {
    await run(['--anthropic-upstream', flagA.url], { HEADROOM_ANTHROPIC_UPSTREAM: envA.url, HEADROOM_OPENAI_UPSTREAM: envO.url }, { anthropic: 'flag-anthropic', openai: 'env-openai' });
    await run(['--openai-upstream', flagO.url], { HEADROOM_ANTHROPIC_UPSTREAM: envA.url, HEADROOM_OPENAI_UPSTREAM: envO.url }, { anthropic: 'env-anthropic', openai: 'flag-openai' });
    assert.equal(envA.received.length, 1);
    assert.equal(flagO.received.length, 1);
    assert.equal(flagA.received.length, 1);
    assert.equal(envO.received.length, 1);
  } finally {
    await Promise.all([flagA, envA, flagO, envO].map((u) => u.close()));
  }
});

function canListen(host: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const s = createServer();
    s.once('error', () => resolvePromise(false));
    s.listen(0, host, () => s.close(() => resolvePromise(true)));
  });
}

/** Starts `headroom proxy --host HOST`, checks the URL it prints, /health and a forwarded request through it, and stops it. */
async function serveOn(host: string, shown: string): Promise<void> {
  const up = await startFakeUpstream();
  const child = spawn(process.execPath, [CLI, 'proxy', '--port', '0', '--host', host, '--store', tempStore(), '--quiet', '--upstream-proxy', 'http://127.0.0.1:1'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEADROOM_ANTHROPIC_UPSTREAM: up.url },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  try {
    const url = await waitForLine(child, /listening on (http:\/\/\S+:\d+)\n/);
    assert.equal(url.replace(/:\d+$/, ''), shown, url);
    const health = await getJson(`${url}/health`);
    assert.equal(health.status, 200, `${host}: ${stderr}`);
    const r = await fetch(`${url}/v1/messages`, { method: 'POST', body: JSON.stringify(anthropicBody({ toolOutput: 'ok' })), headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test' } });
    assert.equal(r.status, 200, `${host}: ${stderr}`);
    await r.arrayBuffer();
    assert.equal(up.received.length, 1);
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await up.close();
  }
}

test('proxy --host localhost serves on loopback', async () => {
  await serveOn('localhost', 'http://localhost');
});

test('proxy --host ::1 and [::1] serve on IPv6 loopback, where the machine has it', async (t) => {
  if (!(await canListen('::1'))) {
    t.skip('this machine has no IPv6 loopback (::1)');
    return;
  }
  await serveOn('::1', 'http://[::1]');
  await serveOn('[::1]', 'http://[::1]');
});

test('proxy --host: loopback spellings are accepted; any other host is a usage error', () => {
  for (const host of ['127.0.0.2', 'LOCALHOST', '::1', '[::1]']) assert.doesNotThrow(() => proxySettings(['--host', host], {}), host);
  for (const host of ['0.0.0.0', '::', '[::]', '192.168.1.10', '10.0.0.1', 'example.com', 'localhost.example.com', '127.0.0.1.nip.io', '::ffff:127.0.0.1', '']) {
    assert.throws(() => proxySettings(['--host', host], {}), /--host must be a loopback address/, JSON.stringify(host));
  }
  const r = cli(['proxy', '--host', '::', '--port', '0', '--store', tempStore()]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--host must be a loopback address .*got "::"/);
});

test('proxy settings: compression flags win over the environment; bad values are usage errors', () => {
  const s = proxySettings(['--exclude-tools', 'Bash, run_*', '--min-bytes', '200'], {
    HEADROOM_MIN_BYTES: '999', HEADROOM_ERROR_MIN_BYTES: '300', HEADROOM_RETRIEVAL: 'off', HEADROOM_EXCLUDE_TOOLS: 'Other',
  });
  assert.deepEqual(s.extraExcludedTools, ['Bash', 'run_*']);
  assert.deepEqual(s.config.excludeTools, [...DEFAULT_EXCLUDED_TOOLS, 'Bash', 'run_*'], 'added to the built-in list');
  assert.equal(s.config.minBytes, 200);
  assert.equal(s.config.errorMinBytes, 300);
  assert.equal(s.config.retrieval, false);
  assert.equal(s.bypass, false);
  const plain = proxySettings([], {});
  assert.deepEqual(plain.config, {}, 'nothing set: the proxy keeps its defaults');
  assert.equal(plain.bypass, false);
  assert.equal(proxySettings([], { HEADROOM_EXCLUDE_TOOLS: 'Other' }).config.excludeTools?.at(-1), 'Other');
  assert.equal(proxySettings(['--bypass'], { HEADROOM_BYPASS: '0' }).bypass, true);
  assert.equal(proxySettings([], { HEADROOM_BYPASS: 'yes' }).bypass, true);
  assert.equal(proxySettings(['--no-retrieval'], {}).config.retrieval, false);
  assert.equal(proxySettings([], { HEADROOM_QUIET: 'true' }).quiet, true);
  assert.throws(() => proxySettings(['--min-bytes', '1.5k'], {}), /--min-bytes must be a whole number of bytes/);
  assert.throws(() => proxySettings([], { HEADROOM_ERROR_MIN_BYTES: '-1' }), /--error-min-bytes must be a whole number/);
  assert.throws(() => proxySettings([], { HEADROOM_BYPASS: 'maybe' }), /HEADROOM_BYPASS must be 1 or 0/);
  // An empty HEADROOM_PORT is unset; a bad one is named as such; an empty --port is still wrong.
  assert.equal(proxySettings([], { HEADROOM_PORT: '' }).port, 8787);
  assert.equal(proxySettings([], { HEADROOM_PORT: '9000' }).port, 9000);
  assert.throws(() => proxySettings([], { HEADROOM_PORT: 'x' }), /^Error: HEADROOM_PORT must be a number from 0 to 65535, not "x"/);
  assert.throws(() => proxySettings(['--port', ''], { HEADROOM_PORT: '9000' }), /--port must be a number/);
});

test('proxy flags reach the running proxy: excluded tools, no retrieval, thresholds, bypass; one log line per request unless quiet; savings of the run and of the request log', async () => {
  const up = await startFakeUpstream();
  const log = bigLog(600, 3);
  const body = (tool: string) => JSON.stringify(anthropicBody({ toolOutput: log, tool }));
  const send = async (url: string, tool: string) => {
    const sent = Buffer.from(body(tool));
    const r = await fetch(`${url}/v1/messages`, {
      method: 'POST', body: sent, headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
    });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    return { sent, got: up.received.at(-1)!.body };
  };
  const withProxy = async (args: string[], env: NodeJS.ProcessEnv, check: (url: string, banner: string, stderr: () => string) => Promise<void>, store = tempStore()) => {
    const child = spawn(process.execPath, [CLI, 'proxy', '--port', '0', '--store', store, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HEADROOM_ANTHROPIC_UPSTREAM: up.url, ...env },
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      const banner = await waitForLine(child, /(listening on http[\s\S]*Compression: [^\n]*\n)/);
      await check(banner.match(/http:\/\/127\.0\.0\.1:\d+/)![0], banner, () => stderr);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      return stderr;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  };
  const store = tempStore();
  try {
    const firstRun = await withProxy(['--exclude-tools', 'Bash', '--no-retrieval'], {}, async (url, banner, stderr) => {
      assert.match(banner, /retrieval off; also left alone: Bash/);
      const bash = await send(url, 'Bash');
      assert.ok(bash.got.equals(bash.sent), 'an excluded tool\'s output goes up byte for byte');
      const grep = await send(url, 'Grep');
      assert.ok(grep.got.length < grep.sent.length * 0.5, 'another tool\'s output is compressed');
      assert.match(grep.got.toString(), /hash=[0-9a-f]{24}/);
      assert.ok(!grep.got.includes('headroom_retrieve'), 'no retrieve tool without retrieval');
      // One line per request once its tokens are counted: the excluded one, then the compressed one.
      const deadline = Date.now() + 10_000;
      while (!/compressed: logs/.test(stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const lines = stderr().split('\n').filter((l) => /^\d\d:\d\d:\d\d \/v1\/messages 200 /.test(l));
      assert.equal(lines.length, 2, stderr());
      assert.match(lines[0], /left alone: excluded-tool/);
      assert.match(lines[1], /tokens \(\d+% saved\).*compressed: logs/);
      assert.ok(!stderr().includes('sk-ant-test'), 'no API key in the log');
    }, store);
    assert.match(firstRun, /this run: 2 requests, 1 compressed; [\d.k]+ → [\d.k]+ input tokens \(\d+% saved\), \$[\d.<]+ saved\n/);
    // After the proxy stopped, `headroom stats` reads what it saved from the request log.
    const text = cli(['stats', '--store', store]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout.toString(), /^Proxy: +last 30 days: 2 requests, 1 compressed; [\d.k]+ → [\d.k]+ input tokens \((\d+)% saved\)/m);
    assert.match(text.stdout.toString(), /^ {2}claude-sonnet-4-5 +2 requests/m);
    assert.match(text.stdout.toString(), /^ {2}prompt cache: 600 tokens read, 40 written; no turn read back less than the turn before it had cached$/m);
    const json = JSON.parse(cli(['stats', '--json', '--store', store]).stdout.toString());
    assert.equal(json.savings.totals.requests, 2);
    assert.equal(json.savings.totals.compressedRequests, 1);
    assert.ok(json.savings.totals.tokensSaved > 0);
    assert.equal(json.savings.leftAlone['excluded-tool'], 1);
    await withProxy(['--quiet'], { HEADROOM_MIN_BYTES: String(log.length + 1) }, async (url, banner, stderr) => {
      assert.match(banner, new RegExp(`tool outputs from ${log.length + 1} bytes`));
      const grep = await send(url, 'Grep');
      assert.ok(grep.got.equals(grep.sent), 'an output under the threshold goes up byte for byte');
      // The record is in /stats once counted; by then its log line would have been written.
      assert.equal(await recordedRequests(url, 1), 1);
      assert.doesNotMatch(stderr(), /\/v1\/messages/, 'quiet: no line per request');
    });
    await withProxy([], { HEADROOM_BYPASS: '1' }, async (url, banner) => {
      assert.match(banner, /Compression: off/);
      const grep = await send(url, 'Grep');
      assert.ok(grep.got.equals(grep.sent), 'bypass forwards untouched');
    });
  } finally {
    await up.close();
  }
});

test('proxy reaches the providers through HTTPS_PROXY (CONNECT, TLS end to end, credentials hidden), unless --upstream-proxy none; a SOCKS proxy is a usage error', async () => {
  // The provider is https://api.provider.test, reachable only through the fake corporate proxy;
  // its self-signed certificate is trusted as users trust a corporate CA: NODE_EXTRA_CA_CERTS.
  const tls = join(ROOT, 'test', 'fixtures', 'tls');
  const received: Buffer[] = [];
  const provider = createHttpsServer({ key: readFileSync(join(tls, 'provider.key')), cert: readFileSync(join(tls, 'provider.crt')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/json' }).end(ANTHROPIC_JSON_REPLY);
    });
  });
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
  const providerPort = (provider.address() as AddressInfo).port;
  const corp = await startFakeConnectProxy((target) => (target === 'api.provider.test:443' ? providerPort : undefined));
  const env = {
    ...process.env, HTTP_PROXY: '', http_proxy: '', ALL_PROXY: '', all_proxy: '', NO_PROXY: '', no_proxy: '', https_proxy: '',
    HTTPS_PROXY: corp.url.replace('://', '://bob:pa55word@'),
    NODE_EXTRA_CA_CERTS: join(tls, 'provider.crt'),
    HEADROOM_ANTHROPIC_UPSTREAM: 'https://api.provider.test',
  };
  const run = async (args: string[], check: (url: string, banner: string) => Promise<void>) => {
    const child = spawn(process.execPath, [CLI, 'proxy', '--port', '0', '--store', tempStore(), '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      const banner = await waitForLine(child, /(listening on http[\s\S]*Compression: [^\n]*\n)/);
      await check(banner.match(/http:\/\/127\.0\.0\.1:\d+/)![0], banner);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.ok(!stderr.includes('pa55word'), 'the proxy password is never printed');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  };
  const log = bigLog(600, 5);
  try {
    await run([], async (url, banner) => {
      const shown = `via http://***@127.0.0.1:${corp.port}`;
      assert.ok(banner.includes(`Upstreams: https://api.provider.test ${shown}, https://api.openai.com ${shown}\n`), banner);
      assert.ok(!banner.includes('pa55word'));
      const r = await fetch(`${url}/v1/messages`, {
        method: 'POST', body: JSON.stringify(anthropicBody({ toolOutput: log })), headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test' },
      });
      assert.equal(r.status, 200, await r.clone().text());
      assert.equal(((await r.json()) as { type: string }).type, 'message');
      assert.equal(received.length, 1);
      // What arrived is the agent's request (compressed or, past the engine's time budget on a busy machine, not).
      assert.equal(JSON.parse(received[0].toString()).model, 'claude-sonnet-4-5');
      assert.deepEqual(corp.connects.map((c) => c.target), ['api.provider.test:443']);
      assert.equal(corp.connects[0].proxyAuthorization, `Basic ${Buffer.from('bob:pa55word').toString('base64')}`);
    });
    await run(['--upstream-proxy', 'none'], async (_url, banner) => {
      assert.match(banner, /Upstreams: https:\/\/api\.provider\.test \(direct\), https:\/\/api\.openai\.com \(direct\)\n/);
    });
    // Credentials in an upstream URL (a gateway's user:key@ or ?key=) are not printed.
    await run(['--upstream-proxy', 'none', '--openai-upstream', 'https://team:s3cret@gateway.test/openai?key=k3y'], async (_url, banner) => {
      assert.match(banner, /, https:\/\/\*\*\*@gateway\.test\/openai\?… \(direct\)\n/);
      assert.ok(!banner.includes('s3cret') && !banner.includes('k3y'), banner);
    });
    const socks = cli(['proxy', '--port', '0', '--store', tempStore()], '', { ...env, HTTPS_PROXY: 'socks5://corp:1080' });
    assert.equal(socks.status, 2, socks.stderr);
    assert.match(socks.stderr, /The proxy for https:\/\/api\.provider\.test from the environment \(HTTPS_PROXY, HTTP_PROXY, ALL_PROXY\) must be an http:\/\/ or https:\/\/ proxy URL/);
    const bad = cli(['proxy', '--upstream-proxy', 'corp:3128', '--store', tempStore()]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--upstream-proxy must be an http:\/\/ or https:\/\/ proxy URL \(or none\)/);
  } finally {
    await corp.close();
    await new Promise((r) => provider.close(r));
  }
});

test('proxy stopped the moment its banner appears still exits cleanly (signal handlers come first)', async () => {
  // Before the fix this lost the race now and then on a loaded machine (exit by signal, store unsaved).
  for (let i = 0; i < 3; i++) {
    const child = spawn(process.execPath, [CLI, 'proxy', '--port', '0', '--store', tempStore()], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEADROOM_STORE: '' } });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (code, signal) => r([code, signal])));
    child.stdout!.once('data', () => child.kill('SIGTERM'));
    assert.deepEqual(await exited, [0, null], stderr);
  }
});

test('proxy whose terminal goes away (stderr closed, then SIGHUP) still records its requests and saves the store', async () => {
  const up = await startFakeUpstream();
  const store = tempStore();
  const child = spawn(process.execPath, [CLI, 'proxy', '--port', '0', '--store', store], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HEADROOM_STORE: '', HEADROOM_ANTHROPIC_UPSTREAM: up.url },
  });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (code, signal) => r([code, signal])));
  try {
    const url = await waitForLine(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    // The terminal is gone: the request's log line and every later message fail to be written.
    child.stderr!.destroy();
    const r = await fetch(`${url}/v1/messages`, {
      method: 'POST', body: JSON.stringify(anthropicBody({ toolOutput: bigLog(600, 3), tool: 'Grep' })),
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
    });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    await recordedRequests(url, 1);
    // Its log line has been written into the closed pipe by now; the proxy must still be serving.
    await new Promise((res) => setTimeout(res, 200));
    assert.equal((await getJson(`${url}/health`)).status, 200, 'a failed write to stderr does not end the proxy');
    child.kill('SIGHUP');
    assert.deepEqual(await exited, [0, null], 'SIGHUP stops the proxy cleanly');
    const stats = JSON.parse(cli(['stats', '--json', '--store', store]).stdout.toString());
    assert.equal(stats.savings.totals.requests, 1, 'the request log was saved on SIGHUP');
    assert.equal(stats.savings.totals.compressedRequests, 1);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await up.close();
  }
});
