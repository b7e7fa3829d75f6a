/**
 * Agents resend the whole conversation on every turn: each request body starts with the bytes of
 * the previous one. The proxy keeps the last few bodies with their scans and scans a new body only
 * from the last checkpoint inside the prefix it shares with one of them, so a turn costs the new
 * bytes, not the whole conversation again.
 */
import { scanJsonFrom } from './json-scan';
import type { JsonNode, Scan } from './json-scan';

/** Bodies kept (about one per conversation in flight). */
const KEEP = 4;
/** Larger bodies are scanned but not kept. */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;
/** Compared in blocks (one native call each) until the first block that differs. */
const BLOCK = 16 * 1024;

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

export class ScanCache {
  /** Most recently used last. */
  private readonly kept: Array<{ buf: Buffer; scan: Scan }> = [];

  scan(buf: Buffer): JsonNode {
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
    // The next turn of the same conversation takes its predecessor's place.
    if (best >= 0 && bestPrefix * 2 >= this.kept[best].buf.length) this.kept.splice(best, 1);
    if (buf.length <= MAX_KEPT_BYTES) {
      this.kept.push({ buf, scan });
      if (this.kept.length > KEEP) this.kept.shift();
    }
    return scan.root;
  }
}
