/** Routing, security and fault behaviour of the proxy's HTTP side. */
import { test } from 'node:test';
import net from 'node:net';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, post } from './helpers/harness';
import { anthropicBody, bigLog } from './helpers/fixtures';
import { ANTHROPIC_JSON_REPLY, anthropicSse, defaultResponder, resettingReusedConnections, startFakeUpstream } from './helpers/fake-upstream';
import type { Responder } from './helpers/fake-upstream';
import { startProxy } from '../../src/proxy/server';
import { Rewriter } from '../../src/proxy/rewrite';
import type { RequestRecord } from '../../src/proxy/server';
import { normalizePath, upstreamUrl, isLoopbackHost } from '../../src/proxy/routes';

function rawRequest(url: string, options: http.RequestOptions, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('path normalisation and upstream joining', () => {
  assert.deepEqual(normalizePath('/messages?beta=true'), { path: '/v1/messages', query: '?beta=true' });
  assert.deepEqual(normalizePath('/v1/v1/chat/completions'), { path: '/v1/chat/completions', query: '' });
  assert.deepEqual(normalizePath('/p/myproj/v1/responses'), { path: '/v1/responses', query: '' });
  assert.deepEqual(normalizePath('http://127.0.0.1:8787/v1/messages?beta=true'), { path: '/v1/messages', query: '?beta=true' });
  assert.equal(upstreamUrl('https://gw.example/anthropic/', '/v1/messages', '?beta=true').href, 'https://gw.example/anthropic/v1/messages?beta=true');
  assert.equal(upstreamUrl('https://api.openai.com/v1', '/v1/models', '').href, 'https://api.openai.com/v1/models');
  assert.ok(isLoopbackHost('127.0.0.1:8787') && isLoopbackHost('localhost') && isLoopbackHost('[::1]:80'));
  assert.ok(!isLoopbackHost('evil.example') && !isLoopbackHost('127.0.0.1.evil.example') && !isLoopbackHost(undefined));
});

test('non-loopback Host is refused in the provider format, without CORS headers', async () => {
  const h = await startHarness();
  try {
    const r = await rawRequest(`${h.proxy.url}/v1/messages`, { method: 'POST', headers: { host: 'evil.example:8787', 'content-type': 'application/json' } }, Buffer.from('{}'));
    assert.equal(r.status, 403);
    assert.equal(JSON.parse(r.body.toString()).type, 'error');
    assert.ok(!Object.keys(r.headers).some((k) => k.startsWith('access-control-')));
    const o = await rawRequest(`${h.proxy.url}/v1/chat/completions`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' } }, Buffer.from('{}'));
    assert.equal(o.status, 403);
    assert.ok(JSON.parse(o.body.toString()).error.message);
    assert.equal(h.upstream.received.length, 0);
  } finally {
    await h.close();
  }
});

test('routes: count_tokens and models pass through; upstream chosen by auth headers; /health and /stats', async () => {
  const h = await startHarness();
  try {
    const body = Buffer.from(JSON.stringify(anthropicBody({ toolOutput: bigLog() })));
    await post(`${h.proxy.url}/v1/messages/count_tokens?beta=true`, body);
    assert.equal(h.upstream.received[0].url, '/v1/messages/count_tokens?beta=true');
    assert.deepEqual(h.upstream.received[0].body, body, 'count_tokens is never compressed');
    const m = await fetch(`${h.proxy.url}/v1/models?limit=5`, { headers: { authorization: 'Bearer sk-x', 'x-headroom-project': 'p' } });
    assert.equal(m.status, 200);
    assert.equal(h.upstream.received[1].url, '/v1/models?limit=5');
    assert.equal(h.upstream.received[1].headers['x-headroom-project'], undefined, 'x-headroom-* never forwarded');
    assert.equal(h.upstream.received[1].headers.authorization, 'Bearer sk-x');
    const health = await (await fetch(`${h.proxy.url}/health`)).json() as Record<string, unknown>;
    assert.equal(health.status, 'ok');
    assert.equal((health.store as Record<string, unknown>).state, 'ok');
    const stats = await (await fetch(`${h.proxy.url}/stats`)).json() as Record<string, unknown>;
    assert.ok('totals' in stats && 'byModel' in stats && 'byAgent' in stats && 'byKind' in stats);
  } finally {
    await h.close();
  }
});

test('two upstreams: each route and auth header reaches the right one, path and query kept', async () => {
  // Each fake answers with its own name, so the client's answer also says where it went.
  const answer = (name: string): Responder => (got, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ upstream: name, method: got.method, url: got.url }));
  };
  const anthropic = await startFakeUpstream(answer('anthropic'));
  const openai = await startFakeUpstream(answer('openai'));
  const { openStore } = await import('../../src/store/store');
  const store = await openStore({ path: null });
  // The OpenAI base carries /v1, as OPENAI_BASE_URL-style settings do: joined without doubling it.
  const p = await startProxy({ port: 0, store, anthropicUpstream: anthropic.url, openaiUpstream: `${openai.url}/v1`, config: { retrieval: false } });
  const ant = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };
  const bearer = { authorization: 'Bearer sk-test', 'content-type': 'application/json' };
  // Claude Code signed in with an account: a bearer token, with anthropic-version.
  const oauth = { authorization: 'Bearer sk-ant-oat01-x', 'anthropic-version': '2023-06-01' };
  const messages = JSON.stringify(anthropicBody({ toolOutput: 'ok' }));
  const chat = JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
  const responses = JSON.stringify({ model: 'gpt-5', input: 'hi' });
  const cases: Array<[method: string, path: string, headers: Record<string, string>, body: string | undefined, to: 'anthropic' | 'openai', url: string]> = [
    ['POST', '/v1/messages?beta=true', ant, messages, 'anthropic', '/v1/messages?beta=true'],
    ['POST', '/messages?beta=true', ant, messages, 'anthropic', '/v1/messages?beta=true'],
    ['POST', '/v1/messages', bearer, messages, 'anthropic', '/v1/messages'],
    ['POST', '/v1/messages/count_tokens?beta=true', ant, messages, 'anthropic', '/v1/messages/count_tokens?beta=true'],
    ['POST', '/v1/chat/completions', bearer, chat, 'openai', '/v1/chat/completions'],
    ['POST', '/chat/completions?api-version=2', bearer, chat, 'openai', '/v1/chat/completions?api-version=2'],
    ['POST', '/v1/responses', bearer, responses, 'openai', '/v1/responses'],
    ['POST', '/responses', bearer, responses, 'openai', '/v1/responses'],
    ['GET', '/v1/models?limit=5', ant, undefined, 'anthropic', '/v1/models?limit=5'],
    ['GET', '/v1/models?limit=5', bearer, undefined, 'openai', '/v1/models?limit=5'],
    ['GET', '/models', bearer, undefined, 'openai', '/v1/models'],
    ['GET', '/v1/files?after_id=f1', ant, undefined, 'anthropic', '/v1/files?after_id=f1'],
    ['GET', '/v1/files?after_id=f1', oauth, undefined, 'anthropic', '/v1/files?after_id=f1'],
    ['GET', '/v1/files?purpose=batch', bearer, undefined, 'openai', '/v1/files?purpose=batch'],
    ['POST', '/v1/embeddings', bearer, '{"model":"e","input":"x"}', 'openai', '/v1/embeddings'],
    ['POST', '/v1/embeddings', ant, '{"model":"e","input":"x"}', 'anthropic', '/v1/embeddings'],
  ];
  try {
    for (const [method, path, headers, body, to, url] of cases) {
      const name = `${method} ${path} with ${Object.keys(headers).filter((k) => k !== 'content-type').join('+')}`;
      const [hit, miss] = to === 'anthropic' ? [anthropic, openai] : [openai, anthropic];
      const before = [hit.received.length, miss.received.length];
      const r = await fetch(`${p.url}${path}`, { method, headers, body });
      assert.equal(r.status, 200, name);
      assert.deepEqual(await r.json(), { upstream: to, method, url }, name);
      assert.deepEqual([hit.received.length, miss.received.length], [before[0] + 1, before[1]], name);
      const got = hit.received.at(-1)!;
      for (const [k, v] of Object.entries(headers)) assert.equal(got.headers[k], v, `${name}: ${k} forwarded`);
      assert.deepEqual(got.body, Buffer.from(body ?? ''), `${name}: body as sent`);
    }
  } finally {
    await p.close();
    await anthropic.close();
    await openai.close();
    await store.close();
  }
});

test('GET /health: status, the package version, an uptime that grows, and the store state', async () => {
  const h = await startHarness();
  const realNow = Date.now;
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const health = async () => {
      const r = await fetch(`${h.proxy.url}/health`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      return await r.json() as { status: string; version: string; uptimeS: number; store: { state: string; error?: string; entries?: number } };
    };
    const first = await health();
    assert.equal(first.status, 'ok');
    assert.equal(first.version, pkg.version);
    assert.equal(typeof first.uptimeS, 'number');
    assert.ok(first.uptimeS >= 0 && first.uptimeS < 60, String(first.uptimeS));
    assert.equal(first.store.state, 'ok');
    assert.equal(typeof first.store.entries, 'number');
    // Ten seconds later (the clock moved on, not the test).
    Date.now = () => realNow() + 10_000;
    const later = await health();
    assert.ok(later.uptimeS >= first.uptimeS + 9 && later.uptimeS <= first.uptimeS + 11, `${first.uptimeS} -> ${later.uptimeS}`);
    Date.now = realNow;
    // A store that cannot answer is reported as such; the proxy itself is still up.
    const summary = h.store.summary;
    h.store.summary = () => {
      throw new Error('database disk image is malformed');
    };
    try {
      const broken = await health();
      assert.equal(broken.status, 'ok');
      assert.deepEqual(broken.store, { state: 'error', error: 'database disk image is malformed' });
    } finally {
      h.store.summary = summary;
    }
  } finally {
    Date.now = realNow;
    await h.close();
  }
});

test('bypass: per-request header and global switch forward untouched', async () => {
  const h = await startHarness();
  try {
    const body = Buffer.from(JSON.stringify(anthropicBody({ toolOutput: bigLog() })));
    await post(`${h.proxy.url}/v1/messages`, body, { 'x-headroom-bypass': '1' });
    assert.deepEqual(h.upstream.received[0].body, body);
    assert.equal(h.upstream.received[0].headers['x-headroom-bypass'], undefined);
    h.proxy.setBypass(true);
    await post(`${h.proxy.url}/v1/messages`, body);
    assert.deepEqual(h.upstream.received[1].body, body);
    h.proxy.setBypass(false);
    await post(`${h.proxy.url}/v1/messages`, body);
    assert.ok(h.upstream.received[2].body.length < body.length / 3);
  } finally {
    await h.close();
  }
});

test('upstream errors 429/529/500 reach the client unchanged', async () => {
  let status = 429;
  const h = await startHarness({
    respond: (_got, res) => {
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '7', 'x-request-id': 'req_9' })
        .end(`{"type":"error","error":{"type":"x","message":"status ${status}"}}`);
    },
  });
  try {
    for (status of [429, 529, 500]) {
      const r = await post(`${h.proxy.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: 'x' })));
      assert.equal(r.status, status);
      assert.equal(r.headers.get('retry-after'), '7');
      assert.equal(r.headers.get('x-request-id'), 'req_9');
      assert.equal(r.body.toString(), `{"type":"error","error":{"type":"x","message":"status ${status}"}}`);
    }
  } finally {
    await h.close();
  }
});

test('fail open: with the time budget spent, the client\'s exact bytes go upstream and the answer comes back', async () => {
  const h = await startHarness({ config: { budgetMs: 0 } });
  try {
    const sent = Buffer.from(JSON.stringify(anthropicBody({ toolOutput: bigLog() })));
    const r = await post(`${h.proxy.url}/v1/messages`, sent);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString('utf8'), ANTHROPIC_JSON_REPLY);
    assert.ok(h.upstream.received[0].body.equals(sent), 'the original bytes went upstream');
    await h.proxy.settled();
    assert.equal(h.proxy.stats().leftAlone.budget, 1, 'recorded as left alone for the budget');
  } finally {
    await h.close();
  }
});

test('fail open: when compression throws, the client\'s exact bytes (as encoded) go upstream and the answer comes back', async () => {
  const h = await startHarness();
  const proto = Rewriter.prototype as unknown as { processOutput: (...a: unknown[]) => unknown };
  const processOutput = proto.processOutput;
  proto.processOutput = () => {
    throw new Error('engine fault');
  };
  try {
    const json = Buffer.from(JSON.stringify(anthropicBody({ toolOutput: bigLog() })));
    const r = await post(`${h.proxy.url}/v1/messages`, json);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString('utf8'), ANTHROPIC_JSON_REPLY);
    assert.ok(h.upstream.received[0].body.equals(json), 'the original bytes went upstream');
    // A gzip body goes up as the client sent it, encoding and all.
    const gz = zlib.gzipSync(Buffer.from(JSON.stringify(anthropicBody({ toolOutput: bigLog(600, 2) }))));
    const g = await post(`${h.proxy.url}/v1/messages`, gz, { 'content-encoding': 'gzip' });
    assert.equal(g.status, 200);
    assert.equal(g.body.toString('utf8'), ANTHROPIC_JSON_REPLY);
    assert.ok(h.upstream.received[1].body.equals(gz));
    assert.equal(h.upstream.received[1].headers['content-encoding'], 'gzip');
    const chat = Buffer.from(JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'tool', tool_call_id: 'c', content: bigLog(600, 3) }] }));
    assert.equal((await post(`${h.proxy.url}/v1/chat/completions`, chat, { authorization: 'Bearer sk-test' })).status, 200);
    assert.ok(h.upstream.received[2].body.equals(chat));
  } finally {
    proto.processOutput = processOutput;
    await h.close();
  }
});

test('bad JSON gives 400 and oversized bodies 413, in the provider format', async () => {
  const h = await startHarness({ config: { maxBodyBytes: 10_000 } });
  try {
    const bad = await post(`${h.proxy.url}/v1/messages`, '{"model": "x", "messages": [');
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body.toString()).error.type, 'invalid_request_error');
    const badChat = await post(`${h.proxy.url}/v1/chat/completions`, '{nope}');
    assert.equal(badChat.status, 400);
    assert.ok(JSON.parse(badChat.body.toString()).error.message);
    const big = await post(`${h.proxy.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: bigLog() })));
    assert.equal(big.status, 413);
    assert.equal(JSON.parse(big.body.toString()).error.type, 'request_too_large');
    assert.equal(h.upstream.received.length, 0);
  } finally {
    await h.close();
  }
});

test('gzip and brotli request bodies are decoded; unchanged encoded bodies are forwarded as sent; zstd handled', async () => {
  const h = await startHarness();
  try {
    const big = Buffer.from(JSON.stringify(anthropicBody({ toolOutput: bigLog() })));
    const gz = zlib.gzipSync(big);
    await post(`${h.proxy.url}/v1/messages`, gz, { 'content-encoding': 'gzip' });
    const g = h.upstream.received[0];
    assert.equal(g.headers['content-encoding'], undefined);
    assert.ok(g.body.length < big.length / 3);
    JSON.parse(g.body.toString());
    await post(`${h.proxy.url}/v1/messages`, zlib.brotliCompressSync(big), { 'content-encoding': 'br' });
    assert.ok(h.upstream.received[1].body.length < big.length / 3);
    // Another conversation (the one above keeps the retrieve tool it was given), with nothing to change.
    const small = zlib.gzipSync(Buffer.from(JSON.stringify(anthropicBody({ toolOutput: 'ok', tool: 'Shell' }))));
    await post(`${h.proxy.url}/v1/messages`, small, { 'content-encoding': 'gzip' });
    assert.deepEqual(h.upstream.received[2].body, small);
    assert.equal(h.upstream.received[2].headers['content-encoding'], 'gzip');
    const z = await post(`${h.proxy.url}/v1/messages`, Buffer.from('garbage'), { 'content-encoding': 'zstd' });
    if (typeof (zlib as unknown as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function') assert.equal(z.status, 400);
    else assert.equal(z.status, 415);
  } finally {
    await h.close();
  }
});

test('deflate request bodies, zlib-wrapped and raw, are decoded and compressed', async () => {
  const h = await startHarness();
  try {
    for (const [i, deflate] of [zlib.deflateSync, zlib.deflateRawSync].entries()) {
      const big = Buffer.from(JSON.stringify(anthropicBody({ toolOutput: bigLog(600, 20 + i) })));
      const r = await post(`${h.proxy.url}/v1/messages`, deflate(big), { 'content-encoding': 'deflate' });
      assert.equal(r.status, 200, r.body.toString());
      const got = h.upstream.received[i];
      assert.equal(got.headers['content-encoding'], undefined, 'sent decoded');
      assert.ok(got.body.length < big.length / 3, `compressed: ${got.body.length} of ${big.length}`);
      assert.match(got.body.toString(), /hash=[0-9a-f]{24}/);
      assert.equal(JSON.parse(got.body.toString()).model, 'claude-sonnet-4-5');
    }
  } finally {
    await h.close();
  }
});

test('the default 64 MiB limit: 413 in OpenAI\'s error format on OpenAI routes, for a body as sent and once decoded', async () => {
  const h = await startHarness();
  try {
    const over = 64 * 1024 * 1024 + 1;
    const checkOpenAiError = (r: { status: number; body: Buffer }, what: string) => {
      assert.equal(r.status, 413, what);
      const e = JSON.parse(r.body.toString()) as { type?: string; error: { message: string; type: string; param: null; code: null } };
      assert.equal(e.type, undefined, `${what}: not Anthropic's shape`);
      assert.deepEqual(Object.keys(e.error).sort(), ['code', 'message', 'param', 'type'], what);
      assert.match(e.error.message, /exceeds the proxy limit of 67108864 bytes/, what);
    };
    // A compression bomb: 300 KB of deflate standing for 64 MiB and a byte.
    const bomb = zlib.deflateSync(Buffer.alloc(over, 0x20), { level: 1 });
    checkOpenAiError(await post(`${h.proxy.url}/v1/chat/completions`, bomb, { 'content-encoding': 'deflate', authorization: 'Bearer sk-test' }), 'decoded');
    // A body declared that large is refused before it is sent.
    const asSent = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = http.request(`${h.proxy.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', 'content-length': over } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    checkOpenAiError(asSent, 'as sent');
    assert.equal(h.upstream.received.length, 0);
  } finally {
    await h.close();
  }
});

const zstd = zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer };
test('zstd request bodies are decoded and compressed where the runtime has zstd', {
  skip: typeof zstd.zstdCompressSync === 'function' ? false : `Node ${process.version} has no zlib.zstdCompressSync (the 415 answer is tested above)`,
}, async () => {
  const h = await startHarness();
  try {
    const big = Buffer.from(JSON.stringify(anthropicBody({ toolOutput: bigLog(600, 30) })));
    const r = await post(`${h.proxy.url}/v1/messages`, zstd.zstdCompressSync!(big), { 'content-encoding': 'zstd' });
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(h.upstream.received[0].headers['content-encoding'], undefined);
    assert.ok(h.upstream.received[0].body.length < big.length / 3);
  } finally {
    await h.close();
  }
});

test('SSE streams are delivered byte for byte', async () => {
  const h = await startHarness();
  try {
    const r = await post(`${h.proxy.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: bigLog(), stream: true })));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/event-stream');
    assert.deepEqual(r.body, Buffer.from(anthropicSse(), 'utf8'));
    await h.proxy.settled();
    const s = h.proxy.stats();
    assert.equal(s.totals.cacheReadTokens, 900, 'usage read from the stream');
    assert.equal(s.totals.outputTokens, 12);
    assert.ok(s.totals.tokensSaved > 1000);
  } finally {
    await h.close();
  }
});

test('usage is read from content-encoded SSE (gzip, deflate, br); the encoded bytes reach the client unchanged', async () => {
  const ev = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const sse = Buffer.from([
    ev('message_start', { type: 'message_start', message: { id: 'msg_e', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], usage: { input_tokens: 40, cache_creation_input_tokens: 30, cache_read_input_tokens: 800, output_tokens: 1 } } }),
    ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello wörld' } }),
    ev('content_block_stop', { type: 'content_block_stop', index: 0 }),
    ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } }),
    ev('message_stop', { type: 'message_stop' }),
  ].join(''), 'utf8');
  const encoded: Record<string, Buffer> = { gzip: zlib.gzipSync(sse), deflate: zlib.deflateSync(sse), br: zlib.brotliCompressSync(sse) };
  let encoding = 'gzip';
  const h = await startHarness({
    respond: async (_got, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': encoding });
      const bytes = encoded[encoding];
      for (let i = 0; i < bytes.length; i += 5) {
        res.write(bytes.subarray(i, i + 5));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    },
  });
  const seen: Array<{ usage?: unknown; truncated?: boolean }> = [];
  const off = h.proxy.onRequest((r) => seen.push(r));
  try {
    for (encoding of Object.keys(encoded)) {
      for (const toolOutput of ['ok', bigLog()]) {
        const body = Buffer.from(JSON.stringify(anthropicBody({ toolOutput, stream: true })));
        const r = await rawRequest(`${h.proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' } }, body);
        assert.equal(r.status, 200);
        assert.equal(r.headers['content-encoding'], encoding);
        assert.deepEqual(r.body, encoded[encoding], `${encoding}: bytes unchanged`);
        await h.proxy.settled();
        const rec = seen.at(-1)!;
        assert.deepEqual(rec.usage, { input: 40, output: 9, cacheRead: 800, cacheWrite: 30 }, `${encoding}: usage`);
        assert.ok(!rec.truncated, `${encoding}: a complete stream`);
      }
    }
    assert.equal(seen.length, 6);
  } finally {
    off();
    await h.close();
  }
});

test('client disconnect aborts the upstream request; upstream reset ends the client stream', async () => {
  let mode: 'hang' | 'reset' = 'hang';
  const h = await startHarness({
    respond: (_got, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message_start\ndata: {"type":"message_start"}\n\n');
      if (mode === 'reset') setTimeout(() => res.socket?.destroy(), 20);
    },
  });
  try {
    // Both with a plain pass-through and with the retrieval stitcher in the path (big output).
    for (const [i, output] of ['x', bigLog()].entries()) {
      mode = 'hang';
      const ac = new AbortController();
      const r = await fetch(`${h.proxy.url}/v1/messages`, { method: 'POST', body: JSON.stringify(anthropicBody({ toolOutput: output, stream: true })), signal: ac.signal, headers: { 'content-type': 'application/json' } });
      const reader = r.body!.getReader();
      await reader.read();
      ac.abort();
      for (let k = 0; k < 50 && h.upstream.aborted === i; k++) await new Promise((res) => setTimeout(res, 20));
      assert.equal(h.upstream.aborted, i + 1, 'upstream saw the request aborted');

      mode = 'reset';
      const r2 = await fetch(`${h.proxy.url}/v1/messages`, { method: 'POST', body: JSON.stringify(anthropicBody({ toolOutput: output, stream: true })), headers: { 'content-type': 'application/json' } });
      await assert.rejects(async () => {
        const rd = r2.body!.getReader();
        for (;;) {
          const { done } = await rd.read();
          if (done) break;
        }
      }, 'the client stream ends with an error, not a clean end');
    }
    assert.ok(h.upstream.received[2].body.includes('headroom_retrieve'), 'the second pair went through the retrieval path');
  } finally {
    await h.close();
  }
});

test('a client that leaves a non-streaming request in the retrieval loop aborts the upstream; no continuation is sent for it', async () => {
  // The provider answers with a retrieve call, its body sent in two parts: the client leaves between them.
  const h = await startHarness({
    respond: (got, res) => {
      const hash = /hash=([0-9a-f]{24})/.exec(got.body.toString('utf8'))?.[1];
      const msg = JSON.stringify({
        id: 'msg_r', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'tool_use', stop_sequence: null,
        content: [{ type: 'tool_use', id: `toolu_r${h.upstream.received.length}`, name: 'headroom_retrieve', input: { hash } }],
        usage: { input_tokens: 10, output_tokens: 5 },
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(msg.slice(0, 20));
      setTimeout(() => {
        if (!res.destroyed) res.end(msg.slice(20));
      }, 300);
    },
  });
  try {
    const ac = new AbortController();
    const r = fetch(`${h.proxy.url}/v1/messages`, { method: 'POST', body: JSON.stringify(anthropicBody({ toolOutput: bigLog() })), signal: ac.signal, headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test' } }).catch(() => undefined);
    for (let k = 0; k < 100 && h.upstream.received.length === 0; k++) await new Promise((res) => setTimeout(res, 20));
    assert.ok(h.upstream.received[0].body.includes('headroom_retrieve'), 'the request went through the retrieval path');
    // The proxy has the response head and part of the body.
    await new Promise((res) => setTimeout(res, 100));
    ac.abort();
    await r;
    for (let k = 0; k < 50 && h.upstream.aborted === 0; k++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(h.upstream.aborted, 1, 'upstream saw the request aborted');
    await new Promise((res) => setTimeout(res, 600));
    assert.equal(h.upstream.received.length, 1, 'no continuation sent for a client that left');
  } finally {
    await h.close();
  }
});

test('a client that leaves is recorded as truncated, also when the retrieval stitcher carried its stream or JSON answer', async () => {
  const h = await startHarness({
    respond: (got, res) => {
      const stream = got.body.includes('"stream":true');
      res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
      res.write(stream ? 'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":5}}}\n\n' : '{"id":"m",');
    },
  });
  const records: RequestRecord[] = [];
  const off = h.proxy.onRequest((r) => records.push(r));
  try {
    for (const [i, [output, stream]] of ([['x', true], [bigLog(), true], [bigLog(600, 2), false]] as const).entries()) {
      const ac = new AbortController();
      const r = fetch(`${h.proxy.url}/v1/messages`, { method: 'POST', body: JSON.stringify(anthropicBody({ toolOutput: output, stream })), signal: ac.signal, headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test' } });
      if (stream) await (await r).body!.getReader().read();
      else {
        for (let k = 0; k < 100 && h.upstream.received.length === i; k++) await new Promise((res) => setTimeout(res, 20));
        await new Promise((res) => setTimeout(res, 100));
      }
      ac.abort();
      await r.catch(() => undefined);
      for (let k = 0; k < 100 && records.length === i; k++) await new Promise((res) => setTimeout(res, 20));
      assert.equal(records.length, i + 1);
      assert.equal(records[i].truncated, true, `case ${i}: recorded as truncated`);
    }
    assert.ok(h.upstream.received[1].body.includes('headroom_retrieve') && h.upstream.received[2].body.includes('headroom_retrieve'), 'the last two went through the stitcher');
  } finally {
    off();
    await h.close();
  }
});

test('a request on a pooled connection the provider reset is sent once more on a new one; nothing else is resent', async () => {
  const resetting = resettingReusedConnections(defaultResponder);
  let respond: Responder = resetting;
  const h = await startHarness({ respond: (got, res, req) => respond(got, res, req) });
  try {
    const body = JSON.stringify(anthropicBody({ toolOutput: bigLog() }));
    const first = await post(`${h.proxy.url}/v1/messages`, body);
    assert.equal(first.status, 200);
    // The second request goes out on the first one's connection, which the upstream resets.
    const second = await post(`${h.proxy.url}/v1/messages`, body);
    assert.equal(second.status, 200, 'the client never sees the stale connection');
    assert.equal(second.body.toString('utf8'), ANTHROPIC_JSON_REPLY);
    assert.equal(resetting.resets, 1);
    assert.equal(h.upstream.received.length, 3);
    assert.ok(h.upstream.received[2].body.equals(h.upstream.received[1].body), 'the same bytes resent');
    assert.ok(h.upstream.received[2].body.includes('hash='), 'compressed once, resent as compressed');
    // A passed-through request without a body is resent too.
    const models = await fetch(`${h.proxy.url}/v1/models`, { headers: { 'x-api-key': 'sk-ant-test' } });
    assert.equal(models.status, 200);
    assert.equal(((await models.json()) as { path: string }).path, '/v1/models');
    assert.equal(resetting.resets, 2);
    assert.deepEqual(h.upstream.received.slice(3).map((r) => r.method), ['GET', 'GET']);

    // A connection reset on a new connection too is the provider's failure: one resend at most.
    respond = (_got, _res, req) => {
      req.socket.resetAndDestroy();
    };
    const third = await post(`${h.proxy.url}/v1/messages`, body);
    assert.equal(third.status, 502);
    assert.equal(JSON.parse(third.body.toString()).type, 'error');
    assert.equal(h.upstream.received.length, 7, 'sent on the pooled connection, then once on a new one');

    // A reset after the response began is not resent, although on a reused connection (the
    // request before it opens one): the client's stream ends with an error.
    respond = defaultResponder;
    assert.equal((await post(`${h.proxy.url}/v1/messages`, body)).status, 200);
    respond = (_got, res, req) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message_start\ndata: {"type":"message_start"}\n\n', () => req.socket.resetAndDestroy());
    };
    const before = h.upstream.received.length;
    const r = await fetch(`${h.proxy.url}/v1/messages`, { method: 'POST', body: JSON.stringify(anthropicBody({ toolOutput: 'x', stream: true })), headers: { 'content-type': 'application/json' } });
    await assert.rejects(async () => {
      const rd = r.body!.getReader();
      while (!(await rd.read()).done);
    });
    assert.equal(h.upstream.received.length, before + 1);
  } finally {
    await h.close();
  }
});

test('unreachable upstream gives 502 in the provider format', async () => {
  const h = await startHarness();
  const { openStore } = await import('../../src/store/store');
  const store = await openStore({ path: null });
  const p = await startProxy({ port: 0, store, anthropicUpstream: 'http://127.0.0.1:1', openaiUpstream: 'http://127.0.0.1:1' });
  try {
    const r = await post(`${p.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: 'x' })));
    assert.equal(r.status, 502);
    assert.equal(JSON.parse(r.body.toString()).type, 'error');
  } finally {
    await p.close();
    await store.close();
    await h.close();
  }
});

test('a busy port rejects with EADDRINUSE naming the port', async () => {
  const h = await startHarness();
  try {
    await assert.rejects(startProxy({ port: h.proxy.port, store: h.store }), (e: NodeJS.ErrnoException) => {
      assert.equal(e.code, 'EADDRINUSE');
      assert.ok(e.message.includes(String(h.proxy.port)));
      return true;
    });
  } finally {
    await h.close();
  }
});

test('listenAlso serves the same proxy on a second port, which becomes its url; a busy one is refused; close ends both, also one still being opened', async () => {
  const h = await startHarness();
  const other = await startHarness();
  const first = h.proxy.port;
  try {
    await assert.rejects(h.proxy.listenAlso(other.proxy.port), (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE');
    assert.equal(h.proxy.port, first);
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    await h.proxy.listenAlso(free);
    assert.equal(h.proxy.url, `http://127.0.0.1:${free}`);
    for (const port of [first, free]) {
      const r = await post(`http://127.0.0.1:${port}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: bigLog() })));
      assert.equal(r.status, 200, `port ${port}`);
    }
    assert.equal(h.upstream.received.length, 2);
    const late = assert.rejects(h.proxy.listenAlso(0), /closing/);
    await h.proxy.close();
    await late;
    for (const port of [first, free]) await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), `port ${port} closed`);
  } finally {
    await h.close().catch(() => undefined);
    await other.close();
  }
});

test('POST /v1/compress returns the compressed body without forwarding; GET /v1/retrieve/HASH returns the original', async () => {
  const h = await startHarness();
  try {
    const body = JSON.stringify(anthropicBody({ toolOutput: bigLog() }));
    const r = await post(`${h.proxy.url}/v1/compress`, body);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-headroom-api'), 'anthropic');
    assert.equal(h.upstream.received.length, 0, 'nothing forwarded');
    const out = r.body.toString();
    assert.ok(out.length < body.length / 3);
    assert.ok(!out.includes('headroom_retrieve'), 'no tool injection for the compress-only API');
    const hash = /hash=([0-9a-f]{24})/.exec(out)![1];
    const got = await fetch(`${h.proxy.url}/v1/retrieve/${hash}`);
    assert.equal(got.status, 200);
    const json = await got.json() as { text: string };
    assert.ok(bigLog().includes(json.text));
    const miss = await fetch(`${h.proxy.url}/v1/retrieve/${'0'.repeat(24)}`);
    assert.equal(miss.status, 404);
    assert.match(((await miss.json()) as { error: { message: string } }).error.message, /Re-run the command/);
    const chat = await post(`${h.proxy.url}/v1/compress?api=chat`, JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'tool', tool_call_id: 'c', content: bigLog() }] }));
    assert.equal(chat.headers.get('x-headroom-api'), 'chat');
    assert.ok(chat.body.length < bigLog().length / 3);
  } finally {
    await h.close();
  }
});

test('a completed request is recorded as such (not a client disconnect) and its upstream connection is reused', async () => {
  const ports: number[] = [];
  const h = await startHarness({
    respond: (_got, res, req) => {
      ports.push(req.socket.remotePort ?? 0);
      res.writeHead(200, { 'content-type': 'application/json' }).end(ANTHROPIC_JSON_REPLY);
    },
  });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await post(`${h.proxy.url}/v1/messages`, JSON.stringify(anthropicBody({ toolOutput: bigLog(200, i) })))).status, 200);
    const plain = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    for (let i = 0; i < 2; i++) assert.equal((await post(`${h.proxy.url}/v1/messages`, plain)).status, 200);
    await h.proxy.settled();
    const records = h.store.listRequests({ limit: 10 }) as Array<{ error?: string; truncated?: boolean }>;
    assert.equal(records.length, 5);
    for (const r of records) {
      assert.equal(r.error, undefined);
      assert.equal(r.truncated, undefined);
    }
    assert.equal(h.proxy.stats().errors, 0);
    assert.equal(new Set(ports).size, 1, `one pooled connection, not one per request: ${ports}`);
  } finally {
    await h.close();
  }
});
