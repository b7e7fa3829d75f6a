/** Starts a proxy on a free loopback port against fake upstreams, with a real sql.js store file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../src/store/store';
import type { Store } from '../../../src/store/types';
import { startProxy } from '../../../src/proxy/server';
import type { ProxyConfig, ProxyHandle } from '../../../src/proxy/server';
import { startFakeUpstream } from './fake-upstream';
import type { FakeUpstream, Responder } from './fake-upstream';

export interface Harness {
  proxy: ProxyHandle;
  upstream: FakeUpstream;
  store: Store;
  storePath: string;
  dir: string;
  close(): Promise<void>;
}

export async function startHarness(options: { config?: Partial<ProxyConfig>; respond?: Responder; storePath?: string } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-proxy-test-'));
  const storePath = options.storePath ?? join(dir, 'store.db');
  const store = await openStore({ path: storePath, saveDelayMs: 50 });
  const upstream = await startFakeUpstream(options.respond);
  const proxy = await startProxy({ port: 0, store, anthropicUpstream: upstream.url, openaiUpstream: upstream.url, config: options.config });
  return {
    proxy, upstream, store, storePath, dir,
    async close() {
      await proxy.close();
      await upstream.close();
      await store.close();
      if (!options.storePath) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', ...headers } });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

/** Splits a forwarded body around one changed region: the common prefix and suffix with the original. */
export function diffRegion(a: Buffer, b: Buffer): { prefix: number; suffixA: number; suffixB: number } {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  return { prefix: p, suffixA: a.length - s, suffixB: b.length - s };
}
