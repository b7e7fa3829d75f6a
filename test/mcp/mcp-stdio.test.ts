// The MCP server as VS Code runs it: the bundled CLI (`headroom mcp --store PATH`) spawned over
// stdio, driven by the real MCP client from @modelcontextprotocol/sdk. Bundled into a private
// folder (same settings as esbuild.mjs) so parallel builds of dist/ cannot interfere.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { openStore } from '../../src/store/store';
import { ccrHash } from '../../src/engine/hash';

const ROOT = resolve(__dirname, '..', '..');
const OUT = mkdtempSync(join(tmpdir(), 'headroom-mcp-build-'));
const CLI = join(OUT, 'cli.js');
const WORK = mkdtempSync(join(tmpdir(), 'headroom-mcp-store-'));
const STORE = join(WORK, 'store.sqlite');
const ORIGINAL = 'line one\nline two — with ünïcode\n\ttabbed line\n';
let client: Client;

type Reply = { content: Array<{ type: string; text: string }>; isError?: boolean };
const textOf = (r: unknown) => (r as Reply).content.map((c) => c.text).join('');

before(async () => {
  await esbuild.build({
    absWorkingDir: ROOT, entryPoints: ['src/cli/main.ts'], outfile: CLI, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error',
  });
  copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), join(OUT, 'sql-wasm.wasm'));
  // An original stored by "the proxy" before the MCP server starts.
  const store = await openStore({ path: STORE });
  store.put(ccrHash(ORIGINAL), ORIGINAL, 'logs');
  await store.close();

  client = new Client({ name: 'headroom-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--store', STORE], stderr: 'pipe' }));
});

after(async () => {
  await client?.close();
  rmSync(OUT, { recursive: true, force: true });
  rmSync(WORK, { recursive: true, force: true });
});

test('lists the three tools', async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ['headroom_compress', 'headroom_retrieve', 'headroom_stats']);
});

test('tools carry annotations: retrieve and stats read only, compress not (it stores originals)', async () => {
  const { tools } = await client.listTools();
  const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations?.readOnlyHint]));
  assert.deepEqual(hints, { headroom_retrieve: true, headroom_compress: false, headroom_stats: true });
});

test('retrieve returns a stored original byte for byte (bare hash and hash=…)', async () => {
  const hash = ccrHash(ORIGINAL);
  assert.equal(textOf(await client.callTool({ name: 'headroom_retrieve', arguments: { hash } })), ORIGINAL);
  assert.equal(textOf(await client.callTool({ name: 'headroom_retrieve', arguments: { hash: `hash=${hash}` } })), ORIGINAL);
});

test('unknown and malformed hashes are tool errors with a clear message', async () => {
  const unknown = await client.callTool({ name: 'headroom_retrieve', arguments: { hash: '0123456789abcdef01234567' } }) as Reply;
  assert.equal(unknown.isError, true);
  assert.match(textOf(unknown), /No original is stored for hash=0123456789abcdef01234567/);
  const bad = await client.callTool({ name: 'headroom_retrieve', arguments: { hash: 'xyz' } }) as Reply;
  assert.equal(bad.isError, true);
  assert.match(textOf(bad), /not a Headroom hash/);
});

test('compress stores the originals it omits; each is retrievable and matches its hash; stats count them', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) lines.push(`2025-03-04T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z INFO api: GET /orders/${1000 + i} 200 ${(i * 37) % 400}ms`);
  lines.splice(300, 0, '2025-03-04T10:05:00Z ERROR payments: connection refused 10.0.0.5:5432');
  const log = lines.join('\n') + '\n';
  const reply = await client.callTool({ name: 'headroom_compress', arguments: { text: log, query: 'why do payments fail' } }) as Reply;
  assert.notEqual(reply.isError, true);
  const out = textOf(reply);
  assert.ok(out.length < log.length / 3, `${out.length} of ${log.length}`);
  assert.match(out, /ERROR payments: connection refused 10\.0\.0\.5:5432/);
  const hashes = [...new Set([...out.matchAll(/hash=([0-9a-f]{24})/g)].map((m) => m[1]))];
  assert.ok(hashes.length > 0);
  for (const h of hashes) {
    const original = textOf(await client.callTool({ name: 'headroom_retrieve', arguments: { hash: h } }));
    assert.equal(ccrHash(original), h);
    assert.ok(log.includes(original));
  }
  const stats = JSON.parse(textOf(await client.callTool({ name: 'headroom_stats', arguments: {} })));
  assert.ok(stats.entries >= 1 + hashes.length, `entries ${stats.entries}`);
  assert.equal(stats.path, STORE);
});

test('compress with a store that cannot be saved is a tool error, not markers for lost originals', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-mcp-unsaved-'));
  writeFileSync(join(dir, 'not-a-dir'), 'x');
  const c = new Client({ name: 'headroom-test', version: '1.0.0' });
  await c.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--store', join(dir, 'not-a-dir', 'store.sqlite')], stderr: 'pipe' }));
  try {
    const log = Array.from({ length: 600 }, (_, i) => `2025-03-04T10:00:00Z INFO api: GET /orders/${i} 200 ${i % 400}ms`).join('\n');
    const reply = await c.callTool({ name: 'headroom_compress', arguments: { text: log } }) as Reply;
    assert.equal(reply.isError, true, textOf(reply));
    assert.match(textOf(reply), /could not save/);
    assert.doesNotMatch(textOf(reply), /hash=/);
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
