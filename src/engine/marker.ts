/** Markers announce every omission in place and name the stored original. */

export const MARKER_HASH_RE = /hash=([0-9a-f]{24})(?![0-9a-f])/g;

/** True when the text already carries one of our markers (retrieved or already-compressed content). */
export function hasMarker(text: string): boolean {
  MARKER_HASH_RE.lastIndex = 0;
  return MARKER_HASH_RE.test(text);
}

/** All hashes named by markers in the text, in order of first appearance. */
export function markerHashes(text: string): string[] {
  const seen = new Set<string>();
  // matchAll starts at the regex's lastIndex: from the start, whatever an earlier call left there.
  MARKER_HASH_RE.lastIndex = 0;
  for (const m of text.matchAll(MARKER_HASH_RE)) seen.add(m[1]);
  return [...seen];
}

/**
 * One marker line, e.g. `[… 45 lines omitted (120-164): 30× GET /health; hash=0a1b…]`.
 * `what` says what was left out; `detail` is optional context (kept short by the caller).
 */
export function omissionMarker(what: string, hash: string, detail?: string): string {
  return `[… ${what} omitted${detail ? `: ${detail}` : ''}; hash=${hash}]`;
}
