/** A compression worker of the proxy's pool (see compress-pool.ts): claims jobs, compresses, replies. */
import { parentPort } from 'node:worker_threads';
import { compress } from '../engine/compress';
import { initCodeRuntime } from '../engine/code/prepare';
import type { ContentKind } from '../engine/types';
import { READY, UNCLAIMED } from './compress-pool';
import type { BatchMessage, JobReply } from './compress-pool';

const port = parentPort;
if (!port) throw new Error('compress-worker runs only as a worker thread');

// Code is parsed with tree-sitter here as on the request thread: no job is claimed before the
// runtime is up (the request thread takes them all meanwhile).
let queue: Promise<unknown> = initCodeRuntime().then(() => port.postMessage(READY));

port.on('message', (m: BatchMessage) => {
  queue = queue.then(() => runBatch(m));
});

function runBatch(m: BatchMessage): void {
  const claims = new Int32Array(m.claims);
  for (let i = 0; i < m.texts.length; i++) {
    if (Atomics.compareExchange(claims, i, UNCLAIMED, m.claim) !== UNCLAIMED) continue;
    let reply: JobReply;
    try {
      reply = compressJob(m, i);
    } catch {
      // compress() fails open by itself; this is only a last guard so the claim is answered.
      reply = { batch: m.batch, index: i, unchanged: 'error', originals: [] };
    }
    port!.postMessage(reply);
  }
}

function compressJob(m: BatchMessage, index: number): JobReply {
  const originals: Array<[string, string, ContentKind]> = [];
  const budgetMs = m.deadline - Date.now();
  if (budgetMs <= 0) return { batch: m.batch, index, unchanged: 'budget', originals };
  const sink = { put: (hash: string, text: string, kind: ContentKind) => void originals.push([hash, text, kind]) };
  const r = compress(m.texts[index], { store: sink, query: m.query, model: m.model, countTokens: false, budgetMs });
  const unchanged = r.report.unchanged;
  return unchanged
    ? { batch: m.batch, index, kind: r.report.kind, unchanged, originals: [] }
    : { batch: m.batch, index, kind: r.report.kind, text: r.text, originals };
}
