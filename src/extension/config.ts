/**
 * Typed view of the `headroom.*` settings (pure: reads through a small interface that
 * `vscode.workspace.getConfiguration('headroom')` satisfies). Values are validated and clamped,
 * so a bad setting falls back to its default instead of breaking the proxy.
 */

export interface ConfigReader {
  get<T>(key: string): T | undefined;
}

export interface ModelPrice {
  /** Dollars per million input tokens. */
  input: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
}

export interface HeadroomConfig {
  port: number;
  startWithVSCode: boolean;
  anthropicUpstream: string;
  openaiUpstream: string;
  /** Tool names added to the built-in exclusions (file reads, edits). */
  excludeTools: string[];
  minBytes: number;
  errorMinBytes: number;
  retrieval: boolean;
  storeTtlDays: number;
  storeMaxMB: number;
  prices: Record<string, ModelPrice>;
}

export const CONFIG_DEFAULTS: HeadroomConfig = {
  port: 8787,
  startWithVSCode: true,
  anthropicUpstream: 'https://api.anthropic.com',
  openaiUpstream: 'https://api.openai.com',
  excludeTools: [],
  minBytes: 1500,
  errorMinBytes: 8000,
  retrieval: true,
  storeTtlDays: 7,
  storeMaxMB: 256,
  prices: {},
};

/** The setting keys under `headroom.` for each field, as contributed in package.json. */
export const CONFIG_KEYS: Record<keyof HeadroomConfig, string> = {
  port: 'proxy.port',
  startWithVSCode: 'proxy.startWithVSCode',
  anthropicUpstream: 'upstream.anthropic',
  openaiUpstream: 'upstream.openai',
  excludeTools: 'compression.excludeTools',
  minBytes: 'compression.minBytes',
  errorMinBytes: 'compression.errorMinBytes',
  retrieval: 'compression.retrieval',
  storeTtlDays: 'store.ttlDays',
  storeMaxMB: 'store.maxSizeMB',
  prices: 'prices',
};

function int(v: unknown, min: number, max: number, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

function positive(v: unknown, max: number, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= max ? v : fallback;
}

function httpUrl(v: unknown, fallback: string): string {
  if (typeof v !== 'string' || !v.trim()) return fallback;
  try {
    const u = new URL(v.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? v.trim().replace(/\/+$/, '') : fallback;
  } catch {
    return fallback;
  }
}

function prices(v: unknown): Record<string, ModelPrice> {
  const out: Record<string, ModelPrice> = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [model, p] of Object.entries(v as Record<string, unknown>)) {
    if (typeof p !== 'object' || p === null) continue;
    const r = p as Record<string, unknown>;
    if (typeof r.input !== 'number' || !(r.input >= 0)) continue;
    const price: ModelPrice = { input: r.input };
    for (const k of ['output', 'cacheRead', 'cacheWrite'] as const) if (typeof r[k] === 'number' && (r[k] as number) >= 0) price[k] = r[k] as number;
    out[model] = price;
  }
  return out;
}

export function readConfig(reader: ConfigReader): HeadroomConfig {
  const d = CONFIG_DEFAULTS;
  const k = CONFIG_KEYS;
  const tools = reader.get<unknown>(k.excludeTools);
  return {
    port: int(reader.get(k.port), 0, 65535, d.port),
    startWithVSCode: typeof reader.get(k.startWithVSCode) === 'boolean' ? reader.get<boolean>(k.startWithVSCode)! : d.startWithVSCode,
    anthropicUpstream: httpUrl(reader.get(k.anthropicUpstream), d.anthropicUpstream),
    openaiUpstream: httpUrl(reader.get(k.openaiUpstream), d.openaiUpstream),
    excludeTools: Array.isArray(tools) ? tools.filter((t): t is string => typeof t === 'string' && t.length > 0) : d.excludeTools,
    minBytes: int(reader.get(k.minBytes), 0, 1 << 30, d.minBytes),
    errorMinBytes: int(reader.get(k.errorMinBytes), 0, 1 << 30, d.errorMinBytes),
    retrieval: typeof reader.get(k.retrieval) === 'boolean' ? reader.get<boolean>(k.retrieval)! : d.retrieval,
    storeTtlDays: positive(reader.get(k.storeTtlDays), 3650, d.storeTtlDays),
    storeMaxMB: positive(reader.get(k.storeMaxMB), 1 << 20, d.storeMaxMB),
    prices: prices(reader.get(k.prices)),
  };
}

/** Settings whose change needs a proxy restart to take effect (all the proxy reads when it starts). */
export function needsRestart(a: HeadroomConfig, b: HeadroomConfig): boolean {
  const { startWithVSCode: _a, ...proxyA } = a;
  const { startWithVSCode: _b, ...proxyB } = b;
  return JSON.stringify(proxyA) !== JSON.stringify(proxyB);
}
