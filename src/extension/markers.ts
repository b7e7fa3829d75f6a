/**
 * Finds `hash=<24 hex>` markers in editor text, for the code action, hover and CodeLens (pure).
 * Positions are zero-based line and UTF-16 column, as VS Code counts them.
 */

export interface MarkerSpan {
  hash: string;
  line: number;
  /** Start and end columns of the whole `hash=…` token. */
  start: number;
  end: number;
}

// Same shape as the engine's MARKER_HASH_RE, anchored so `xhash=` or a 25th hex digit does not count.
const HASH_TOKEN_RE = /(?<![0-9A-Za-z_])hash=([0-9a-f]{24})(?![0-9a-fA-F])/g;

/** Every marker on one line. */
export function markersInLine(text: string, line: number): MarkerSpan[] {
  const out: MarkerSpan[] = [];
  if (!text.includes('hash=')) return out;
  for (const m of text.matchAll(HASH_TOKEN_RE)) {
    out.push({ hash: m[1], line, start: m.index!, end: m.index! + m[0].length });
  }
  return out;
}

/** Every marker in a document, given as its lines. Stops after `limit` to bound work on huge files. */
export function markersInLines(lines: readonly string[], limit = 5000): MarkerSpan[] {
  const out: MarkerSpan[] = [];
  for (let i = 0; i < lines.length && out.length < limit; i++) {
    for (const span of markersInLine(lines[i], i)) {
      out.push(span);
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** The marker under a cursor column, if any (the end column counts, so a cursor right after the token works). */
export function markerAt(text: string, line: number, column: number): MarkerSpan | undefined {
  return markersInLine(text, line).find((s) => column >= s.start && column <= s.end);
}

/** A hash typed or pasted by the user: bare 24 hex, `hash=…`, or a whole marker line. */
export function parseHashInput(input: string): string | undefined {
  const trimmed = input.trim();
  if (/^[0-9a-f]{24}$/i.test(trimmed)) return trimmed.toLowerCase();
  const m = /hash=([0-9a-f]{24})(?![0-9a-f])/i.exec(trimmed);
  return m ? m[1].toLowerCase() : undefined;
}
