/**
 * Token counting for accounting, off the request path. js-tiktoken encodes roughly 0.5 MB/s, so a
 * large first-seen output costs about a second of CPU: counting runs in a worker thread when the
 * tokenizer package can be loaded there, and otherwise on the main thread in small slices that
 * yield to the event loop between them. Counts are memoized by content hash.
 */
import { Worker } from 'node:worker_threads';
import { ccrHash } from '../engine/hash';
import { countTokens, countWithLongRuns, tokenizerFor } from '../engine/tokens';

/** Characters per slice: a few ms of encoding, so the worker soon notices the request path at work. */
const SLICE = 2 * 1024;
const MEMO_MAX = 20_000;
/** Past this many characters waiting to be counted, new texts are estimated instead (labelled so). */
const BACKLOG_MAX = 4 * 1024 * 1024;
/** Characters per token used for estimates (code and logs run about 3-4). */
const CHARS_PER_TOKEN = 3.5;
/** The worker (and the ~50 MB its tokenizer tables take) is released after this long without work. */
const WORKER_IDLE_MS = 30_000;
/**
 * The worker's heap: the tables take ~35 MB; a small young generation keeps the garbage of
 * encoding from growing the worker's memory (V8's default lets it take ~50 MB more for no gain).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 160 };

export interface TokenCount {
  n: number;
  estimated: boolean;
}

/**
 * Where to cut a text so that counts add up exactly: after a newline that ends a run of whitespace
 * holding no other newline, where the next line has text and does not start with '/'. For cl100k
 * and o200k that is always a pre-tokenizer boundary (BPE never merges across it): a whitespace
 * pre-token ends at the last newline of its run, and o200k lets punctuation absorb a following
 * newline and '/' (`{\n//` is one pre-token). Slices keep the encoder's working memory small.
 */
function nextCut(text: string, from: number, slice: number): number {
  let i = from + slice;
  while (i < text.length) {
    const nl = text.indexOf('\n', i);
    if (nl === -1 || nl + 1 >= text.length) return text.length;
    let j = nl + 1;
    while (j < text.length && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
    const c = text.charCodeAt(j);
    if (j < text.length && c !== 10 && c !== 13 && !(j === nl + 1 && c === 47)) return nl + 1;
    i = nl + 1;
  }
  return text.length;
}

/** Nice value of the counting thread (Linux only). */
const WORKER_NICE = 10;
/**
 * While the request path works (see `hold`), the worker waits between slices, at most this long
 * at a time, so under constant traffic counting still moves on (and its backlog bound applies).
 */
const MAX_DEFER_MS = 50;

/** A text whose tokens the worker checks its encoders against. */
export const WORKER_PROBE = 'Grüße 👋 hello world\n  indented {"a": 1} 日本語 <|endoftext|>';

/**
 * The worker builds its encoders itself: js-tiktoken's constructor also builds a rank -> bytes map
 * for decode() (100k small typed arrays, ~30 MB at its peak) that counting never uses. The lean
 * build fills the same fields the constructor fills (js-tiktoken 1.0.21) and checks itself on a
 * probe text against the library's tokens for it; on a mismatch the worker uses the library's.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// Counting is accounting: on Linux, where the nice value is per thread, this thread yields the CPU
// to the proxy's request thread (elsewhere it would apply to the whole process, so it is not set).
if (process.platform === 'linux') {
  try { require('node:os').setPriority(${WORKER_NICE}); } catch {}
}
const { Tiktoken } = require(workerData.lite);
const encoders = {};
const PROBE = ${JSON.stringify(WORKER_PROBE)};
function lean(ranks) {
  const e = Object.create(Tiktoken.prototype);
  e.patStr = ranks.pat_str;
  e.textEncoder = new TextEncoder();
  e.textDecoder = new TextDecoder('utf-8');
  e.rankMap = new Map();
  e.textMap = new Map();
  for (const line of ranks.bpe_ranks.split('\\n')) {
    if (!line) continue;
    const parts = line.split(' ');
    const offset = Number.parseInt(parts[1], 10);
    for (let i = 2; i < parts.length; i++) e.rankMap.set(Buffer.from(parts[i], 'base64').join(','), offset + i - 2);
  }
  e.specialTokens = { ...ranks.special_tokens };
  e.inverseSpecialTokens = {};
  for (const [text, rank] of Object.entries(e.specialTokens)) e.inverseSpecialTokens[rank] = e.textEncoder.encode(text);
  return e;
}
function encoder(name) {
  if (!encoders[name]) {
    const m = require(workerData.ranks[name]);
    const ranks = m.default || m;
    let e = null;
    try {
      e = lean(ranks);
      // The library's own tokens for PROBE; a lean encoder that disagrees is not used.
      if (e.encode(PROBE, 'all').join(',') !== workerData.probe[name]) e = null;
    } catch {
      e = null;
    }
    if (!e) e = new Tiktoken(ranks);
    encoders[name] = e;
  }
  return encoders[name];
}
const nextCut = ${nextCut.toString()};
const countWithLongRuns = ${countWithLongRuns.toString()};
const held = new Int32Array(workerData.held);
function waitForRequestPath() {
  const until = Date.now() + workerData.maxDeferMs;
  for (let v; (v = Atomics.load(held, 0)) > 0; ) {
    const left = until - Date.now();
    if (left <= 0) return;
    Atomics.wait(held, 0, v, left);
  }
}
parentPort.on('message', (m) => {
  try {
    let n = 0;
    for (let at = 0; at < m.text.length; ) {
      waitForRequestPath();
      const end = nextCut(m.text, at, ${SLICE});
      const enc = encoder(m.encoding);
      n += countWithLongRuns(m.text.slice(at, end), (s) => (s.length ? enc.encode(s, 'all').length : 0));
      at = end;
    }
    parentPort.postMessage({ id: m.id, n: m.factor === 1 ? n : Math.ceil(n * m.factor) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

/** js-tiktoken 1.0.21's tokens for the worker's probe text. */
export const PROBE_TOKENS = {
  cl100k_base: '6600,2448,24352,62904,233,24748,1917,198,220,1280,16243,5324,64,794,220,16,92,76502,22656,45918,252,220,100257',
  o200k_base: '3193,572,13153,61138,233,40617,2375,198,220,1383,23537,10494,64,1243,220,16,92,17428,40909,220,199999',
};

function workerPaths(): { lite: string; ranks: Record<string, string>; probe: Record<string, string> } | null {
  try {
    return {
      probe: PROBE_TOKENS,
      lite: require.resolve('js-tiktoken/lite'),
      ranks: {
        cl100k_base: require.resolve('js-tiktoken/ranks/cl100k_base'),
        o200k_base: require.resolve('js-tiktoken/ranks/o200k_base'),
      },
    };
  } catch {
    return null;
  }
}

export class TokenCounter {
  private readonly memo = new Map<string, number>();
  private worker: Worker | null = null;
  private workerFailed = false;
  private closed = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();
  private backlog = 0;
  private readonly inflight = new Map<string, Promise<TokenCount>>();
  private idleTimer: NodeJS.Timeout | null = null;
  /** How many requests the proxy is working on right now (shared with the worker). */
  private readonly held = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly useWorker = true,
    private readonly maxDeferMs = MAX_DEFER_MS,
  ) {}

  /**
   * The request path is at work (a body being read and rewritten): on a machine with few cores the
   * worker would take CPU from it, so counting pauses between slices until every hold is released.
   * Returns the release (safe to call more than once).
   */
  hold(): () => void {
    Atomics.add(this.held, 0, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (Atomics.sub(this.held, 0, 1) === 1) Atomics.notify(this.held, 0);
    };
  }

  /**
   * Tokens of a text for a model, memoized by content hash; concurrent requests for the same text
   * share one count. `text` may be a function that produces it (then `hash` is required), so a
   * caller whose count is already known or in flight never builds the string. Estimated (and
   * labelled so) when counting is backed up.
   */
  async count(text: string | (() => string), model: string | undefined, hash?: string): Promise<TokenCount> {
    if (typeof text === 'string' && text.length === 0) return { n: 0, estimated: false };
    const key = `${tokenizerFor(model).label}|${hash ?? ccrHash(text as string)}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return { n: hit, estimated: false };
    const running = this.inflight.get(key);
    if (running) return running;
    const t = typeof text === 'function' ? text() : text;
    // Only the length is used after the wait, so the wait does not keep the text (see countNow).
    const length = t.length;
    if (length === 0) return { n: 0, estimated: false };
    // Backed up, or closed (the proxy is shutting down and will not wait for a count).
    if (this.closed || this.backlog + length > BACKLOG_MAX) return { n: Math.ceil(length / CHARS_PER_TOKEN), estimated: true };
    this.backlog += length;
    const p = this.countNow(t, model);
    this.inflight.set(key, p);
    let c: TokenCount;
    try {
      c = await p;
    } finally {
      this.backlog -= length;
      this.inflight.delete(key);
    }
    if (c.estimated) return c;
    if (this.memo.size >= MEMO_MAX) this.memo.delete(this.memo.keys().next().value as string);
    this.memo.set(key, c.n);
    return c;
  }

  /**
   * Once the text is posted to the worker nothing here holds it, so a burst's originals do not
   * stay in the main heap while the worker works through them; if the worker dies meanwhile, the
   * count is estimated (and labelled so).
   */
  private async countNow(text: string, model: string | undefined): Promise<TokenCount> {
    const w = this.getWorker();
    if (!w) return { n: await countSliced(text, model), estimated: false };
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    const length = text.length;
    try {
      return { n: await this.inWorker(w, text, model), estimated: false };
    } catch {
      return { n: Math.ceil(length / CHARS_PER_TOKEN), estimated: true };
    }
  }

  /** A memoized count, without counting. */
  peek(model: string | undefined, hash: string): number | undefined {
    return this.memo.get(`${tokenizerFor(model).label}|${hash}`);
  }

  /** Stops the worker; counts in flight and any asked for later are estimated (labelled so). */
  close(): void {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const w = this.worker;
    this.worker = null;
    this.workerFailed = true;
    for (const p of this.pending.values()) p.reject(new Error('token counter closed'));
    this.pending.clear();
    if (w) void w.terminate();
  }

  private getWorker(): Worker | null {
    if (this.worker || this.workerFailed || !this.useWorker) return this.worker;
    const paths = workerPaths();
    if (!paths) {
      this.workerFailed = true;
      return null;
    }
    try {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...paths, held: this.held.buffer, maxDeferMs: this.maxDeferMs }, resourceLimits: WORKER_LIMITS });
      w.on('message', (m: { id: number; n?: number; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined || m.n === undefined) p.reject(new Error(m.error ?? 'no count'));
        else p.resolve(m.n);
        if (this.pending.size === 0) {
          w.unref();
          this.scheduleIdleStop();
        }
      });
      w.on('error', () => this.failWorker());
      w.on('exit', () => {
        if (this.worker === w) this.failWorker();
      });
      // After the listeners (adding a 'message' listener refs the worker's port again).
      w.unref();
      this.worker = w;
      return w;
    } catch {
      this.workerFailed = true;
      return null;
    }
  }

  private scheduleIdleStop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      const w = this.worker;
      if (!w || this.pending.size > 0) return;
      // Idle: let it go; the next count starts a new one.
      this.worker = null;
      void w.terminate();
    }, WORKER_IDLE_MS);
    this.idleTimer.unref();
  }

  private failWorker(): void {
    this.worker = null;
    this.workerFailed = true;
    for (const p of this.pending.values()) p.reject(new Error('token worker stopped'));
    this.pending.clear();
  }

  private inWorker(w: Worker, text: string, model: string | undefined): Promise<number> {
    const t = tokenizerFor(model);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Unref'd when idle; a count in flight keeps the process alive until it is answered.
      if (this.pending.size === 0) w.ref();
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, text, encoding: t.encoding, factor: t.factor });
    });
  }
}

/** Main-thread fallback: slices cut at line ends, yielding to the event loop between slices. */
export async function countSliced(text: string, model: string | undefined): Promise<number> {
  const t = tokenizerFor(model);
  let raw = 0;
  for (let at = 0; at < text.length; ) {
    const end = nextCut(text, at, SLICE);
    // Raw counts per slice (factor 1), scaled once at the end.
    raw += countTokens(text.slice(at, end), t.encoding === 'cl100k_base' ? 'gpt-4' : 'gpt-4o');
    at = end;
    if (at < text.length) await new Promise<void>((r) => setImmediate(r));
  }
  return t.factor === 1 ? raw : Math.ceil(raw * t.factor);
}
