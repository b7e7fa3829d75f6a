/**
 * Numeric outliers: the entry of a frequent template whose duration is far above the template's
 * usual one (`took 12ms` a thousand times, then `took 5400ms`). Durations are read from the head
 * line; other numbers are ids and counters too often to judge.
 */
import type { Mined } from './miner';

const DURATION = /(\d+(?:\.\d+)?) ?(ms|msec|s|sec|secs|seconds|us|µs|m|min|mins)\b/;
const TO_MS: Record<string, number> = { ms: 1, msec: 1, s: 1000, sec: 1000, secs: 1000, seconds: 1000, us: 0.001, 'µs': 0.001, m: 60000, min: 60000, mins: 60000 };

/** A template needs this many timed entries before one of them can stand out. */
const MIN_TIMED = 20;
/** The slowest entry is an outlier at this many times the mean of the others... */
const FACTOR = 10;
/** ...and at least this many milliseconds slower. */
const MIN_GAP_MS = 100;

/** Duration in milliseconds carried by a line's start, or NaN. */
function durationOf(line: string): number {
  const m = DURATION.exec(line.length > 400 ? line.slice(0, 400) : line);
  return m ? Number(m[1]) * TO_MS[m[2]] : NaN;
}

/** Entry indexes of the slowest entry of every variant whose slowest entry is an outlier. */
export function durationOutliers(m: Mined): number[] {
  const n = m.variants.length;
  const timed = new Uint32Array(n);
  const sum = new Float64Array(n);
  const max = new Float64Array(n).fill(-1);
  const argmax = new Int32Array(n).fill(-1);
  // Only variants frequent enough to have a usual duration, and whose first line carries one, are read.
  const timedVariant = new Uint8Array(n);
  for (const va of m.variants) {
    if (va.count >= MIN_TIMED && !Number.isNaN(durationOf(m.lines[m.entries[va.first].start]))) timedVariant[va.id] = 1;
  }
  for (let e = 0; e < m.entries.length; e++) {
    const en = m.entries[e];
    const v = en.variant;
    if (!timedVariant[v]) continue;
    const d = durationOf(m.lines[en.start]);
    if (Number.isNaN(d)) continue;
    timed[v]++;
    sum[v] += d;
    if (d > max[v]) {
      max[v] = d;
      argmax[v] = e;
    }
  }
  const out: number[] = [];
  for (let v = 0; v < n; v++) {
    if (timed[v] < MIN_TIMED) continue;
    const othersMean = (sum[v] - max[v]) / (timed[v] - 1);
    if (max[v] >= FACTOR * othersMean && max[v] - othersMean >= MIN_GAP_MS) out.push(argmax[v]);
  }
  return out;
}
