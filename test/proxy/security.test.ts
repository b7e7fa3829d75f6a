/** Hardening of the proxy's socket side: request targets, Host and Origin checks, stalled clients. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { startHarness } from './helpers/harness';
import { startFakeUpstream } from './helpers/fake-upstream';
import { isLoopbackHost } from '../../src/proxy/routes';
import { decodeBody, decodeResponseBody } from '../../src/proxy/body';
import { HttpError } from '../../src/proxy/errors';
import { JsonTooComplexError, MAX_SCAN_NODES, scanJson, scanJsonFrom } from '../../src/proxy/json-scan';
import { anthropicBody, bigLog } from './helpers/fixtures';

/** Sends raw bytes to a loopback port and returns what came back before the socket closed (or `waitMs` passed). */
export function rawExchange(port: number, text: string | Buffer, waitMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => {});
    const t = setTimeout(() => {
      s.destroy();
      resolve(out);
    }, waitMs);
    s.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    s.write(text);
  });
}

function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

test('a request target that is not a path cannot send the request (and its API key) to another host', async () => {
  const h = await startHarness();
  const evil = await startFakeUpstream();
  try {
    const evilHost = new URL(evil.url).host;
    // `*@host/…` passes Node's parser; joined to the upstream base it made the base userinfo.
    for (const target of [`*@${evilHost}/v1/models`, `*@${evilHost}/v1/messages`]) {
      const r = await rawExchange(h.proxy.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: sk-ant-secret\r\nconnection: close\r\n\r\n`);
      assert.equal(statusOf(r), 400, r);
    }
    const star = await rawExchange(h.proxy.port, 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nconnection: close\r\n\r\n');
    assert.equal(statusOf(star), 400, star);
    assert.equal(evil.received.length, 0, 'nothing reached the other host');
    assert.equal(h.upstream.received.length, 0);
  } finally {
    await evil.close();
    await h.close();
  }
});

test('an absolute-form target naming a foreign host is refused even with a loopback Host header; a loopback one is served', async () => {
  const h = await startHarness();
  try {
    const body = '{"model":"m","messages":[]}';
    const req = (target: string) => `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\nx-api-key: k\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;
    for (const target of ['http://evil.example/v1/messages', 'http://localhost.evil.example/v1/messages', 'http://user@localhost/v1/messages', 'HTTP://EVIL.EXAMPLE:8787/v1/messages']) {
      const r = await rawExchange(h.proxy.port, req(target));
      assert.equal(statusOf(r), 403, `${target}: ${r}`);
      assert.ok(!/access-control-/i.test(r));
    }
    assert.equal(h.upstream.received.length, 0);
    const ok = await rawExchange(h.proxy.port, req(`http://127.0.0.1:${h.proxy.port}/v1/messages?beta=true`));
    assert.equal(statusOf(ok), 200, ok);
    assert.equal(h.upstream.received[0].url, '/v1/messages?beta=true');
  } finally {
    await h.close();
  }
});

/** Sends a request with `target` as its request line's target, as written (absolute form included). */
function requestTarget(port: number, method: string, target: string, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, method, path: target, headers: { 'x-api-key': 'k', 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

test('an absolute-form target naming a loopback host reaches the proxy\'s own routes, as its path would', async () => {
  const h = await startHarness({ config: { budgetMs: 20_000 } });
  try {
    const origin = `http://127.0.0.1:${h.proxy.port}`;
    const health = await requestTarget(h.proxy.port, 'GET', `${origin}/health`);
    assert.equal(health.status, 200, health.text);
    assert.equal(JSON.parse(health.text).service, 'headroom');
    const stats = await requestTarget(h.proxy.port, 'GET', `HTTP://LOCALHOST:${h.proxy.port}/stats`);
    assert.equal(stats.status, 200, stats.text);
    assert.ok('totals' in JSON.parse(stats.text), stats.text);
    const compressed = await requestTarget(h.proxy.port, 'POST', `${origin}/v1/compress?api=anthropic`, JSON.stringify(anthropicBody({ toolOutput: bigLog() })));
    assert.equal(compressed.status, 200, compressed.text.slice(0, 300));
    assert.equal(compressed.headers['x-headroom-api'], 'anthropic');
    const hash = /hash=([0-9a-f]{24})/.exec(compressed.text)![1];
    const retrieved = await requestTarget(h.proxy.port, 'GET', `${origin}/v1/retrieve/${hash}`);
    assert.equal(retrieved.status, 200, retrieved.text.slice(0, 300));
    assert.equal(JSON.parse(retrieved.text).hash, hash);
    assert.equal(h.upstream.received.length, 0, 'nothing was forwarded upstream');
  } finally {
    await h.close();
  }
});

test('Host check: every loopback spelling passes, every other host (also with junk around a loopback name) is refused', async () => {
  const pass = ['localhost', 'LOCALHOST', 'localhost:8787', 'localhost.', 'localhost.:8787', '127.0.0.1', '127.0.0.1.', '127.0.0.1:80',
    '127.1.2.3', '[::1]', '[::1]:8787', 'Localhost:', 'claude.localhost'];
  const refuse = ['localhost.evil.com', '127.0.0.1.nip.io', '0.0.0.0', 'user@localhost', 'localhost:80@evil.com', 'localhost:abc',
    '[::1]evil.com', '[::1].evil.com', 'localhost,evil.com', 'localhost:8787:1', '127.0.0.256', '127.1', '2130706433', '::1',
    '[::ffff:7f00:1]x', '', ' ', 'evil.com', '.localhost', 'localhost/x', 'localhost#x', undefined];
  for (const host of pass) assert.ok(isLoopbackHost(host), `should pass: ${JSON.stringify(host)}`);
  for (const host of refuse) assert.ok(!isLoopbackHost(host), `should be refused: ${JSON.stringify(host)}`);

  const h = await startHarness();
  try {
    for (const host of ['localhost:80@evil.com', '[::1]evil.com', 'localhost:abc']) {
      const r = await rawExchange(h.proxy.port, `GET /v1/models HTTP/1.1\r\nHost: ${host}\r\nconnection: close\r\n\r\n`);
      assert.equal(statusOf(r), 403, `${host}: ${r}`);
    }
    assert.equal(h.upstream.received.length, 0);
  } finally {
    await h.close();
  }
});

test('a client that sends headers and then stalls in its body is cut off; a slow response is not', async () => {
  const { openStore } = await import('../../src/store/store');
  const { startProxy } = await import('../../src/proxy/server');
  const store = await openStore({ path: null });
  const up = await startFakeUpstream((_got, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 2_500);
  });
  const proxy = await startProxy({ port: 0, store, anthropicUpstream: up.url, openaiUpstream: up.url, requestTimeoutMs: 1_000 });
  try {
    for (const path of ['/v1/messages', '/v1/models']) {
      const started = Date.now();
      const r = await rawExchange(proxy.port, `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: k\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":`, 8_000);
      assert.ok(Date.now() - started < 6_000, `${path}: the stalled connection was held open`);
      assert.ok(r === '' || statusOf(r) === 408, r);
    }
    assert.equal(up.received.length, 0);
    // The limit is on receiving the request, not on the answer.
    const body = '{"model":"m","messages":[]}';
    const ok = await rawExchange(proxy.port, `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: k\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`, 8_000);
    assert.equal(statusOf(ok), 200, ok);
  } finally {
    await proxy.close();
    await up.close();
    await store.close();
  }
});

test('POST /v1/compress: tool names outside Latin-1 do not break the summary header; errors are JSON objects', async () => {
  const h = await startHarness({ config: { budgetMs: 20_000 } });
  try {
    for (const tool of ['ツール', 'run\u2028it', 'Bäsh']) {
      const r = await fetch(`${h.proxy.url}/v1/compress`, { method: 'POST', body: JSON.stringify(anthropicBody({ toolOutput: bigLog(), tool })) });
      assert.equal(r.status, 200, `${tool}: ${await r.clone().text()}`);
      const summary = JSON.parse(r.headers.get('x-headroom-outputs') ?? 'null') as Array<{ tool: string }>;
      assert.equal(summary[0].tool, tool);
      assert.ok((await r.text()).length < 10_000);
    }
    const bad = await fetch(`${h.proxy.url}/v1/compress`, { method: 'POST', body: '[1]' });
    assert.equal(bad.status, 400);
    const err = await bad.json() as { error?: { message?: string } };
    assert.equal(typeof err, 'object', 'the error body is an object, not a JSON string');
    assert.ok(err.error?.message);
  } finally {
    await h.close();
  }
});

test('compression bombs: a zlib-wrapped deflate request body past the limit is 413 (not 400); provider responses are decoded up to a limit', () => {
  const big = Buffer.alloc(1_000_000, 0x61);
  for (const [enc, data] of [['gzip', zlib.gzipSync(big)], ['deflate', zlib.deflateSync(big)], ['deflate', zlib.deflateRawSync(big)], ['br', zlib.brotliCompressSync(big)]] as const) {
    assert.throws(() => decodeBody(data, enc, 10_000), (e: unknown) => e instanceof HttpError && e.status === 413, enc);
  }
  // Raw deflate within the limit still decodes.
  assert.equal(decodeBody(zlib.deflateRawSync(Buffer.from('{"a":1}')), 'deflate', 10_000).toString(), '{"a":1}');
  // A response the proxy reads for usage: 80 MiB of zeros is 80 KiB of gzip.
  const bomb = zlib.gzipSync(Buffer.alloc(80 * 1024 * 1024));
  assert.throws(() => decodeResponseBody(bomb, 'gzip'));
  assert.throws(() => decodeResponseBody(zlib.gzipSync(big), 'gzip', 10_000));
  assert.equal(decodeResponseBody(zlib.gzipSync(Buffer.from('{"usage":{}}')), 'gzip')?.toString(), '{"usage":{}}');
});

test('a body of many tiny values or deep nesting is not turned into an unbounded parse tree; the proxy forwards it untouched', async () => {
  const many = MAX_SCAN_NODES + 10;
  const wide = Buffer.from(`{"model":"m","messages":[${'0,'.repeat(many)}0]}`);
  const deep = Buffer.from(`{"model":"m","messages":[{"role":"user","content":${'['.repeat(many)}${']'.repeat(many)}}]}`);
  const keys = Buffer.from(`{"model":"m","messages":[],${Array.from({ length: many }, (_, i) => `"k${i}":1`).join(',')}}`);
  for (const [name, body] of [['wide', wide], ['deep', deep], ['keys', keys]] as const) {
    assert.throws(() => scanJson(body), JsonTooComplexError, name);
  }
  // Resuming from a checkpoint of an earlier body counts the shared part too.
  // (An element of `messages` counts with its checkpoint: about four nodes.)
  const part = Math.floor(MAX_SCAN_NODES / 8);
  const first = Buffer.from(`{"model":"m","messages":[${'0,'.repeat(part)}0]}`);
  const earlier = scanJsonFrom(first);
  const grown = Buffer.from(`{"model":"m","messages":[${'0,'.repeat(part)}${'0,'.repeat(Math.floor(1.5 * part))}0]}`);
  const at = earlier.checkpoints.length - 2;
  assert.throws(() => scanJsonFrom(grown, { checkpoints: earlier.checkpoints, index: at }), JsonTooComplexError);
  // Bodies of ordinary size scan as before.
  assert.equal(scanJson(Buffer.from('{"a":[1,2,{"b":"c"}]}')).type, 'object');

  const h = await startHarness();
  try {
    const r = await fetch(`${h.proxy.url}/v1/messages`, { method: 'POST', body: wide, headers: { 'content-type': 'application/json', 'x-api-key': 'k' } });
    assert.equal(r.status, 200);
    assert.deepEqual(h.upstream.received[0].body, wide, 'forwarded untouched');
  } finally {
    await h.close();
  }
});

test('GET /v1/retrieve/HASH: upper-case hashes are found (as by headroom_retrieve); other input is neither looked up nor echoed', async () => {
  // A generous budget: this test needs the output compressed even on a loaded machine.
  const h = await startHarness({ config: { budgetMs: 20_000 } });
  try {
    const r = await fetch(`${h.proxy.url}/v1/compress`, { method: 'POST', body: JSON.stringify(anthropicBody({ toolOutput: bigLog() })) });
    const hash = /hash=([0-9a-f]{24})/.exec(await r.text())![1];
    const upper = await fetch(`${h.proxy.url}/v1/retrieve/${hash.toUpperCase()}`);
    assert.equal(upper.status, 200);
    assert.equal(((await upper.json()) as { hash: string }).hash, hash);
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', `${hash}/../x`, 'x'.repeat(8_000), `${hash}0`, '%3Cscript%3E']) {
      const miss = await fetch(`${h.proxy.url}/v1/retrieve/${bad}`);
      assert.equal(miss.status, 404, bad.slice(0, 40));
      const text = await miss.text();
      assert.ok(text.length < 300 && !text.includes('xxxxxxxxxx') && !text.toLowerCase().includes('script'), text.slice(0, 200));
    }
    assert.equal(h.upstream.received.length, 0);
  } finally {
    await h.close();
  }
});
