/**
 * Where a first-sight request's time goes inside the proxy (no HTTP): rewrites fresh 100k-token
 * bodies with a real file store and times scan, per-output compression and store writes.
 * `node --import tsx bench/proxy-profile.ts [count]`; add `--cpu-prof` to node for a profile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/store';
import { Rewriter } from '../src/proxy/rewrite';
import { resolveConfig } from '../src/proxy/config';
import { makeBody } from './proxy-bodies';
import { TokenCounter } from '../src/proxy/token-counter';
import { countOutputs } from '../src/proxy/accounting';

const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
function memory(label: string): void {
  const m = process.memoryUsage();
  console.log(`${label}: rss ${mb(m.rss)} (peak ${mb(process.resourceUsage().maxRSS * 1024)}), heap ${mb(m.heapUsed)}/${mb(m.heapTotal)}, external ${mb(m.external)}, array buffers ${mb(m.arrayBuffers)}`);
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20);
  const tokens = process.argv.includes('--tokens') ? new TokenCounter() : undefined;
  memory('start');
  const dir = mkdtempSync(join(tmpdir(), 'headroom-proxy-profile-'));
  const store = await openStore({ path: join(dir, 'store.db') });
  const rewriter = new Rewriter(store, resolveConfig({}));
  try {
    for (let i = 0; i < 3; i++) rewriter.rewrite('anthropic', makeBody(100_000, 500 + i), { injectRetrieveTool: true });
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const body = makeBody(100_000, 1000 + i);
      // As the proxy does: the counting worker waits while a body is rewritten.
      const release = tokens?.hold();
      const r = rewriter.rewrite('anthropic', body, { injectRetrieveTool: true })!;
      release?.();
      times.push(r.ms);
      if (tokens) void countOutputs(tokens, r.outputs, r.shape.model);
      await new Promise((res) => setTimeout(res, 5));
    }
    memory('after rewrites');
    if (process.argv.includes('--spaces')) {
      const v8 = await import('node:v8');
      for (const sp of v8.getHeapSpaceStatistics()) console.log(`  ${sp.space_name}: size ${mb(sp.space_size)}, used ${mb(sp.space_used_size)}, physical ${mb(sp.physical_space_size)}`);
    }
    times.sort((a, b) => a - b);
    const mem = process.memoryUsage();
    await store.flush();
    const { statSync } = await import('node:fs');
    console.log(`store file: ${mb(statSync(join(dir, 'store.db')).size)}`);
    const sum = store.summary();
    console.log(`store: ${sum.entries} originals, ${(sum.bytes / 1048576).toFixed(1)} MB (+${sum.memoEntries} memo entries)`);
    console.log(`first sight rewrite of a 100k-token body: p50 ${times[Math.floor(count / 2)].toFixed(1)} ms, max ${times[count - 1].toFixed(1)} ms (n=${count}); rss ${(mem.rss / 1048576).toFixed(0)} MB`);
  } finally {
    await store.close();
    memory('after close');
    tokens?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
