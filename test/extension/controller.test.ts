// The proxy controller with the real sql.js store on a temp file, the real proxy on loopback and a
// local fake Anthropic upstream: start, compress a tool result, stats, bypass, busy port, stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyController } from '../../src/extension/controller';
import { backend } from '../../src/extension/backend-impl';
import { CONFIG_DEFAULTS, type HeadroomConfig } from '../../src/extension/config';
import { markersInLines } from '../../src/extension/markers';
import { statusContent } from '../../src/extension/status-text';

function bigLog(): string {
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) lines.push(`2025-03-0${1 + (i % 9)} 10:${String(i % 60).padStart(2, '0')}:00 INFO [worker-${i % 5}] request ${i} served in ${(i * 7) % 300} ms`);
  lines.splice(321, 0, '2025-03-04 10:21:00 ERROR [worker-2] database connection refused: ECONNREFUSED 10.0.0.5:5432');
  return lines.join('\n') + '\n';
}

function anthropicBody(log: string): string {
  return JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 512,
    messages: [
      { role: 'user', content: 'Why does the service fail?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'cat app.log' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: log }] },
    ],
  });
}

async function fakeUpstream() {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'The database refused connections.' }], stop_reason: 'end_turn', usage: { input_tokens: 900, output_tokens: 9 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function post(url: string, body: string): Promise<number> {
  const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test-key-0000000000', 'anthropic-version': '2023-06-01', 'user-agent': 'claude-cli/2.0.0 (external, cli)' }, body });
  await res.arrayBuffer();
  return res.status;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

test('start, compress through the proxy, stats, bypass, stop — with the real store and proxy', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-ext-'));
  const upstream = await fakeUpstream();
  const logs: string[] = [];
  const controller = new ProxyController({ backend: async () => backend, storePath: join(dir, 'store.sqlite'), log: (l) => logs.push(l), warn: (m) => logs.push(`warn ${m}`) });
  const config: HeadroomConfig = { ...CONFIG_DEFAULTS, port: 0, anthropicUpstream: upstream.url };
  let changes = 0;
  controller.onDidChange(() => changes++);
  const records: unknown[] = [];
  controller.onRequest((r) => records.push(r));
  try {
    assert.equal(statusContent(controller.view()).text, '$(fold) Headroom off');
    const started = await controller.start(config);
    assert.equal(controller.status, 'running');
    assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await portOpen(started.port), true);

    const log = bigLog();
    const sent = anthropicBody(log);
    assert.equal(await post(started.url, sent), 200);
    const received = upstream.bodies[0];
    assert.ok(received.length < sent.length / 2, `upstream got ${received.length} bytes of ${sent.length}`);
    assert.match(received, /database connection refused: ECONNREFUSED 10\.0\.0\.5:5432/);

    // Every marker the model saw names an original in the extension's store.
    const store = await controller.openStore(config);
    const hashes = [...new Set(markersInLines(JSON.parse(received).messages[2].content[0].content.split('\n')).map((s) => s.hash))];
    assert.ok(hashes.length > 0);
    for (const h of hashes) assert.ok(log.includes(store.get(h)!.text), `hash ${h} retrieves a piece of the original`);

    // The direct route (Copilot Chat models with the proxy stopped) sends the bytes the proxy sent.
    const forwarded = JSON.parse(received).messages[2].content[0].content as string;
    assert.equal(await controller.compressToolOutput(config, log, 'a later, different question'), forwarded);

    // Records arrive (token counting happens off the request path) and the view shows the savings.
    for (let i = 0; i < 100 && (records.length === 0 || controller.view().total.tokensSaved === 0); i++) await new Promise((r) => setTimeout(r, 50));
    const view = controller.view();
    assert.equal(view.running, true);
    assert.equal(view.total.requests, 1);
    assert.ok(view.total.tokensSaved > 1000, `saved ${view.total.tokensSaved}`);
    assert.equal(view.recent.length, 1);
    assert.equal(view.recent[0].agent, 'claude-code');
    assert.equal(view.recent[0].model, 'claude-sonnet-4-5');
    assert.ok(view.byKind.some((k) => k.name === 'logs' && k.tokensSaved > 0), JSON.stringify(view.byKind));
    assert.equal(view.today.requests, 1);
    assert.match(statusContent(view).text, /^\$\(fold\) [\d.]+k tokens saved$/);
    assert.ok(changes >= 2);
    assert.ok(!logs.join('\n').includes('sk-ant-test-key'), 'the API key never reaches the log');
    assert.equal(logs.filter((l) => /^proxy listening on http:\/\/127\.0\.0\.1:\d+$/.test(l)).length, 1, 'the output channel says where the proxy listens, once');

    // Bypass forwards the same request untouched.
    controller.setBypass(true);
    assert.equal(await post(started.url, sent), 200);
    assert.equal(upstream.bodies[1], sent);
    assert.match(statusContent(controller.view()).text, /\(bypass\)/);
    controller.setBypass(false);

    // Stopped right after a response whose tokens are still being counted: that request is in
    // the last snapshot and the recent list too.
    assert.equal(await post(started.url, anthropicBody(bigLog().replaceAll('INFO', 'WARN'))), 200);
    assert.equal(await controller.stop(), true);
    assert.equal(controller.status, 'stopped');
    assert.equal(await portOpen(started.port), false);
    assert.equal(controller.view().total.requests, 3, 'the last snapshot stays visible after stop, with every request');
    assert.equal(controller.view().recent.length, 3);

    // With the proxy stopped, an output it never saw is compressed in-process, its originals
    // stored, and the same bytes come back for it every time; with compression off it goes as it is.
    const fresh = bigLog().replaceAll('INFO', 'DEBUG');
    const direct = await controller.compressToolOutput(config, fresh, 'Why does the service fail?');
    assert.ok(direct.length < fresh.length / 2, `${direct.length} of ${fresh.length}`);
    assert.match(direct, /database connection refused: ECONNREFUSED 10\.0\.0\.5:5432/);
    const directHashes = markersInLines(direct.split('\n')).map((m) => m.hash);
    assert.ok(directHashes.length > 0);
    for (const h of directHashes) assert.ok(fresh.includes(store.get(h)!.text));
    assert.equal(await controller.compressToolOutput(config, fresh, 'another question'), direct);
    controller.setBypass(true);
    assert.equal(await controller.compressToolOutput(config, fresh, undefined), fresh);
    controller.setBypass(false);
    // The direct route follows the proxy's settings: under a raised size threshold it leaves alone.
    const other = bigLog().replaceAll('INFO', 'TRACE');
    assert.equal(await controller.compressToolOutput({ ...config, minBytes: other.length + 1 }, other, 'Why does the service fail?'), other);
  } finally {
    await controller.dispose();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a busy port falls back to a free one and says which', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-ext-'));
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const busy = (blocker.address() as net.AddressInfo).port;
  const logs: string[] = [];
  const controller = new ProxyController({ backend: async () => backend, storePath: join(dir, 'store.sqlite'), log: (l) => logs.push(l), warn: () => {} });
  try {
    const r = await controller.start({ ...CONFIG_DEFAULTS, port: busy });
    assert.equal(r.fellBackFrom, busy);
    assert.notEqual(r.port, busy);
    assert.equal(await portOpen(r.port), true);
    assert.ok(logs.some((l) => l.includes(`port ${busy} is busy`)));
  } finally {
    await controller.dispose();
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two windows: the second names the first\'s proxy for agent configs, and takes the configured port when the first stops, keeping its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-ext-'));
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const configured = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const config: HeadroomConfig = { ...CONFIG_DEFAULTS, port: configured };
  const logs: string[] = [];
  const a = new ProxyController({ backend: async () => backend, storePath: join(dir, 'a.sqlite'), log: () => {}, warn: () => {} });
  const b = new ProxyController({ backend: async () => backend, storePath: join(dir, 'b.sqlite'), log: (l) => logs.push(l), warn: () => {}, reclaimMs: 50 });
  try {
    assert.equal((await a.start(config)).port, configured);
    const started = await b.start(config);
    assert.equal(started.fellBackFrom, configured);
    assert.equal(await b.agentUrl(), `http://127.0.0.1:${configured}`, 'global configs keep naming the proxy on the configured port');
    assert.equal(await a.agentUrl(), `http://127.0.0.1:${configured}`);
    let changes = 0;
    b.onDidChange(() => changes++);

    await a.stop();
    for (let i = 0; i < 100 && b.url !== `http://127.0.0.1:${configured}`; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(b.url, `http://127.0.0.1:${configured}`, 'the configured port is served again');
    assert.equal(await b.agentUrl(), b.url);
    assert.ok(changes >= 1, 'listeners hear of the new url');
    assert.ok(logs.some((l) => l.includes(`port ${configured} is free again`)));
    for (const port of [configured, started.port]) {
      const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json() as { service: string };
      assert.equal(health.service, 'headroom', `port ${port} answers`);
    }
    await b.stop();
    assert.equal(await portOpen(configured), false);
    assert.equal(await portOpen(started.port), false, 'both listeners close with the proxy');
  } finally {
    await a.dispose();
    await b.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a start failure other than a busy port shows as failed, and stop clears it', async () => {
  const controller = new ProxyController({
    backend: async () => ({ ...backend, startProxy: async () => { throw Object.assign(new Error('listen EACCES: permission denied'), { code: 'EACCES' }); } }),
    storePath: null, log: () => {}, warn: () => {},
  });
  await assert.rejects(controller.start({ ...CONFIG_DEFAULTS, port: 80 }), /EACCES/);
  assert.equal(controller.status, 'failed');
  const c = statusContent(controller.view());
  assert.equal(c.level, 'error');
  assert.match(c.tooltip, /EACCES/);
  await controller.stop();
  assert.equal(controller.status, 'stopped');
  await controller.dispose();
});

test('with the proxy stopped, past requests come back from the store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-ext-'));
  const upstream = await fakeUpstream();
  const storePath = join(dir, 'store.sqlite');
  const config: HeadroomConfig = { ...CONFIG_DEFAULTS, port: 0, anthropicUpstream: upstream.url };
  try {
    const first = new ProxyController({ backend: async () => backend, storePath, log: () => {}, warn: () => {} });
    const { url } = await first.start(config);
    assert.equal(await post(url, anthropicBody(bigLog())), 200);
    for (let i = 0; i < 100 && first.view().total.tokensSaved === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const saved = first.view().total.tokensSaved;
    await first.dispose();

    // A new extension host (reload): nothing running, the stats are rebuilt from the store's log.
    const second = new ProxyController({ backend: async () => backend, storePath, log: () => {}, warn: () => {} });
    assert.equal(second.view().total.requests, 0);
    await second.loadHistory(config);
    const view = second.view();
    assert.equal(view.running, false);
    assert.equal(view.total.requests, 1);
    assert.equal(view.total.tokensSaved, saved);
    assert.equal(view.recent.length, 1);
    await second.dispose();
  } finally {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the store takes changed size and age limits when the proxy starts again, without reopening', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-ext-'));
  const controller = new ProxyController({ backend: async () => backend, storePath: join(dir, 'store.sqlite'), log: () => {}, warn: () => {} });
  try {
    const config: HeadroomConfig = { ...CONFIG_DEFAULTS, port: 0 };
    const direct = await controller.compressToolOutput(config, bigLog(), 'Why does the service fail?');
    const store = await controller.openStore(config);
    assert.ok(markersInLines(direct.split('\n')).length > 0);
    const before = store.summary();
    assert.ok(before.bytes > 20_000, `${before.bytes} bytes stored`);
    const smaller = await controller.openStore({ ...config, storeMaxMB: 10_000 / 1048576 });
    assert.equal(smaller, store, 'the same store');
    assert.ok(store.summary().bytes <= 10_000, `${store.summary().bytes} bytes after the cap fell to 10 kB`);
    assert.ok(store.summary().entries < before.entries);
  } finally {
    await controller.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
