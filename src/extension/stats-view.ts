/**
 * The stats the extension shows (status bar, tooltip, webview), normalised from whatever the proxy's
 * `stats()` snapshot and request records carry. Pure and defensive: a field the proxy does not
 * (yet) send shows as zero instead of breaking the view.
 */

export interface Totals {
  requests: number;
  tokensBefore: number;
  tokensAfter: number;
  tokensSaved: number;
  dollarsSaved: number;
  retrievals: number;
  retrievalMisses: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Turns that read back clearly less of the prompt cache than their previous turn had left. */
  cacheBusts: number;
  cacheBustTokens: number;
  msAddedAvg: number;
}

export interface Slice {
  name: string;
  requests: number;
  tokensBefore: number;
  tokensSaved: number;
}

export interface DayPoint {
  day: string; // YYYY-MM-DD
  requests: number;
  tokensBefore: number;
  tokensSaved: number;
  dollarsSaved: number;
}

export interface ToolResultRow {
  /** What the engine did ("logs:select", "json:table"), or empty when left alone. */
  strategy: string;
  kind: string;
  tokensBefore: number;
  tokensAfter: number;
  /** Why it was left alone ("too small", "excluded tool", …), when it was. */
  reason?: string;
  hashes: string[];
  tool?: string;
  bytesIn: number;
  bytesOut: number;
  replayed: boolean;
}

export interface RequestRow {
  id: string;
  time: number;
  agent: string;
  model: string;
  provider: string;
  tokensBefore: number;
  tokensAfter: number;
  msAdded: number;
  transforms: string[];
  leftAlone: string[];
  items: ToolResultRow[];
  /** The turn read back less of the prompt cache than its previous turn had left (tokens). */
  cacheBust?: { expected: number; read: number };
}

export interface StatsView {
  running: boolean;
  failed?: string;
  bypass: boolean;
  url?: string;
  total: Totals;
  today: Totals;
  byDay: DayPoint[];
  byKind: Slice[];
  byModel: Slice[];
  byAgent: Slice[];
  /** Why tool outputs were left alone, with counts (in `requests`). */
  leftAlone: Slice[];
  recent: RequestRow[];
}

export function emptyTotals(): Totals {
  return { requests: 0, tokensBefore: 0, tokensAfter: 0, tokensSaved: 0, dollarsSaved: 0, retrievals: 0, retrievalMisses: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheBusts: 0, cacheBustTokens: 0, msAddedAvg: 0 };
}

export function emptyStats(): StatsView {
  return { running: false, bypass: false, total: emptyTotals(), today: emptyTotals(), byDay: [], byKind: [], byModel: [], byAgent: [], leftAlone: [], recent: [] };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first finite number among the named fields (several spellings are accepted). */
function num(o: unknown, ...keys: string[]): number {
  if (!isObj(o)) return 0;
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return 0;
}

function str(o: unknown, ...keys: string[]): string {
  if (!isObj(o)) return '';
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string') return v;
  }
  return '';
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function toTotals(o: unknown): Totals {
  const before = num(o, 'tokensBefore', 'tokens_before', 'inputTokensBefore', 'before');
  const after = num(o, 'tokensAfter', 'tokens_after', 'inputTokensAfter', 'after');
  const savedField = num(o, 'tokensSaved', 'tokens_saved', 'saved');
  return {
    requests: num(o, 'requests', 'outputs', 'count'),
    tokensBefore: before,
    tokensAfter: after,
    tokensSaved: savedField || Math.max(0, before - after),
    dollarsSaved: num(o, 'dollarsSaved', 'dollars_saved', 'usdSaved', 'costSaved'),
    retrievals: num(o, 'retrievals', 'retrieved'),
    retrievalMisses: num(o, 'retrievalMisses', 'retrieval_misses', 'misses'),
    outputTokens: num(o, 'outputTokens'),
    cacheReadTokens: num(o, 'cacheReadTokens'),
    cacheWriteTokens: num(o, 'cacheWriteTokens'),
    cacheBusts: num(o, 'cacheBusts'),
    cacheBustTokens: num(o, 'cacheBustTokens'),
    msAddedAvg: num(o, 'msAddedAvg'),
  };
}

/** A breakdown given as `{name: totals}` or `[{name|key|kind|model|agent, …totals}]`, sorted by tokens saved. */
export function toSlices(v: unknown): Slice[] {
  const rows: Slice[] = [];
  const push = (name: string, o: unknown) => {
    const t = toTotals(o);
    rows.push({ name: name || 'unknown', requests: t.requests, tokensBefore: t.tokensBefore, tokensSaved: t.tokensSaved });
  };
  if (Array.isArray(v)) for (const o of v) push(str(o, 'name', 'key', 'kind', 'model', 'agent', 'day'), o);
  else if (isObj(v)) for (const [k, o] of Object.entries(v)) push(k, o);
  return rows.sort((a, b) => b.tokensSaved - a.tokensSaved || a.name.localeCompare(b.name));
}

export function toDays(v: unknown): DayPoint[] {
  const entries: Array<[string, unknown]> = Array.isArray(v) ? v.map((o) => [str(o, 'day', 'name', 'key'), o]) : isObj(v) ? Object.entries(v) : [];
  return entries
    .filter(([day]) => /^\d{4}-\d{2}-\d{2}$/.test(day))
    .map(([day, o]) => {
      const t = toTotals(o);
      return { day, requests: t.requests, tokensBefore: t.tokensBefore, tokensSaved: t.tokensSaved, dollarsSaved: t.dollarsSaved };
    })
    .sort((a, b) => a.day.localeCompare(b.day));
}

function toToolResult(o: unknown): ToolResultRow {
  const before = num(o, 'tokensIn', 'tokensBefore', 'tokens_before', 'before');
  const after = isObj(o) && (typeof o.tokensOut === 'number' || typeof o.tokensAfter === 'number') ? num(o, 'tokensOut', 'tokensAfter') : before;
  const reason = str(o, 'reason', 'leftAlone', 'unchanged', 'why');
  return {
    strategy: str(o, 'strategy', 'transform'),
    kind: str(o, 'kind'),
    tokensBefore: before,
    tokensAfter: after,
    reason: reason || undefined,
    hashes: strings(isObj(o) ? o.hashes : undefined),
    tool: str(o, 'tool', 'toolName') || undefined,
    bytesIn: num(o, 'bytesIn'),
    bytesOut: num(o, 'bytesOut') || num(o, 'bytesIn'),
    replayed: isObj(o) && o.replayed === true,
  };
}

export function toRequestRow(o: unknown, index = 0): RequestRow {
  const itemsRaw = isObj(o) ? (o.outputs ?? o.items ?? o.toolResults) : undefined;
  const items = Array.isArray(itemsRaw) ? itemsRaw.map(toToolResult) : [];
  const transforms = strings(isObj(o) ? o.transforms : undefined);
  const leftAlone = strings(isObj(o) ? (o.leftAlone ?? o.reasons) : undefined);
  for (const it of items) {
    const transform = it.strategy || (!it.reason && it.kind ? it.kind : '');
    if (transform && !transforms.includes(transform)) transforms.push(transform);
    if (it.reason && !leftAlone.includes(it.reason)) leftAlone.push(it.reason);
  }
  const time = num(o, 'time', 'ts', 'timestamp', 'startedAt', 'at');
  const bust = isObj(o) ? o.cacheBust : undefined;
  return {
    id: str(o, 'id', 'requestId') || `${time}-${index}`,
    time,
    agent: str(o, 'agent') || 'unknown',
    model: str(o, 'model') || 'unknown',
    provider: str(o, 'provider', 'api'),
    tokensBefore: num(o, 'tokensBefore', 'tokens_before', 'inputTokensBefore'),
    tokensAfter: num(o, 'tokensAfter', 'tokens_after', 'inputTokensAfter'),
    msAdded: num(o, 'msAdded', 'ms_added', 'addedMs', 'overheadMs'),
    transforms,
    leftAlone,
    items,
    ...(isObj(bust) ? { cacheBust: { expected: num(bust, 'expected'), read: num(bust, 'read') } } : {}),
  };
}

/** The UTC calendar day of a timestamp as YYYY-MM-DD (the proxy's by-day keys are UTC days). */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Normalises a proxy stats snapshot. `today` comes from the by-day breakdown when the snapshot has
 * no explicit `today` totals.
 */
export interface ViewState {
  running: boolean;
  bypass: boolean;
  url?: string;
  failed?: string;
  now?: number;
  /** Request records newest first, when the caller keeps them (the proxy snapshot has none). */
  recent?: unknown[];
}

export function toStatsView(raw: unknown, state: ViewState): StatsView {
  const o = isObj(raw) ? raw : {};
  const byDay = toDays(o.byDay ?? o.by_day ?? o.days);
  const todayKey = dayOf(state.now ?? Date.now());
  let today = isObj(o.today) ? toTotals(o.today) : emptyTotals();
  if (!isObj(o.today)) {
    const d = byDay.find((x) => x.day === todayKey);
    if (d) today = { ...today, requests: d.requests, tokensBefore: d.tokensBefore, tokensSaved: d.tokensSaved, tokensAfter: d.tokensBefore - d.tokensSaved, dollarsSaved: d.dollarsSaved };
  }
  const recentRaw = state.recent ?? o.recent ?? o.recentRequests;
  const total = toTotals(o.totals ?? o.total ?? o);
  // The proxy reports retrievals beside the totals as {count, misses}.
  if (isObj(o.retrievals)) {
    total.retrievals = num(o.retrievals, 'count');
    total.retrievalMisses = num(o.retrievals, 'misses');
  }
  return {
    running: state.running,
    failed: state.failed,
    bypass: state.bypass,
    url: state.url,
    total,
    leftAlone: isObj(o.leftAlone) ? toSlices(Object.fromEntries(Object.entries(o.leftAlone).map(([k, v]) => [k, { requests: v }]))) : [],
    today,
    byDay,
    byKind: toSlices(o.byKind ?? o.by_kind),
    byModel: toSlices(o.byModel ?? o.by_model),
    byAgent: toSlices(o.byAgent ?? o.by_agent),
    recent: Array.isArray(recentRaw) ? recentRaw.slice(0, 200).map(toRequestRow) : [],
  };
}
