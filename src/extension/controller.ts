/**
 * Owns the proxy's lifecycle and the store inside the extension host (no vscode here, so it is
 * tested with a real or fake backend): start with busy-port fallback, stop, bypass, stats, and
 * change notifications for the status bar and the stats view.
 */
import type { Backend, ProxyHandleLike, StoreLike } from './backend';
import type { HeadroomConfig } from './config';
import { DEFAULT_EXCLUDED_TOOLS } from '../proxy/config';
import { StatsAggregator } from '../proxy/stats';
import type { RequestRecord } from '../proxy/record';
import { toStatsView, type StatsView } from './stats-view';

export type ProxyState = 'stopped' | 'starting' | 'running' | 'failed';

export interface StartResult {
  url: string;
  port: number;
  /** Set when the configured port was busy and another one was used. */
  fellBackFrom?: number;
}

export interface ControllerDeps {
  backend: () => Promise<Backend>;
  /** Store file (null: memory only). */
  storePath: string | null;
  log: (line: string) => void;
  warn: (message: string) => void;
  /** How often a proxy that fell back to another port tries the configured one again (ms). */
  reclaimMs?: number;
}

const RECLAIM_MS = 15_000;

export class ProxyController {
  private state: ProxyState = 'stopped';
  private failure?: string;
  private proxy?: ProxyHandleLike;
  private store?: StoreLike;
  private storeOpening?: Promise<StoreLike>;
  private bypass = false;
  private lastStats: unknown;
  private unsubscribe?: () => void;
  private readonly listeners = new Set<() => void>();
  private readonly requestListeners = new Set<(record: unknown) => void>();
  private starting?: Promise<StartResult>;
  /** The configured port, while the proxy listens on another one because it was busy. */
  private fellBackFrom?: number;
  private reclaimTimer?: NodeJS.Timeout;
  /** Request records, newest first, bounded: live ones from the proxy, seeded from the store's log. */
  private recent: unknown[] = [];
  static readonly RECENT_LIMIT = 200;

  constructor(private readonly deps: ControllerDeps) {}

  get status(): ProxyState {
    return this.state;
  }

  get url(): string | undefined {
    return this.proxy?.url;
  }

  get bypassed(): boolean {
    return this.bypass;
  }

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every request record the proxy reports, as it arrives. */
  onRequest(listener: (record: unknown) => void): () => void {
    this.requestListeners.add(listener);
    return () => this.requestListeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** The store, opened once on first use (retrieval works with the proxy stopped too), with the configured limits. */
  openStore(config: HeadroomConfig): Promise<StoreLike> {
    const limits = { ttlMs: config.storeTtlDays * 86_400_000, maxBytes: Math.round(config.storeMaxMB * 1024 * 1024) };
    if (this.store) {
      this.store.setLimits?.(limits);
      return Promise.resolve(this.store);
    }
    this.storeOpening ??= (async () => {
      const backend = await this.deps.backend();
      const store = await backend.openStore({ path: this.deps.storePath, ...limits, onWarning: (m) => this.deps.warn(m) });
      this.store = store;
      if (this.recent.length === 0) {
        try {
          this.recent = store.listRequests?.({ limit: ProxyController.RECENT_LIMIT }) ?? [];
        } catch (err) {
          this.deps.log(`could not read the request log: ${err}`);
        }
      }
      return store;
    })().finally(() => {
      this.storeOpening = undefined;
    });
    return this.storeOpening;
  }

  async start(config: HeadroomConfig): Promise<StartResult> {
    if (this.proxy) return { url: this.proxy.url, port: this.proxy.port };
    this.starting ??= this.doStart(config).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(config: HeadroomConfig): Promise<StartResult> {
    this.state = 'starting';
    this.failure = undefined;
    this.changed();
    try {
      const backend = await this.deps.backend();
      const store = await this.openStore(config);
      const options = {
        host: '127.0.0.1',
        anthropicUpstream: config.anthropicUpstream,
        openaiUpstream: config.openaiUpstream,
        store,
        config: proxyConfig(config),
        log: this.deps.log,
      };
      let fellBackFrom: number | undefined;
      let proxy: ProxyHandleLike;
      try {
        proxy = await backend.startProxy({ ...options, port: config.port });
      } catch (err) {
        if ((err as NodeJS.ErrnoException)?.code !== 'EADDRINUSE' || config.port === 0) throw err;
        this.deps.log(`port ${config.port} is busy; starting on a free port instead`);
        fellBackFrom = config.port;
        proxy = await backend.startProxy({ ...options, port: 0 });
      }
      this.proxy = proxy;
      this.fellBackFrom = fellBackFrom;
      if (fellBackFrom !== undefined) this.scheduleReclaim(fellBackFrom);
      proxy.setBypass(this.bypass);
      this.unsubscribe = proxy.onRequest((record) => {
        this.recent.unshift(record);
        if (this.recent.length > ProxyController.RECENT_LIMIT) this.recent.length = ProxyController.RECENT_LIMIT;
        for (const l of this.requestListeners) l(record);
        this.changed();
      });
      this.state = 'running';
      this.deps.log(`proxy listening on ${proxy.url}${fellBackFrom !== undefined ? ` because port ${fellBackFrom} was busy` : ''}`);
      this.changed();
      return { url: proxy.url, port: proxy.port, fellBackFrom };
    } catch (err) {
      this.state = 'failed';
      this.failure = err instanceof Error ? err.message : String(err);
      this.deps.log(`proxy failed to start: ${this.failure}`);
      this.changed();
      throw err;
    }
  }

  /**
   * Another window's proxy (or another program) held the configured port: try it again now and
   * then, and once it is free serve it too, so agent configs that name it keep working after that
   * window closes (clients given the fallback port keep theirs).
   */
  private scheduleReclaim(port: number): void {
    clearInterval(this.reclaimTimer);
    const proxy = this.proxy;
    if (!proxy?.listenAlso) return;
    this.reclaimTimer = setInterval(() => {
      if (this.proxy !== proxy || this.fellBackFrom !== port) return clearInterval(this.reclaimTimer);
      proxy.listenAlso!(port).then(() => {
        clearInterval(this.reclaimTimer);
        if (this.proxy !== proxy) return;
        this.fellBackFrom = undefined;
        this.deps.log(`port ${port} is free again: the proxy now also listens on ${proxy.url}`);
        this.changed();
      }, () => undefined);
    }, this.deps.reclaimMs ?? RECLAIM_MS);
    this.reclaimTimer.unref();
  }

  /**
   * The proxy URL to write into agents' global configs: while this window fell back from the
   * configured port because another Headroom proxy (another window's) serves it, that one, which
   * outlives this window's; else this window's own.
   */
  async agentUrl(): Promise<string | undefined> {
    const proxy = this.proxy;
    if (!proxy) return undefined;
    const port = this.fellBackFrom;
    if (port !== undefined && (await isHeadroomProxy(port))) return `http://127.0.0.1:${port}`;
    return proxy.url;
  }

  async stop(): Promise<boolean> {
    if (this.starting) await this.starting.catch(() => undefined);
    clearInterval(this.reclaimTimer);
    this.fellBackFrom = undefined;
    const proxy = this.proxy;
    if (!proxy) {
      if (this.state === 'failed') {
        this.state = 'stopped';
        this.failure = undefined;
        this.changed();
      }
      return false;
    }
    this.lastStats = safeStats(proxy);
    this.proxy = undefined;
    // Requests still being counted are recorded during close: they reach the recent list and
    // the last snapshot too.
    await proxy.close();
    this.lastStats = safeStats(proxy);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.store?.flush();
    this.state = 'stopped';
    this.deps.log('proxy stopped');
    this.changed();
    return true;
  }

  setBypass(on: boolean): void {
    this.bypass = on;
    this.proxy?.setBypass(on);
    this.deps.log(on ? 'compression paused: requests pass through unchanged' : 'compression resumed');
    this.changed();
  }

  /** Raw stats from the running proxy, or the last snapshot before it stopped. */
  rawStats(): unknown {
    if (this.proxy) this.lastStats = safeStats(this.proxy) ?? this.lastStats;
    return this.lastStats;
  }

  /**
   * With the proxy stopped (e.g. after a reload), rebuilds the stats from the request log in the
   * store, so the stats view shows past savings; a running proxy has its own.
   */
  async loadHistory(config: HeadroomConfig, limit = 10_000): Promise<void> {
    if (this.proxy || this.lastStats !== undefined) return;
    const store = await this.openStore(config);
    const records = (store.listRequests?.({ limit }) ?? []) as RequestRecord[];
    if (this.proxy || this.lastStats !== undefined) return;
    const agg = new StatsAggregator();
    // Oldest first, as the proxy adds them.
    for (let i = records.length - 1; i >= 0; i--) {
      try {
        agg.add(records[i]);
      } catch {
        // a record of an older shape: skip it
      }
    }
    this.lastStats = agg.snapshot();
    if (this.recent.length === 0) this.recent = records.slice(0, ProxyController.RECENT_LIMIT);
    this.changed();
  }

  /** The compressed text the proxy sent for an original, kept in the store's memo. */
  async compressedText(config: HeadroomConfig, contentHash: string): Promise<string | undefined> {
    const store = await this.openStore(config);
    return (await this.deps.backend()).compressedText(store, contentHash);
  }

  /**
   * One tool output compressed as the proxy compresses it (the same stored decision, so the same
   * bytes), for requests that go straight to the provider; unchanged while compression is off.
   */
  async compressToolOutput(config: HeadroomConfig, text: string, query: string | undefined): Promise<string> {
    if (this.bypass) return text;
    const store = await this.openStore(config);
    return (await this.deps.backend()).compressToolOutput(store, text, query, proxyConfig(config));
  }

  /** Recent request records, newest first. */
  recentRecords(): readonly unknown[] {
    return this.recent;
  }

  view(now = Date.now()): StatsView {
    return toStatsView(this.rawStats(), {
      running: this.state === 'running',
      bypass: this.bypass,
      url: this.proxy?.url,
      failed: this.state === 'failed' ? this.failure : undefined,
      now,
      recent: this.recent,
    });
  }

  async dispose(): Promise<void> {
    await this.stop().catch((e) => this.deps.log(`stop failed: ${e}`));
    const store = this.store;
    this.store = undefined;
    await store?.close();
  }
}

/** Whether a Headroom proxy answers /health on this loopback port. */
async function isHeadroomProxy(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await r.json()) as { service?: unknown };
    return r.ok && body.service === 'headroom';
  } catch {
    return false;
  }
}

function safeStats(proxy: ProxyHandleLike): unknown {
  try {
    return proxy.stats();
  } catch {
    return undefined;
  }
}

/** The proxy's config from the extension settings; fields the proxy does not know are ignored by it. */
export function proxyConfig(c: HeadroomConfig): Record<string, unknown> {
  return {
    minBytes: c.minBytes,
    errorMinBytes: c.errorMinBytes,
    excludeTools: [...DEFAULT_EXCLUDED_TOOLS, ...c.excludeTools],
    retrieval: c.retrieval,
    prices: c.prices,
  };
}
