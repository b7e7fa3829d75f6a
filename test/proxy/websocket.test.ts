/** Responses WebSocket mode: frames relayed in order, response.create compressed, retrieval over the socket. */
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
import { markerHashes } from '../../src/engine/marker';
import { bigLog } from './helpers/fixtures';

interface FakeWs {
  url: string;
  frames: Buffer[];
  headers: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

function events(round: number, callHash: string | undefined, reply: string, clientCall = false): object[] {
  let seq = 0;
  const out: object[] = [];
  const e = (type: string, d: object) => out.push({ type, sequence_number: seq++, ...d });
  const items: any[] = [{ type: 'message', id: `msg_${round}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: reply }] }];
  if (callHash) items.push({ type: 'function_call', id: `fc_${round}`, call_id: `call_r${round}`, name: 'headroom_retrieve', arguments: JSON.stringify({ hash: callHash }), status: 'completed' });
  if (clientCall) items.push({ type: 'function_call', id: `fc_c${round}`, call_id: `call_c${round}`, name: 'shell', arguments: '{"command":["ls"]}', status: 'completed' });
  e('response.created', { response: { id: `resp_${round}`, status: 'in_progress', output: [] } });
  items.forEach((item, i) => {
    e('response.output_item.added', { output_index: i, item });
    if (item.type === 'message') e('response.output_text.delta', { item_id: item.id, output_index: i, content_index: 0, delta: reply });
    e('response.output_item.done', { output_index: i, item });
  });
  e('response.completed', { response: { id: `resp_${round}`, status: 'completed', output: items, usage: { input_tokens: 100, output_tokens: 5 + round, total_tokens: 105 + round } } });
  return out;
}

async function startFakeWs(): Promise<FakeWs> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, handleProtocols: (p) => (p.has('realtime') ? 'realtime' : false) });
  const fake: FakeWs = { url: '', frames: [], headers: [], close: async () => {} };
  let round = 0;
  wss.on('connection', (ws, req) => {
    fake.headers.push(req.headers);
    ws.on('message', (data, isBinary) => {
      const buf = Buffer.from(data as Buffer);
      fake.frames.push(buf);
      if (isBinary) return ws.send(buf, { binary: true });
      const msg = JSON.parse(buf.toString());
      if (msg.type === 'close-me') return ws.close(4001, 'bye');
      if (msg.type !== 'response.create') return ws.send(JSON.stringify({ type: 'echo', got: msg.type }));
      const r = round++;
      const last = msg.input?.at(-1);
      const answered = last?.type === 'function_call_output' && String(last.call_id).startsWith('call_r');
      const hash = markerHashes(buf.toString())[0];
      const reply = answered ? `Got ${last.output.length} chars` : 'Looking.';
      for (const ev of events(r, !answered && hash && msg.tools?.some((t: any) => t.name === 'headroom_retrieve') ? hash : undefined, reply, msg.metadata?.mixed === true)) ws.send(JSON.stringify(ev));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((r) => {
    for (const c of wss.clients) c.terminate();
    server.close(() => r());
  });
  return fake;
}

function collect(ws: WebSocket, until: (frames: string[]) => boolean): Promise<string[]> {
  const frames: string[] = [];
  return new Promise((resolve, reject) => {
    ws.on('message', (d) => {
      frames.push(d.toString());
      if (until(frames)) resolve(frames);
    });
    ws.on('error', reject);
    setTimeout(() => reject(new Error(`timeout; got ${frames.length} frames`)), 10_000);
  });
}

test('WebSocket: frames relayed, response.create compressed, retrieval answered on the socket, close codes passed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-ws-'));
  const store = await openStore({ path: join(dir, 's.db') });
  const fake = await startFakeWs();
  const proxy = await startProxy({ port: 0, store, openaiUpstream: fake.url, anthropicUpstream: fake.url });
  const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`, ['realtime'], { headers: { authorization: 'Bearer sk-codex', 'x-headroom-bypass': '0', originator: 'codex_cli_rs' } });
  try {
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    assert.equal(ws.protocol, 'realtime', 'sub-protocol agreed with the upstream');
    assert.equal(fake.headers[0].authorization, 'Bearer sk-codex');
    assert.equal(fake.headers[0].originator, 'codex_cli_rs');
    assert.equal(fake.headers[0]['x-headroom-bypass'], undefined);

    // A non-create frame goes through byte for byte.
    const ping = '{"type":"ping" , "x":1.0}';
    const echo = collect(ws, (f) => f.length === 1);
    ws.send(ping);
    assert.deepEqual(JSON.parse((await echo)[0]), { type: 'echo', got: 'ping' });
    assert.equal(fake.frames[0].toString(), ping);

    const log = bigLog(500, 21);
    const create = JSON.stringify({ type: 'response.create', model: 'gpt-5-codex', store: false, tools: [{ type: 'function', name: 'shell', parameters: {} }], input: [
      { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: log },
    ] });
    const got = collect(ws, (f) => f.some((x) => JSON.parse(x).type === 'response.completed'));
    ws.send(create);
    const frames = (await got).map((x) => JSON.parse(x));
    const sent = fake.frames[1].toString();
    assert.ok(sent.length < create.length / 3, 'the tool output was compressed');
    assert.ok(sent.includes('"name":"headroom_retrieve"'));
    assert.equal(fake.frames.length, 3, 'the proxy continued on the socket');
    const cont = JSON.parse(fake.frames[2].toString());
    assert.equal(cont.previous_response_id, 'resp_0');
    const hash = markerHashes(sent)[0];
    assert.equal(cont.input[0].output, store.get(hash)!.text);
    assert.ok(!frames.some((f) => JSON.stringify(f).includes('headroom_retrieve')));
    assert.equal(frames.filter((f) => f.type === 'response.created').length, 1);
    const done = frames.find((f) => f.type === 'response.completed');
    assert.equal(done.response.output.length, 2);
    assert.ok(done.response.output[1].content[0].text.startsWith('Got '));
    const seqs = frames.map((f) => f.sequence_number);
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1]);

    await proxy.settled();
    const stats = proxy.stats();
    assert.equal(stats.totals.requests, 1, 'one response.create recorded');
    assert.equal(stats.retrievals.count, 1);
    assert.ok(stats.totals.tokensSaved > 1000);
    assert.equal(stats.byAgent.unknown?.requests ?? stats.totals.requests, 1);

    const closed = new Promise<[number, string]>((r) => ws.once('close', (code, reason) => r([code, reason.toString()])));
    ws.send('{"type":"close-me"}');
    assert.deepEqual(await closed, [4001, 'bye']);
  } finally {
    ws.terminate();
    await proxy.close();
    await fake.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WebSocket: after a mixed turn, the continuing response.create carries outputs for the retrieve calls the client never saw', async () => {
  const store = await openStore({ path: null });
  const fake = await startFakeWs();
  const proxy = await startProxy({ port: 0, store, openaiUpstream: fake.url, anthropicUpstream: fake.url });
  const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: 'Bearer sk-codex' } });
  try {
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    const tools = [{ type: 'function', name: 'shell', parameters: {} }];
    const turn1 = collect(ws, (f) => f.some((x) => JSON.parse(x).type === 'response.completed'));
    ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-5-codex', store: false, metadata: { mixed: true }, tools, input: [
      { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: bigLog(500, 23) },
    ] }));
    const done = (await turn1).map((x) => JSON.parse(x)).find((f) => f.type === 'response.completed');
    assert.deepEqual(done.response.output.map((i: any) => i.name ?? i.type), ['message', 'shell'], 'the client sees only its own call');
    assert.equal(fake.frames.length, 1, 'a mixed turn is not continued');
    const hash = markerHashes(fake.frames[0].toString())[0];

    const turn2 = collect(ws, (f) => f.some((x) => JSON.parse(x).type === 'response.completed'));
    ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-5-codex', store: false, previous_response_id: 'resp_0', tools, input: [
      { type: 'function_call_output', call_id: 'call_c0', output: 'file-a' },
    ] }));
    await turn2;
    const input = JSON.parse(fake.frames[1].toString()).input;
    assert.deepEqual(input.map((i: any) => i.call_id), ['call_r0', 'call_c0']);
    assert.equal(input[0].output, store.get(hash)!.text);
  } finally {
    ws.terminate();
    await proxy.close();
    await fake.close();
    await store.close();
  }
});

test('WebSocket with x-headroom-bypass: 1: the turn is forwarded untouched and recorded under its model', async () => {
  const store = await openStore({ path: null });
  const fake = await startFakeWs();
  const proxy = await startProxy({ port: 0, store, openaiUpstream: fake.url, anthropicUpstream: fake.url });
  const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: 'Bearer sk-codex', 'x-headroom-bypass': '1' } });
  try {
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    const create = JSON.stringify({ type: 'response.create', tools: [], input: [{ type: 'function_call_output', call_id: 'call_1', output: bigLog(500, 3) }], model: 'gpt-5-codex' });
    const got = collect(ws, (f) => f.some((x) => JSON.parse(x).type === 'response.completed'));
    ws.send(create);
    await got;
    assert.equal(fake.frames[0].toString(), create, 'forwarded untouched');
    await proxy.settled();
    const stats = proxy.stats();
    assert.equal(stats.bypassed, 1);
    assert.equal(stats.byModel['gpt-5-codex']?.requests, 1, JSON.stringify(Object.keys(stats.byModel)));
  } finally {
    ws.terminate();
    await proxy.close();
    await fake.close();
    await store.close();
  }
});

test('WebSocket upgrades with a foreign Host are refused', async () => {
  const store = await openStore({ path: null });
  const fake = await startFakeWs();
  const proxy = await startProxy({ port: 0, store, openaiUpstream: fake.url });
  try {
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`, { headers: { host: 'evil.example' } });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    assert.equal(status, 403);
    assert.equal(fake.headers.length, 0);
  } finally {
    await proxy.close();
    await fake.close();
    await store.close();
  }
});

test('WebSocket upgrades from a web page (foreign Origin) are refused before any upstream socket is opened', async () => {
  const store = await openStore({ path: null });
  const fake = await startFakeWs();
  const proxy = await startProxy({ port: 0, store, openaiUpstream: fake.url });
  const upgrade = (headers: Record<string, string>) => new Promise<number>((resolve) => {
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
  try {
    // Browsers let any page open ws://127.0.0.1:PORT; the Host is then loopback, only Origin tells.
    for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example']) {
      assert.equal(await upgrade({ origin }), 403, origin);
    }
    assert.equal(fake.headers.length, 0, 'no upstream socket was opened');
    assert.equal(await upgrade({ origin: `http://localhost:${proxy.port}` }), 101);
    assert.equal(fake.headers.length, 1);
  } finally {
    await proxy.close();
    await fake.close();
    await store.close();
  }
});

test('WebSocket: a client that leaves during the upstream handshake does not leave an upstream socket open', async () => {
  const server = http.createServer();
  // The upstream takes a while to accept; the client gives up before it does.
  const wss = new WebSocketServer({ server, verifyClient: (_info, done) => setTimeout(() => done(true), 600) });
  let opened = 0;
  wss.on('connection', () => opened++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const store = await openStore({ path: null });
  const proxy = await startProxy({ port: 0, store, openaiUpstream: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  try {
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`);
    ws.on('error', () => {});
    await new Promise((r) => setTimeout(r, 150));
    ws.terminate();
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(wss.clients.size, 0, `upstream sockets still open (${opened} were accepted)`);
  } finally {
    await proxy.close();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => server.close(() => r()));
    await store.close();
  }
});

test('WebSocket: an upgrade with a duplicated or malformed sub-protocol is refused with 400, and the proxy keeps running', async () => {
  const store = await openStore({ path: null });
  const fake = await startFakeWs();
  const proxy = await startProxy({ port: 0, store, openaiUpstream: fake.url });
  const { connect } = await import('node:net');
  const rawUpgrade = (protocols: string) => new Promise<string>((resolve) => {
    const s = connect(proxy.port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('error', () => {});
    s.on('close', () => resolve(out));
    setTimeout(() => s.destroy(), 3_000);
    s.write(`GET /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ${protocols}\r\n\r\n`);
  });
  try {
    for (const protocols of ['realtime, realtime', 'a/b']) {
      const r = await rawUpgrade(protocols);
      assert.match(r, /^HTTP\/1\.1 400 /, protocols);
    }
    assert.equal(fake.headers.length, 0);
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`);
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    ws.close();
  } finally {
    await proxy.close();
    await fake.close();
    await store.close();
  }
});

test('WebSocket, tool_choice "required": a model that keeps retrieving still ends with a call of the client\'s tools (the exhausted round offers only theirs)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-ws-'));
  const store = await openStore({ path: join(dir, 's.db') });
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  const creates: any[] = [];
  let hash: string | undefined;
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      creates.push(msg);
      hash ??= markerHashes(data.toString())[0];
      const r = creates.length - 1;
      assert.equal(msg.tool_choice, 'required');
      const retrieve = msg.tools.some((t: any) => t.name === 'headroom_retrieve');
      const item = retrieve
        ? { type: 'function_call', id: `fc_r${r}`, call_id: `call_r${r}`, name: 'headroom_retrieve', arguments: JSON.stringify({ hash }), status: 'completed' }
        : { type: 'function_call', id: `fc_c${r}`, call_id: `call_c${r}`, name: 'shell', arguments: '{"command":["make"]}', status: 'completed' };
      let seq = 0;
      const send = (type: string, d: object) => ws.send(JSON.stringify({ type, sequence_number: seq++, ...d }));
      send('response.created', { response: { id: `resp_${r}`, status: 'in_progress', output: [] } });
      send('response.output_item.added', { output_index: 0, item });
      send('response.output_item.done', { output_index: 0, item });
      send('response.completed', { response: { id: `resp_${r}`, status: 'completed', output: [item], usage: { input_tokens: 100, output_tokens: 5, total_tokens: 105 } } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const proxy = await startProxy({ port: 0, store, openaiUpstream: upstreamUrl, anthropicUpstream: upstreamUrl });
  const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: 'Bearer sk-codex' } });
  try {
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    const got = collect(ws, (f) => f.some((x) => JSON.parse(x).type === 'response.completed'));
    ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-5-codex', store: false, tool_choice: 'required', tools: [{ type: 'function', name: 'shell', parameters: {} }], input: [
      { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: bigLog(500, 21) },
    ] }));
    const frames = (await got).map((x) => JSON.parse(x));
    assert.ok(!frames.some((f) => JSON.stringify(f).includes('headroom_retrieve')));
    const done = frames.find((f) => f.type === 'response.completed');
    assert.deepEqual(done.response.output.map((i: any) => i.name), ['shell']);
    assert.equal(creates.length, 5, 'three retrievals, then the exhausted round');
    assert.deepEqual(creates.map((c) => c.tools.map((t: any) => t.name)), [...Array(4).fill(['shell', 'headroom_retrieve']), ['shell']]);
  } finally {
    ws.terminate();
    await proxy.close();
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => server.close(r));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
