/**
 * Agents resend the whole conversation on every turn: each request body starts with the bytes of
 * the previous one. The proxy keeps the last few bodies with their scans and scans a new body only
 * from the last checkpoint inside the prefix it shares with one of them, so a turn costs the new
 * bytes, not the whole conversation again.
 */
import type { Turn } from './cache-watch';
import { createHash } from 'node:crypto';
import { scanJsonFrom } from './json-scan';
import type { JsonNode, Scan } from './json-scan';

/** Bodies kept (about one per conversation in flight). */
const KEEP = 4;
/** Larger bodies are scanned but not kept. */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;
/** Compared in blocks (one native call each) until the first block that differs. */
const BLOCK = 16 * 1024;

/** Digests of nodes' bytes. A node shared with an earlier scan stands for the same bytes, so its digest is not computed again. */
const digests = new WeakMap<JsonNode, string>();

export function nodeDigest(buf: Buffer, node: JsonNode): string {
  let d = digests.get(node);
  if (d === undefined) {
    d = createHash('sha256').update(buf.subarray(node.start, node.end)).digest('base64');
    digests.set(node, d);
  }
  return d;
}

/** Length of the common prefix of two buffers. */
export function commonPrefix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n) {
    const end = Math.min(n, i + BLOCK);
    if (a.compare(b, i, end, i, end) !== 0) break;
    i = end;
  }
  const end = Math.min(n, i + BLOCK);
  while (i < end && a[i] === b[i]) i++;
  return i;
}

/** Index of the last checkpoint whose position is before `limit`, or -1. */
function lastCheckpointBefore(scan: Scan, limit: number): number {
  let lo = 0;
  let hi = scan.checkpoints.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (scan.checkpoints[mid].pos < limit) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Where the conversation (`messages` or `input`) of a body ends: past its last element. */
function conversationEnd(root: JsonNode): number {
  if (root.type !== 'object') return Infinity;
  for (const [key, value] of root.entries) {
    if ((key === 'messages' || key === 'input') && value.type === 'array' && value.items.length > 0) return value.items[value.items.length - 1].end;
  }
  return Infinity;
}

export interface CachedScan {
  root: JsonNode;
  /** This body's turn. */
  turn: Turn;
  /** The turn of a kept body whose whole conversation this body resends (its previous turn). */
  previous?: Turn;
}

export class ScanCache {
  /** Most recently used last. */
  private readonly kept: Array<{ buf: Buffer; scan: Scan; turn: Turn; conversationEnd: number }> = [];

  scan(buf: Buffer): CachedScan {
    let best = -1;
    let bestPrefix = 0;
    for (let i = 0; i < this.kept.length; i++) {
      const p = commonPrefix(this.kept[i].buf, buf);
      if (p > bestPrefix) {
        best = i;
        bestPrefix = p;
      }
    }
    // A checkpoint is usable when every byte up to and including its position is shared: the
    // byte at `pos` ends a number or literal before it.
    const from = best >= 0 ? lastCheckpointBefore(this.kept[best].scan, bestPrefix) : -1;
    const scan = from >= 0 ? scanJsonFrom(buf, { checkpoints: this.kept[best].scan.checkpoints, index: from }) : scanJsonFrom(buf);
    // A body that repeats a kept one's whole conversation is its next turn (a subagent sharing
    // only the system prompt and tools is not).
    const previous = best >= 0 && bestPrefix >= this.kept[best].conversationEnd ? this.kept[best].turn : undefined;
    // The next turn of the same conversation takes its predecessor's place, and so does a longer
    // body sharing most of its bytes (an agent that rewrites its latest message each turn); a
    // shorter one (a subagent's first turn) leaves it for the conversation's next turn.
    const kept = best >= 0 ? this.kept[best].buf : undefined;
    if (kept && (previous || (bestPrefix * 2 >= kept.length && buf.length >= kept.length))) this.kept.splice(best, 1);
    const turn: Turn = {};
    if (buf.length <= MAX_KEPT_BYTES) {
      this.kept.push({ buf, scan, turn, conversationEnd: conversationEnd(scan.root) });
      if (this.kept.length > KEEP) this.kept.shift();
    }
    return { root: scan.root, turn, previous };
  }
}
