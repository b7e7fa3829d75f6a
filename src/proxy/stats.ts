/** Aggregates of request records for /stats: totals and breakdowns by day, model, agent and kind. */
import { served, type RequestRecord } from './record';

export interface Bucket {
  requests: number;
  compressedRequests: number;
  tokensBefore: number;
  tokensAfter: number;
  tokensSaved: number;
  tokensAdded: number;
  dollarsSaved: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Turns that read back clearly less of the prompt cache than their previous turn had left (see cache-watch.ts). */
  cacheBusts: number;
  /** Cached tokens those turns did not read back. */
  cacheBustTokens: number;
  msAddedTotal: number;
}

export interface KindBucket {
  outputs: number;
  compressed: number;
  bytesIn: number;
  bytesOut: number;
  tokensSaved: number;
}

export interface StatsSnapshot {
  since: number;
  totals: Bucket & { savedPercent: number; msAddedAvg: number };
  byDay: Record<string, Bucket>;
  byModel: Record<string, Bucket>;
  byAgent: Record<string, Bucket>;
  byKind: Record<string, KindBucket>;
  leftAlone: Record<string, number>;
  retrievals: { count: number; misses: number };
  errors: number;
  bypassed: number;
}

function emptyBucket(): Bucket {
  return {
    requests: 0, compressedRequests: 0, tokensBefore: 0, tokensAfter: 0, tokensSaved: 0, tokensAdded: 0, dollarsSaved: 0,
    inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheBusts: 0, cacheBustTokens: 0, msAddedTotal: 0,
  };
}

function add(b: Bucket, r: RequestRecord): void {
  b.requests++;
  if (r.tokensSaved > 0) b.compressedRequests++;
  b.tokensBefore += r.tokensBefore;
  b.tokensAfter += r.tokensAfter;
  b.tokensSaved += r.tokensSaved;
  b.tokensAdded += r.tokensAdded;
  b.dollarsSaved += r.dollarsSaved;
  b.msAddedTotal += r.msAdded;
  // What the provider billed: the client's request and the proxy's retrieval continuations.
  for (const u of [r.usage, r.retrievalUsage]) {
    if (!u) continue;
    b.inputTokens += u.input;
    b.outputTokens += u.output;
    b.cacheReadTokens += u.cacheRead;
    b.cacheWriteTokens += u.cacheWrite;
  }
  if (r.cacheBust) {
    b.cacheBusts++;
    b.cacheBustTokens += r.cacheBust.expected - r.cacheBust.read;
  }
}

export class StatsAggregator {
  private readonly since = Date.now();
  private readonly totals = emptyBucket();
  private readonly byDay = new Map<string, Bucket>();
  private readonly byModel = new Map<string, Bucket>();
  private readonly byAgent = new Map<string, Bucket>();
  private readonly byKind = new Map<string, KindBucket>();
  private readonly leftAlone = new Map<string, number>();
  private retrievals = 0;
  private misses = 0;
  private errors = 0;
  private bypassed = 0;

  add(r: RequestRecord): void {
    // /stats counts model traffic: pass-through calls that are not model calls (GET /v1/models,
    // count_tokens, other paths) stay in the request log but are not requests here.
    if (r.api === null) return;
    add(this.totals, r);
    add(dayBucket(this.byDay, new Date(r.ts).toISOString().slice(0, 10)), r);
    add(bucket(this.byModel, r.model ?? 'unknown'), r);
    add(bucket(this.byAgent, r.agent), r);
    // Kinds come from the engine and reasons from the proxy, but a record read back from the store
    // may carry anything: these maps are bounded like the others.
    // Outputs of a request the provider refused saved nothing (see the recorder).
    const billed = served(r.status);
    for (const o of billed ? r.outputs : []) {
      if (o.reason) {
        const reason = this.leftAlone.has(o.reason) || this.leftAlone.size < MAX_KEYS ? o.reason : OTHER;
        this.leftAlone.set(reason, (this.leftAlone.get(reason) ?? 0) + 1);
      }
      const kind = o.kind ?? 'unknown';
      const k = this.byKind.has(kind) || this.byKind.size < MAX_KEYS ? kind : OTHER;
      let kb = this.byKind.get(k);
      if (!kb) this.byKind.set(k, (kb = { outputs: 0, compressed: 0, bytesIn: 0, bytesOut: 0, tokensSaved: 0 }));
      kb.outputs++;
      if (!o.reason) kb.compressed++;
      kb.bytesIn += o.bytesIn;
      kb.bytesOut += o.bytesOut;
      if (o.tokensIn !== undefined && o.tokensOut !== undefined) kb.tokensSaved += o.tokensIn - o.tokensOut;
    }
    this.retrievals += r.retrievals;
    this.misses += r.retrievalMisses;
    if (r.error || r.status >= 500) this.errors++;
    if (r.bypass) this.bypassed++;
  }

  snapshot(): StatsSnapshot {
    const t = this.totals;
    return {
      since: this.since,
      totals: {
        ...t,
        dollarsSaved: round(t.dollarsSaved),
        savedPercent: t.tokensBefore ? round((100 * t.tokensSaved) / t.tokensBefore) : 0,
        msAddedAvg: t.requests ? round(t.msAddedTotal / t.requests) : 0,
      },
      byDay: fromMap(this.byDay),
      byModel: fromMap(this.byModel),
      byAgent: fromMap(this.byAgent),
      byKind: Object.fromEntries(this.byKind),
      leftAlone: Object.fromEntries(this.leftAlone),
      retrievals: { count: this.retrievals, misses: this.misses },
      errors: this.errors,
      bypassed: this.bypassed,
    };
  }
}

/**
 * Keys of one breakdown, at most: model names come from clients' request bodies (and agents from
 * their user agents), so a long-running proxy would otherwise keep a bucket for every name it was
 * ever sent. Past the limit, new names share the OTHER bucket.
 */
export const MAX_KEYS = 200;
export const OTHER = '(other)';

/** Days of the time series kept (the oldest goes first). */
export const MAX_DAYS = 400;

function bucket(map: Map<string, Bucket>, key: string): Bucket {
  let b = map.get(key);
  if (b) return b;
  if (map.size >= MAX_KEYS) {
    key = OTHER;
    b = map.get(key);
    if (b) return b;
  }
  map.set(key, (b = emptyBucket()));
  return b;
}

function dayBucket(map: Map<string, Bucket>, day: string): Bucket {
  let b = map.get(day);
  if (b) return b;
  if (map.size >= MAX_DAYS) {
    let oldest = day;
    for (const k of map.keys()) if (k < oldest) oldest = k;
    // A day older than every kept one is counted in the totals only.
    if (oldest === day) return emptyBucket();
    map.delete(oldest);
  }
  map.set(day, (b = emptyBucket()));
  return b;
}

function fromMap(map: Map<string, Bucket>): Record<string, Bucket> {
  const out: Record<string, Bucket> = {};
  for (const [k, b] of map) out[k] = { ...b, dollarsSaved: round(b.dollarsSaved) };
  return out;
}

function round(n: number): number {
  return Math.round(n * 10000) / 10000;
}
