/**
 * Runs `fn` at most once per `intervalMs`: the first call runs at once, calls inside the window
 * collapse into one trailing run at the window's end (so the last state always shows).
 * Timers are injectable so tests can drive time by hand.
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface Throttled {
  (): void;
  /** Cancels a pending trailing run. */
  cancel(): void;
}

export function throttle(fn: () => void, intervalMs: number, timers: Timers = realTimers): Throttled {
  let last = -Infinity;
  let pending: unknown = undefined;
  const run = () => {
    pending = undefined;
    last = timers.now();
    fn();
  };
  const throttled = (() => {
    if (pending !== undefined) return;
    const wait = last + intervalMs - timers.now();
    if (wait <= 0) run();
    else pending = timers.setTimeout(run, wait);
  }) as Throttled;
  throttled.cancel = () => {
    if (pending !== undefined) timers.clearTimeout(pending);
    pending = undefined;
  };
  return throttled;
}
