/**
 * Worker threads that compress tool outputs alongside the request thread, so a request that brings
 * many unseen outputs (a new or resumed session) is compressed on more than one core.
 *
 * Every worker gets the whole list; the request thread and the workers then go through it in the
 * same order (newest output first, as the time budget wants), each claiming the next unclaimed job
 * with an atomic compare-and-swap on a shared array. The work balances itself: a worker that is
 * still starting, busy with another request or slow to warm up simply claims fewer jobs, and the
 * request thread never waits for a job nobody has started.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ContentKind } from '../engine/types';

export const UNCLAIMED = 0;
export const CLAIMED_HERE = 1;
/** Worker k claims with FIRST_WORKER_CLAIM + k. */
export const FIRST_WORKER_CLAIM = 2;

/** What the request thread posts to every worker for one request. */
export interface BatchMessage {
  batch: number;
  texts: string[];
  query?: string;
  model?: string;
  /** Wall-clock deadline (Date.now() based: workers have their own performance clock). */
  deadline: number;
  claims: SharedArrayBuffer;
  claim: number;
}

/** What a worker posts once it can take jobs. */
export const READY = 'ready';

/** What a worker posts back for each job it claimed. */
export interface JobReply {
  batch: number;
  index: number;
  /** The compressed text; absent when the engine left the output alone. */
  text?: string;
  kind?: ContentKind;
  unchanged?: string;
  /** Originals the engine stored for its markers: [hash, text, kind]. */
  originals: Array<[string, string, ContentKind]>;
}

/** A worker's result for one job, or null when the worker died or overran the deadline. */
export type PoolResult = Omit<JobReply, 'batch' | 'index'> | null;

/** After the budget's deadline a worker gets this long to answer before it is replaced. */
const GRACE_MS = 2_000;
/** Workers that die this many times are not started again. */
const MAX_RESTARTS = 3;
/**
 * A worker's heap. The young generation is kept small: the engine's garbage is short-lived, and
 * V8's default would let each worker take tens of megabytes more for no speed.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 1024 };

/** Default worker count: one core stays with the request thread, at most three helpers. */
export function defaultCompressWorkers(): number {
  return Math.max(0, Math.min(3, availableParallelism() - 1));
}

/**
 * The worker's script: dist/compress-worker.js beside the bundle, or the TypeScript source when
 * running from src/ under tsx (tests), or none (then everything runs on the request thread).
 */
function workerScript(): { file: string; eval: boolean } | null {
  const here = typeof __dirname === 'string' ? __dirname : undefined;
  if (!here) return null;
  const js = join(here, 'compress-worker.js');
  if (existsSync(js)) return { file: js, eval: false };
  const ts = join(here, 'compress-worker.ts');
  if (existsSync(ts)) return { file: `require('tsx/cjs'); require(${JSON.stringify(ts)});`, eval: true };
  return null;
}

interface Batch {
  results: Map<number, PoolResult>;
  claims: Int32Array;
  /** Called whenever a result arrives or a worker goes away. */
  wake: (() => void) | null;
}

export class CompressPool {
  private readonly workers: Array<Worker | null>;
  /** Workers that can take jobs now (texts are not copied to one that is still starting). */
  private readonly ready = new Set<Worker>();
  private readyWaiters: Array<() => void> = [];
  /** Jobs the workers have compressed so far. */
  workerJobs = 0;
  private readonly batches = new Map<number, Batch>();
  private nextBatch = 1;
  private restarts = 0;
  private closed = false;

  constructor(size: number, private readonly log: (line: string) => void = () => {}) {
    this.workers = new Array<Worker | null>(Math.max(0, size)).fill(null);
    for (let k = 0; k < this.workers.length; k++) this.start(k);
  }

  /** Resolves once at least one worker can take jobs (for tests and benchmarks). */
  whenReady(): Promise<void> {
    if (this.ready.size > 0) return Promise.resolve();
    const starting = this.workers.filter((w) => w !== null);
    for (const w of starting) w.ref();
    return new Promise<void>((r) => this.readyWaiters.push(r)).finally(() => starting.forEach((w) => w.unref()));
  }

  /**
   * Compresses `texts` here and in the workers. `here(i)` compresses job i on this thread; the
   * returned map holds the workers' results for the jobs they claimed.
   */
  async run(
    texts: string[], options: { query?: string; model?: string; deadline: number },
    here: (index: number) => void,
  ): Promise<Map<number, PoolResult>> {
    const claims = new Int32Array(new SharedArrayBuffer(4 * texts.length));
    const live = this.workers.map((w, k) => [w, k] as const).filter(([w]) => w !== null && this.ready.has(w));
    const batch: Batch = { results: new Map(), claims, wake: null };
    if (live.length > 0 && texts.length > 1) {
      const id = this.nextBatch++;
      this.batches.set(id, batch);
      const deadline = Date.now() + (options.deadline - performance.now());
      for (const [w, k] of live) {
        const message: BatchMessage = {
          batch: id, texts, query: options.query, model: options.model, deadline, claims: claims.buffer as SharedArrayBuffer,
          claim: FIRST_WORKER_CLAIM + k,
        };
        w!.postMessage(message);
      }
      // The workers are unref'd so an idle pool never keeps the process alive; while a batch is
      // out, its answers must.
      for (const [w] of live) w!.ref();
      try {
        this.claimAll(claims, here);
        await this.collect(batch, options.deadline);
      } finally {
        this.batches.delete(id);
        for (const [w] of live) w!.unref();
      }
    } else {
      this.claimAll(claims, here);
    }
    return batch.results;
  }

  close(): void {
    this.closed = true;
    for (const [k, w] of this.workers.entries()) {
      this.workers[k] = null;
      if (w) void w.terminate();
    }
    for (const b of this.batches.values()) b.wake?.();
  }

  private claimAll(claims: Int32Array, here: (index: number) => void): void {
    for (let i = 0; i < claims.length; i++) {
      if (Atomics.compareExchange(claims, i, UNCLAIMED, CLAIMED_HERE) === UNCLAIMED) here(i);
    }
  }

  /** Waits until every job a worker claimed has a result (null for a lost worker or a timeout). */
  private collect(batch: Batch, deadline: number): Promise<void> {
    const missing = () => {
      const out: number[] = [];
      for (let i = 0; i < batch.claims.length; i++) {
        if (batch.claims[i] !== CLAIMED_HERE && !batch.results.has(i)) out.push(i);
      }
      return out;
    };
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        // A worker past its deadline is stuck: its jobs fail open and it is replaced.
        for (const i of missing()) {
          batch.results.set(i, null);
          const k = batch.claims[i] - FIRST_WORKER_CLAIM;
          this.replace(k, 'did not answer in time');
        }
        settle();
      }, Math.max(0, deadline - performance.now()) + GRACE_MS);
      const settle = () => {
        for (const i of missing()) {
          const k = batch.claims[i] - FIRST_WORKER_CLAIM;
          if (this.closed || !this.workers[k]) batch.results.set(i, null);
        }
        if (missing().length > 0) return;
        clearTimeout(timer);
        batch.wake = null;
        resolve();
      };
      batch.wake = settle;
      settle();
    });
  }

  private start(k: number): void {
    const script = workerScript();
    if (!script || this.closed) return;
    let w: Worker;
    try {
      w = new Worker(script.file, { eval: script.eval, resourceLimits: WORKER_LIMITS });
    } catch (e) {
      this.log(`compression worker could not start: ${(e as Error).message}`);
      return;
    }
    w.on('message', (m: JobReply | typeof READY) => {
      if (m === READY) {
        this.ready.add(w);
        for (const r of this.readyWaiters.splice(0)) r();
        return;
      }
      this.workerJobs++;
      const batch = this.batches.get(m.batch);
      if (!batch) return;
      batch.results.set(m.index, { text: m.text, kind: m.kind, unchanged: m.unchanged, originals: m.originals });
      batch.wake?.();
    });
    w.on('error', (e) => this.log(`compression worker failed: ${e.message}`));
    w.on('exit', () => {
      this.ready.delete(w);
      if (this.workers[k] !== w) return;
      this.workers[k] = null;
      for (const b of this.batches.values()) b.wake?.();
      if (!this.closed && this.restarts++ < MAX_RESTARTS) this.start(k);
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    w.unref();
    this.workers[k] = w;
  }

  private replace(k: number, why: string): void {
    const w = this.workers[k];
    if (!w) return;
    this.log(`compression worker ${why}; replacing it`);
    // The exit handler starts the replacement.
    void w.terminate();
  }
}
