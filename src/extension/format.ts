/** Human-readable numbers for the status bar, tooltip and stats view (pure; no vscode). */

/** 950 → "950", 12_345 → "12.3k", 1_234_567 → "1.2M", 3.4e9 → "3.4B". */
export function formatTokens(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  const units: Array<[number, string]> = [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, suffix] of units) {
    if (a >= size) {
      const v = a / size;
      // One decimal below 100 (1.2M, 12.3k), none above (123k); drop a trailing ".0".
      const text = v >= 100 ? Math.round(v).toString() : v.toFixed(1).replace(/\.0$/, '');
      // Rounding can carry into the next unit (999.96k → "1000k"); show it as the next unit.
      if (text === '1000' && suffix !== 'B') return formatTokens(sign ? -size * 1000 : size * 1000);
      return sign + text + suffix;
    }
  }
  return sign + Math.round(a).toString();
}

/** Dollars with cents below $100, whole dollars above; tiny amounts as "<$0.01". */
export function formatDollars(n: number): string {
  if (!Number.isFinite(n) || n === 0) return '$0.00';
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  if (a < 0.01) return `${sign}<$0.01`;
  if (a < 100) return `${sign}$${a.toFixed(2)}`;
  return `${sign}$${Math.round(a).toLocaleString('en-US')}`;
}

/** Share of tokens removed, as "73%"; "–" when nothing was seen. */
export function formatPercent(saved: number, before: number): string {
  if (!(before > 0)) return '–';
  return `${Math.round((100 * saved) / before)}%`;
}

/** "3 ms", "1.2 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
