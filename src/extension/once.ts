/**
 * Shows each distinct error at most once per window, so a failing proxy does not produce a stack
 * of identical toasts (pure; the caller supplies how to show).
 */
export class OnceNotifier {
  private readonly shown = new Map<string, number>();

  constructor(
    private readonly show: (message: string) => void,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Shows the message unless the same key was shown within the window; returns whether it showed. */
  notify(key: string, message: string): boolean {
    const t = this.now();
    const last = this.shown.get(key);
    if (last !== undefined && t - last < this.windowMs) return false;
    this.shown.set(key, t);
    this.show(message);
    return true;
  }

  /** Forget a key (e.g. after the problem was fixed, so a recurrence shows again). */
  reset(key: string): void {
    this.shown.delete(key);
  }
}
