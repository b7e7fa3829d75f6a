// The MCP server's JSON-RPC conformance over stdio, driven with raw lines (as Claude Code, VS Code
// and Cline write them, and as they must not but might): the bundled CLI (`headroom mcp`) spawned.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { openStore } from '../../src/store/store';

const ROOT = resolve(__dirname, '..', '..');
const OUT = mkdtempSync(join(tmpdir(), 'headroom-mcp-conf-build-'));
const CLI = join(OUT, 'cli.js');
const WORK = mkdtempSync(join(tmpdir(), 'headroom-mcp-conf-store-'));
let n = 0;
const sessions: Session[] = [];

before(async () => {
  await esbuild.build({
    absWorkingDir: ROOT, entryPoints: ['src/cli/main.ts'], outfile: CLI, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error',
  });
  copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), join(OUT, 'sql-wasm.wasm'));
});

after(() => {
  // A failed test leaves its server running: end every one, so the run cannot hang.
  for (const s of sessions) if (s.child.exitCode === null) s.child.kill();
  rmSync(OUT, { recursive: true, force: true });
  rmSync(WORK, { recursive: true, force: true });
});

type Msg = { jsonrpc?: string; id?: unknown; result?: any; error?: { code: number; message: string } };

/** A raw session: lines in, every stdout line parsed (a line that is not JSON fails the test). */
class Session {
  readonly child: ChildProcessWithoutNullStreams;
  readonly store = join(WORK, `store-${++n}.sqlite`);
  readonly lines: unknown[] = [];
  private waiters: Array<() => void> = [];
  private rest = '';
  readonly exited: Promise<number | null>;

  constructor() {
    this.child = spawn(process.execPath, [CLI, 'mcp', '--store', this.store], { stdio: 'pipe' });
    sessions.push(this);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => {
      const parts = (this.rest + d).split('\n');
      this.rest = parts.pop()!;
      for (const p of parts) this.lines.push(JSON.parse(p));
      for (const w of this.waiters.splice(0)) w();
    });
    this.exited = new Promise((res) => this.child.on('exit', (code) => res(code)));
  }

  send(...lines: Array<string | object>): void {
    for (const l of lines) this.child.stdin.write((typeof l === 'string' ? l : JSON.stringify(l)) + '\n');
  }

  async init(version = '2025-06-18'): Promise<Msg> {
    this.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    const r = await this.reply('init');
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return r;
  }

  /** The first line matching `pred`, waiting up to 15 s. */
  async line<T>(pred: (l: any) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit !== undefined) return hit as T;
      if (Date.now() > deadline) throw new Error(`no reply: ${what}; got ${JSON.stringify(this.lines).slice(0, 500)}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, 200);
        this.waiters.push(() => (clearTimeout(t), res()));
      });
    }
  }

  reply(id: unknown): Promise<Msg> {
    return this.line((l) => !Array.isArray(l) && l.id === id, `id ${JSON.stringify(id)}`);
  }

  async end(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}

test('negotiates the protocol version clients send, and the newest it knows for any other', async () => {
  for (const v of ['2024-11-05', '2025-03-26', '2025-06-18']) {
    const s = new Session();
    assert.equal((await s.init(v)).result.protocolVersion, v);
    await s.end();
  }
  const s = new Session();
  const r = await s.init('2099-01-01');
  assert.match(r.result.protocolVersion, /^\d{4}-\d{2}-\d{2}$/);
  assert.notEqual(r.result.protocolVersion, '2099-01-01');
  await s.end();
});

test('a line that is not JSON gets -32700 with id null, and the server keeps serving', async () => {
  const s = new Session();
  await s.init();
  s.send('{"jsonrpc":"2.0","id":1,"method":"ping"', '{bad json');
  const errs = await s.line<Msg>((l) => l.error?.code === -32700, 'parse error');
  assert.equal(errs.id, null);
  s.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
  assert.deepEqual((await s.reply(2)).result, {});
  assert.equal(await s.end(), 0);
});

test('a JSON value that is not a JSON-RPC message gets -32600 (with its id when it has one)', async () => {
  const s = new Session();
  await s.init();
  s.send({ id: 7, method: 'ping' }); // no "jsonrpc": "2.0"
  assert.equal((await s.reply(7)).error?.code, -32600);
  s.send('"just a string"');
  assert.equal((await s.line<Msg>((l) => l.id === null && l.error?.code === -32600, 'invalid request')).id, null);
  await s.end();
});

test('params that do not fit the method are -32602, an unknown tool is -32602, an unknown method -32601', async () => {
  const s = new Session();
  await s.init();
  s.send(
    { jsonrpc: '2.0', id: 1, method: 'tools/call' },
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'headroom_stats', arguments: 'x' } },
    { jsonrpc: '2.0', id: 3, method: 'initialize', params: {} },
    { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } },
    { jsonrpc: '2.0', id: 5, method: 'resources/list' },
  );
  for (const id of [1, 2, 3, 4]) {
    const r = await s.reply(id);
    assert.equal(r.error?.code, -32602, `id ${id}: ${JSON.stringify(r)}`);
    assert.equal(r.result, undefined);
  }
  assert.match((await s.reply(4)).error!.message, /no_such_tool/);
  assert.equal((await s.reply(5)).error?.code, -32601);
  // Arguments that do not fit a known tool stay a tool error the model can read and correct.
  s.send({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'headroom_retrieve', arguments: {} } });
  assert.equal((await s.reply(6)).result?.isError, true);
  await s.end();
});

test('a batch (protocol 2025-03-26) is answered by one array holding a reply per request', async () => {
  const s = new Session();
  await s.init('2025-03-26');
  s.send([
    { jsonrpc: '2.0', id: 1, method: 'ping' },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 'two', method: 'tools/list' },
    { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } },
  ]);
  const batch = await s.line<Msg[]>((l) => Array.isArray(l), 'batch reply');
  assert.deepEqual(batch.map((m) => m.id).sort(), [1, 3, 'two'].sort());
  assert.equal(batch.find((m) => m.id === 'two')!.result.tools.length, 3);
  assert.equal(batch.find((m) => m.id === 3)!.error?.code, -32602);
  await s.end();
});

test('string and number ids are echoed as sent', async () => {
  const s = new Session();
  await s.init();
  s.send({ jsonrpc: '2.0', id: 'abc-1', method: 'ping' }, { jsonrpc: '2.0', id: 0, method: 'ping' }, { jsonrpc: '2.0', id: '0', method: 'ping' });
  assert.deepEqual((await s.reply('abc-1')).result, {});
  assert.deepEqual((await s.reply(0)).result, {});
  assert.deepEqual((await s.reply('0')).result, {});
  await s.end();
});

test('a 12 MB tool call is answered (the SDK transport closed the server past 10 MB)', async () => {
  const s = new Session();
  await s.init();
  const big = ('x'.repeat(99) + '\n').repeat(120_000);
  s.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'headroom_compress', arguments: { text: big } } });
  s.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
  const r = await s.reply(1);
  assert.notEqual(r.result?.isError, true, JSON.stringify(r).slice(0, 300));
  assert.match(r.result.content[0].text, /hash=[0-9a-f]{24}/);
  assert.deepEqual((await s.reply(2)).result, {});
  assert.equal(await s.end(), 0);
});

test('stdin closing with a call in flight: the call is answered, the store saved, the exit clean', async () => {
  const s = new Session();
  await s.init();
  const log = Array.from({ length: 3000 }, (_, i) => `2025-03-04T10:00:${String(i % 60).padStart(2, '0')}Z INFO api: GET /orders/${i} 200 ${i % 400}ms`).join('\n');
  s.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'headroom_compress', arguments: { text: log } } });
  const code = await s.end();
  assert.equal(code, 0);
  const r = await s.reply(1);
  const hashes = [...String(r.result.content[0].text).matchAll(/hash=([0-9a-f]{24})/g)].map((m) => m[1]);
  assert.ok(hashes.length > 0);
  const store = await openStore({ path: s.store });
  try {
    for (const h of hashes) assert.ok(store.get(h), `hash ${h} saved`);
  } finally {
    await store.close();
  }
  // Every line on stdout was a JSON-RPC message (the Session parsed each one).
  for (const l of s.lines) assert.equal((l as Msg).jsonrpc, '2.0');
});
