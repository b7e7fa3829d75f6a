/**
 * Proxy benchmark (npm run bench:proxy): the same requests sent directly to a fake upstream and
 * through the proxy, side by side. The upstream and the proxy each run in their own process on
 * loopback; this process is the client. Reports added latency (p50/p99) for 10k- and 100k-token
 * requests on first sight and seen before, streaming time-to-first-byte added, 100 concurrent
 * streaming clients over 10,000 requests (errors, corrupted streams) and the proxy's peak RSS.
 * The proxy child runs as `npm start` runs the headless CLI (its heap and allocator policies
 * included). Bounded in count and time.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBody, nextTurn } from './proxy-bodies';
import { PROXY_MALLOC_ENV } from '../src/proxy/heap';

const role = process.argv[process.argv.indexOf('--role') + 1];

// ---------------------------------------------------------------- fake upstream (child process)

function sseFor(id: string): string {
  const ev = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const parts = [ev('message_start', { type: 'message_start', message: { id: `msg_${id}`, type: 'message', role: 'assistant', content: [], usage: { input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 1 } } })];
  parts.push(ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
  for (let i = 0; i < 16; i++) parts.push(ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `chunk ${i} of ${id} — ✓ ` } }));
  parts.push(ev('content_block_stop', { type: 'content_block_stop', index: 0 }));
  parts.push(ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 64 } }));
  parts.push(ev('message_stop', { type: 'message_stop' }));
  return parts.join('');
}

function runUpstream(): void {
  const reply = JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 10, output_tokens: 2 } });
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    let stream = false;
    let head = '';
    req.on('data', (c: Buffer) => {
      if (head.length < 200) head += c.toString('latin1', 0, 200);
    });
    req.on('end', () => {
      stream = /"stream":true/.test(head);
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(reply);
        return;
      }
      const id = String(req.headers['x-bench-id'] ?? '0');
      const bytes = Buffer.from(sseFor(id));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // First event at once, the rest in a few writes, as a provider would.
      const cut = bytes.indexOf('\n\n') + 2;
      res.write(bytes.subarray(0, cut));
      setImmediate(() => {
        res.write(bytes.subarray(cut, cut + 700));
        setImmediate(() => res.end(bytes.subarray(cut + 700)));
      });
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

// ---------------------------------------------------------------- proxy (child process)

async function runProxy(): Promise<void> {
  // The same heap policy as the process `npm start` runs (src/cli/commands/proxy.ts).
  (await import('../src/proxy/heap')).tuneHeapForProxyProcess();
  const { openStore } = await import('../src/store/store');
  const { startProxy } = await import('../src/proxy/server');
  const upstream = process.argv[process.argv.indexOf('--upstream') + 1];
  const storePath = process.argv[process.argv.indexOf('--store') + 1];
  const store = await openStore({ path: storePath });
  const proxy = await startProxy({ port: 0, store, anthropicUpstream: upstream, openaiUpstream: upstream });
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  // The proxy's own view: milliseconds from the request body received to the upstream request sent.
  let msAdded: number[] = [];
  // The highest RSS seen during a phase (sampled every 10 ms).
  let phaseRss = 0;
  setInterval(() => (phaseRss = Math.max(phaseRss, process.memoryUsage.rss())), 10).unref();
  proxy.onRequest((r) => msAdded.push(r.msAdded));
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'settled') void proxy.settled().then(() => process.send!({ settled: true }));
    if (m.cmd === 'loop') {
      const delay = { loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6, phaseRssMb: phaseRss / 1048576 };
      loop.reset();
      phaseRss = 0;
      // Records are emitted once their tokens are counted.
      void proxy.settled().then(() => {
        const sorted = msAdded.sort((x, y) => x - y);
        process.send!({ ...delay, msAddedP50: sorted[Math.floor(sorted.length / 2)] ?? 0 });
        msAdded = [];
      });
    }
    if (m.cmd === 'rss') {
      const mem = process.memoryUsage();
      const kb = (n: number) => Math.round(n / 1024);
      process.send!({
        maxRssKb: process.resourceUsage().maxRSS, rssKb: kb(mem.rss), heapKb: kb(mem.heapUsed), heapTotalKb: kb(mem.heapTotal),
        externalKb: kb(mem.external), arrayBuffersKb: kb(mem.arrayBuffers), storeBytes: store.summary().bytes, stats: proxy.stats().totals,
      });
    }
  });
  // A profiled child writes its profile on a normal exit only.
  if (process.env.BENCH_PROF) process.on('SIGTERM', () => process.exit(0));
  process.send!({ port: proxy.port });
}

// ---------------------------------------------------------------- client / orchestrator

/**
 * The children run from a bundle of this file built with esbuild (as `npm start` runs dist/cli.js),
 * so the figures are not those of the TypeScript loader. It lives in .cache/ so that node_modules
 * (tokenizer ranks, wasm files) resolve as they do for dist/.
 */
let childScript = process.argv[1];
let childExecArgv = ['--import', 'tsx'];

async function bundleChildren(): Promise<void> {
  try {
    const esbuild = await import('esbuild');
    const out = join(process.cwd(), '.cache', 'bench', 'proxy-bench.js');
    await esbuild.build({ entryPoints: [process.argv[1]], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: out, logLevel: 'error' });
    childScript = out;
    childExecArgv = [];
  } catch (e) {
    console.log(`(could not bundle the benchmark children, running them under tsx: ${(e as Error).message})`);
  }
}

function startChild(args: string[], extraEnv: Readonly<Record<string, string>> = {}): Promise<{ child: ChildProcess; port: number }> {
  const env = { ...process.env, ...extraEnv };
  // BENCH_PROF=DIR: the proxy child writes a CPU profile there when it ends.
  const profile = process.env.BENCH_PROF && args.includes('proxy') ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const child = fork(childScript, args, { execArgv: [...childExecArgv, ...profile], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`child ${args.join(' ')} exited with ${code}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });

interface Timing {
  total: number;
  ttfb: number;
  body: Buffer;
  status: number;
}

function send(port: number, body: Buffer, headers: Record<string, string> = {}): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({
      host: '127.0.0.1', port, path: '/v1/messages', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-api-key': 'sk-ant-bench', 'anthropic-version': '2023-06-01', ...headers },
    }, (res) => {
      let ttfb = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (!ttfb) ttfb = performance.now() - t0;
        chunks.push(c);
      });
      res.on('end', () => resolve({ total: performance.now() - t0, ttfb, body: Buffer.concat(chunks), status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const f = (n: number) => n.toFixed(2);

let proxyChild: ChildProcess | undefined;

/** The machine's CPU time counters (Linux /proc/stat, in ticks): all of it, and what the hypervisor took. */
function cpuTicks(): { total: number; steal: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * The share of CPU time the hypervisor gave to other machines since `from` ("steal"): on a shared
 * virtual machine every figure here slows down with it.
 */
function stealSince(from: ReturnType<typeof cpuTicks>): string {
  const now = cpuTicks();
  if (!from || !now || now.total <= from.total) return '';
  return `, cpu steal ${((100 * (now.steal - from.steal)) / (now.total - from.total)).toFixed(0)}%`;
}

/** The proxy's event-loop delay since the last call (p99 and max, ms). */
async function loopDelay(steal = ''): Promise<string> {
  if (!proxyChild) return '';
  const child = proxyChild;
  type LoopInfo = { loopP99: number; loopMax: number; msAddedP50: number; phaseRssMb: number };
  const m = await new Promise<LoopInfo>((resolve) => {
    child.once('message', (x) => resolve(x as LoopInfo));
    child.send({ cmd: 'loop' });
  });
  return ` [proxy: own msAdded p50 ${f(m.msAddedP50)}, event-loop delay p99 ${f(m.loopP99)} max ${f(m.loopMax)} ms, max rss ${m.phaseRssMb.toFixed(0)} MB${steal}]`;
}

/** Waits until the proxy has recorded (token-counted) everything so far, so phases do not overlap. */
async function settled(): Promise<void> {
  if (!proxyChild) return;
  const child = proxyChild;
  await new Promise<void>((resolve) => {
    child.once('message', () => resolve());
    child.send({ cmd: 'settled' });
  });
}

/** `--only <substring>`: run only the phases whose label contains it (and skip the load test). */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

/** Added latency of a phase, paired (proxy minus direct), ms. */
interface Added {
  p50: number;
  p99: number;
}

/** `bodies` makes the phase's request bodies up front (fresh ones take a moment to size), one per pair. */
async function pairs(label: string, upPort: number, proxyPort: number, bodies: () => Buffer[], pick: (t: Timing) => number): Promise<Added | undefined> {
  if (only !== undefined && !label.includes(only)) return undefined;
  const list = bodies();
  const count = list.length;
  await settled();
  await loopDelay();
  const ticks = cpuTicks();
  const direct: number[] = [];
  const proxied: number[] = [];
  const deltas: number[] = [];
  for (let i = 0; i < count; i++) {
    const body = list[i];
    // Alternate the order so neither side always runs on a warmer connection.
    const d = i % 2 ? await send(upPort, body) : undefined;
    const p = await send(proxyPort, body);
    const d2 = d ?? (await send(upPort, body));
    if (p.status !== 200 || d2.status !== 200) throw new Error(`${label}: status ${p.status}/${d2.status}`);
    direct.push(pick(d2));
    proxied.push(pick(p));
    deltas.push(pick(p) - pick(d2));
  }
  const added = { p50: pct(deltas, 50), p99: pct(deltas, 99) };
  console.log(
    `${label.padEnd(38)} direct p50 ${f(pct(direct, 50)).padStart(7)} p99 ${f(pct(direct, 99)).padStart(7)} | proxy p50 ${f(pct(proxied, 50)).padStart(7)} p99 ${f(pct(proxied, 99)).padStart(7)} | added (paired) p50 ${f(added.p50).padStart(6)} p99 ${f(added.p99).padStart(6)} ms  (n=${count})${await loopDelay(stealSince(ticks))}`,
  );
  return added;
}

async function load(proxyPort: number, clients: number, total: number, deadlineMs: number): Promise<{ errors: number; corrupted: number }> {
  const body = makeBody(2000, 7, true);
  let next = 0;
  let errors = 0;
  let corrupted = 0;
  let done = 0;
  const ticks = cpuTicks();
  const t0 = performance.now();
  const ttfbs: number[] = [];
  const worker = async () => {
    while (next < total && performance.now() - t0 < deadlineMs) {
      const id = String(next++);
      try {
        const r = await send(proxyPort, body, { 'x-bench-id': id });
        if (r.status !== 200) errors++;
        else if (!r.body.equals(Buffer.from(sseFor(id)))) corrupted++;
        ttfbs.push(r.ttfb);
        done++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const s = (performance.now() - t0) / 1000;
  console.log(`load: ${clients} concurrent streaming clients, ${done} requests in ${s.toFixed(1)} s (${(done / s).toFixed(0)} req/s): errors ${errors}, corrupted streams ${corrupted}, TTFB p50 ${f(pct(ttfbs, 50))} p99 ${f(pct(ttfbs, 99))} ms${stealSince(ticks)}`);
  return { errors, corrupted };
}

/** What was measured against the targets the proxy issue sets (`<` for `strict`, else at most). */
function printTargets(rows: Array<{ what: string; value: number | undefined; limit: number; unit: string; strict?: boolean }>): void {
  console.log('targets:');
  for (const { what, value, limit, unit, strict } of rows) {
    if (value === undefined) continue;
    const met = strict ? value < limit : value <= limit;
    console.log(`  ${what.padEnd(44)} ${(unit ? f(value) : String(value)).padStart(8)} ${unit.padEnd(2)}  (target ${strict ? '< ' : unit ? '≤ ' : ''}${limit}${unit ? ' ' + unit : ''})  ${met ? 'met' : 'NOT MET'}`);
  }
}

interface MemoryInfo {
  maxRssKb: number;
  rssKb: number;
  heapKb: number;
  heapTotalKb: number;
  externalKb: number;
  arrayBuffersKb: number;
  storeBytes: number;
  stats: Record<string, number>;
}

async function reportMemory(child: ChildProcess, label: string): Promise<MemoryInfo> {
  const info = await new Promise<MemoryInfo>((resolve) => {
    child.once('message', (m) => resolve(m as MemoryInfo));
    child.send({ cmd: 'rss' });
  });
  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  console.log(
    `proxy memory ${label}: rss ${mb(info.rssKb)} (peak ${mb(info.maxRssKb)}); main heap ${mb(info.heapKb)} used of ${mb(info.heapTotalKb)}, ` +
      `external ${mb(info.externalKb)} (array buffers ${mb(info.arrayBuffersKb)}); store originals+memo ${mb(info.storeBytes / 1024)} (uncompressed)`,
  );
  return info;
}

const repeat = (body: Buffer, count: number) => Array<Buffer>(count).fill(body);
const fresh = (count: number, make: () => Buffer) => Array.from({ length: count }, make);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-proxy-'));
  await bundleChildren();
  const up = await startChild(['--role', 'upstream']);
  // The proxy child starts with the allocator policy `npm start` gives the headless proxy.
  const px = await startChild(['--role', 'proxy', '--upstream', `http://127.0.0.1:${up.port}`, '--store', join(dir, 'store.db')], PROXY_MALLOC_ENV);
  try {
    const b10 = makeBody(10_000, 1);
    const b100 = makeBody(100_000, 2);
    console.log(`bodies, sized by the tokens the model reads (js-tiktoken cl100k_base): 10k-token request ${(b10.length / 1024).toFixed(0)} KiB, 100k-token request ${(b100.length / 1024).toFixed(0)} KiB`);
    for (let i = 0; i < 20; i++) {
      await send(px.port, b10);
      await send(up.port, b10);
    }
    await send(px.port, b100);
    await reportMemory(px.child, 'after warm-up');
    proxyChild = px.child;
    const total = (t: Timing) => t.total;
    const ttfb = (t: Timing) => t.ttfb;
    await pairs('10k tokens, seen before (total)', up.port, px.port, () => repeat(b10, 200), total);
    const seen100 = await pairs('100k tokens, seen before (total)', up.port, px.port, () => repeat(b100, 100), total);
    let seed = 1000;
    await pairs('10k tokens, first sight (total)', up.port, px.port, () => fresh(60, () => makeBody(10_000, seed++)), total);
    const first100 = await pairs('100k tokens, first sight (total)', up.port, px.port, () => fresh(30, () => makeBody(100_000, seed++)), total);
    let next = 0;
    await pairs('100k tokens, only last output new (total)', up.port, px.port, () => fresh(60, () => nextTurn(b100, next++)), total);
    const s10 = makeBody(10_000, 3, true);
    const s100 = makeBody(100_000, 4, true);
    await send(px.port, s10);
    await send(px.port, s100);
    const ttfb10 = await pairs('10k tokens streaming, seen before (TTFB)', up.port, px.port, () => repeat(s10, 150), ttfb);
    const ttfb100 = await pairs('100k tokens streaming, seen before (TTFB)', up.port, px.port, () => repeat(s100, 80), ttfb);
    await reportMemory(px.child, 'before load');
    const loaded = only === undefined ? await load(px.port, 100, 10_000, 120_000) : undefined;
    await new Promise((r) => setTimeout(r, 500));
    const info = await reportMemory(px.child, 'end');
    const peakMb = info.maxRssKb / 1024;
    console.log(`proxy peak RSS: ${peakMb.toFixed(0)} MB; requests recorded ${info.stats.requests}, tokens saved ${info.stats.tokensSaved} (${info.stats.savedPercent}%)`);
    printTargets([
      { what: '100k tokens seen before, added p50', value: seen100?.p50, limit: 5, unit: 'ms' },
      { what: '100k tokens seen before, added p99', value: seen100?.p99, limit: 25, unit: 'ms' },
      { what: '100k tokens first sight, added p50', value: first100?.p50, limit: 30, unit: 'ms' },
      { what: '10k tokens time to first byte, added p50', value: ttfb10?.p50, limit: 3, unit: 'ms' },
      { what: '100k tokens time to first byte, added p50', value: ttfb100?.p50, limit: 3, unit: 'ms' },
      { what: 'load errors', value: loaded?.errors, limit: 0, unit: '' },
      { what: 'load corrupted streams', value: loaded?.corrupted, limit: 0, unit: '' },
      { what: 'proxy peak RSS', value: only === undefined ? peakMb : undefined, limit: 250, unit: 'MB', strict: true },
    ]);
  } finally {
    px.child.kill();
    up.child.kill();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (role === 'upstream') runUpstream();
else if (role === 'proxy') void runProxy();
else main().catch((e) => {
  console.error(e);
  process.exit(1);
});
