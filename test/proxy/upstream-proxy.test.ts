/** Reaching the providers through an outbound HTTP proxy (CONNECT tunnels), and which proxy applies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { openStore } from '../../src/store/store';
import { startProxy } from '../../src/proxy/server';
import { upstreamProxyFor, shownProxyUrl } from '../../src/proxy/upstream-proxy';
import { markerHashes } from '../../src/engine/marker';
import { startFakeUpstream } from './helpers/fake-upstream';
import { startFakeConnectProxy } from './helpers/fake-connect-proxy';
import { modelResponder } from './helpers/fake-model';
import { anthropicBody, bigLog } from './helpers/fixtures';
import { post } from './helpers/harness';

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'];

function withEnv<T>(vars: Record<string, string>, run: () => T): T {
  const saved = PROXY_VARS.map((k) => [k, process.env[k]] as const);
  for (const k of PROXY_VARS) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return run();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('which proxy reaches a provider: the explicit one, else *_PROXY by scheme with NO_PROXY; loopback always direct', () => {
  const anthropic = new URL('https://api.anthropic.com/v1/messages');
  const openai = new URL('https://api.openai.com/v1/responses');
  const plain = new URL('http://llm.internal:8080/v1/chat/completions');
  withEnv({ HTTPS_PROXY: 'http://corp:3128', HTTP_PROXY: 'http://plain:8080', NO_PROXY: 'api.openai.com' }, () => {
    const env = upstreamProxyFor(undefined);
    assert.equal(env(anthropic), 'http://corp:3128');
    assert.equal(env(openai), undefined, 'NO_PROXY exception');
    assert.equal(env(plain), 'http://plain:8080', 'http URLs take HTTP_PROXY');
    assert.equal(env(new URL('wss://api.anthropic.com/v1/responses')), 'http://corp:3128', 'wss goes with https');
    for (const local of ['http://127.0.0.1:9/v1', 'http://localhost:9/v1', 'http://[::1]:9/v1']) assert.equal(env(new URL(local)), undefined, local);
    assert.equal(upstreamProxyFor('http://explicit:1')(openai), 'http://explicit:1', 'the explicit proxy wins over the environment');
    assert.equal(upstreamProxyFor('none')(anthropic), undefined);
    assert.equal(upstreamProxyFor('http://explicit:1')(new URL('http://127.0.0.1:9')), undefined);
  });
  withEnv({ https_proxy: 'http://lower:1' }, () => assert.equal(upstreamProxyFor(undefined)(anthropic), 'http://lower:1'));
  withEnv({ ALL_PROXY: 'http://all:1' }, () => assert.equal(upstreamProxyFor(undefined)(plain), 'http://all:1'));
  withEnv({}, () => assert.equal(upstreamProxyFor(undefined)(anthropic), undefined));
  assert.equal(shownProxyUrl('http://alice:s3cret@corp:3128'), 'http://***@corp:3128');
  assert.equal(shownProxyUrl('http://corp:3128/'), 'http://corp:3128');
});

/** Routes the fake corporate proxy's tunnels to api.provider.test (port 80) to a loopback port. */
const providerAt = (port: number) => (target: string) => (target === 'api.provider.test:80' ? port : undefined);

/**
 * A proxy whose providers are named api.provider.test: reachable only through a fake corporate
 * proxy, which may require credentials (`required`) that the proxy URL may carry (`given`).
 */
async function startTunnelled(route: (target: string) => number | undefined, auth: { required?: string; given?: string } = {}) {
  const corp = await startFakeConnectProxy(route, auth.required ? `Basic ${Buffer.from(auth.required).toString('base64')}` : undefined);
  const dir = mkdtempSync(join(tmpdir(), 'headroom-tunnel-'));
  const store = await openStore({ path: join(dir, 'store.db'), saveDelayMs: 50 });
  const proxyUrl = auth.given ? corp.url.replace('://', `://${auth.given}@`) : corp.url;
  const proxy = await startProxy({
    port: 0, store, anthropicUpstream: 'http://api.provider.test', openaiUpstream: 'http://api.provider.test', upstreamProxy: upstreamProxyFor(proxyUrl),
    // A cold engine on a busy CI machine must not fail open: this test is about the route.
    config: { budgetMs: 10_000 },
  });
  return {
    corp, proxy, store,
    async close() {
      await proxy.close();
      await corp.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('through a CONNECT proxy: compressed requests, streams and retrieval rounds reach the provider, tunnels are reused, credentials sent', async () => {
  const up = await startFakeUpstream(modelResponder('anthropic'));
  const t = await startTunnelled(providerAt(Number(new URL(up.url).port)), { required: 'alice:s3cret', given: 'alice:s3cret' });
  try {
    const log = bigLog(600, 4);
    // A plain request, then a streamed one whose model asks for the original (a retrieval round).
    const plain = await post(`${t.proxy.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: log })), { 'x-headroom-bypass': '1' });
    assert.equal(plain.status, 200, plain.body.toString());
    assert.ok(up.received[0].body.includes(JSON.stringify(log).slice(1, 200)), 'bypassed: the original went up');
    const r = await post(`${t.proxy.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: log, stream: true })));
    assert.equal(r.status, 200);
    await t.proxy.settled();
    assert.equal(up.received.length, 3, 'the request and its continuation');
    const hash = markerHashes(up.received[1].body.toString('utf8'))[0];
    assert.match(hash, /^[0-9a-f]{24}$/, 'compressed on the way through');
    const original = t.store.get(hash)!.text;
    assert.ok(up.received[2].body.toString('utf8').includes(JSON.stringify(original).slice(1, -1)), 'the continuation carried the original');
    assert.ok(r.body.toString('utf8').includes(`Got ${original.length} chars`), 'the stitched answer reached the client');
    assert.ok(!r.body.toString('utf8').includes('headroom_retrieve'));
    assert.equal(up.received[1].headers.host, 'api.provider.test', 'the provider sees its own name');
    assert.ok(t.corp.connects.length >= 1);
    assert.ok(t.corp.connects.length < up.received.length, `tunnels are kept alive and reused (${t.corp.connects.length} CONNECTs for ${up.received.length} requests)`);
    for (const c of t.corp.connects) {
      assert.equal(c.target, 'api.provider.test:80');
      assert.equal(c.proxyAuthorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    }
  } finally {
    await t.close();
    await up.close();
  }
});

test('through a CONNECT proxy: a refused tunnel (HTTP or WebSocket) is an upstream failure in the provider\'s format, naming the proxy and its answer', async () => {
  const up = await startFakeUpstream();
  // The corporate proxy wants credentials the user did not give; another cannot route the provider.
  const strict = await startTunnelled(providerAt(Number(new URL(up.url).port)), { required: 'nobody' });
  const lost = await startTunnelled(() => undefined);
  try {
    const r = await post(`${strict.proxy.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: bigLog(300, 2) })));
    assert.equal(r.status, 502);
    const err = JSON.parse(r.body.toString());
    assert.equal(err.type, 'error');
    assert.equal(err.error.message, `Upstream request failed: the outbound proxy ${strict.corp.url} refused the tunnel to api.provider.test: 407 Proxy Authentication Required`);
    const chat = await post(`${lost.proxy.url}/v1/chat/completions`, JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }), { authorization: 'Bearer sk-test' });
    assert.equal(chat.status, 502);
    assert.match(JSON.parse(chat.body.toString()).error.message, /refused the tunnel to api\.provider\.test: 502 Bad Gateway$/);
    // The Responses WebSocket: the handshake is refused the same way.
    const ws = new WebSocket(`${lost.proxy.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: 'Bearer sk-test' } });
    const refusal = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('open', () => reject(new Error('opened')));
    });
    assert.equal(refusal.status, 502);
    assert.match(JSON.parse(refusal.body).error.message, /^Upstream WebSocket failed: the outbound proxy http:\/\/127\.0\.0\.1:\d+ refused the tunnel to api\.provider\.test: 502 Bad Gateway$/);
    ws.on('error', () => {});
    ws.terminate();
    assert.equal(up.received.length, 0);
    assert.equal(strict.corp.connects.length, 1);
  } finally {
    await strict.close();
    await lost.close();
    await up.close();
  }
});

test('through a CONNECT proxy: the Responses WebSocket is tunnelled too', async () => {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  const seen: string[] = [];
  wss.on('connection', (ws, req) => {
    seen.push(req.headers.host ?? '');
    ws.on('message', (d) => ws.send(`echo ${d.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const t = await startTunnelled(providerAt((server.address() as AddressInfo).port));
  try {
    const ws = new WebSocket(`${t.proxy.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: 'Bearer sk-test' } });
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    const reply = new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    ws.send('{"type":"ping"}');
    assert.equal(await reply, 'echo {"type":"ping"}');
    assert.deepEqual(seen, ['api.provider.test']);
    assert.deepEqual(t.corp.connects.map((c) => c.target), ['api.provider.test:80']);
    ws.close();
  } finally {
    await t.close();
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => server.close(r));
  }
});
