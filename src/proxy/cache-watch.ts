/**
 * Watches the providers' prompt caches across the turns of a conversation. A turn that resends the
 * whole previous conversation within the cache's lifetime should read back at least what the
 * previous turn left cached (its cache reads plus writes); reading clearly less means the cached
 * prefix changed or was dropped (a "cache bust"), which costs a new cache write. The proxy never
 * changes bytes it sent before, so a bust points at the client or the provider, and showing it is
 * part of honest accounting.
 */
import type { Usage } from './usage';

/** Providers keep an unused prompt cache for five minutes by default (Anthropic and OpenAI). */
export const CACHE_LIFETIME_MS = 5 * 60 * 1000;
/** Below this many cached tokens there is nothing worth judging (providers cache from 1,024). */
const MIN_CACHED = 1024;
/** Share of the expected cached tokens a turn must read back. */
const READ_BACK = 0.95;

/** What one turn left in the provider's cache. */
export interface TurnCache {
  model: string | undefined;
  at: number;
  /** Tokens cached after the turn: its cache reads plus cache writes. */
  cached: number;
}

/** A request body's place in its conversation: filled in once the provider's usage is known. */
export interface Turn {
  cache?: TurnCache;
}

export interface CacheBust {
  /** Tokens the previous turn left cached. */
  expected: number;
  /** Tokens this turn read from the cache. */
  read: number;
}

/**
 * Records what `turn` left cached, and returns the bust when it read back clearly less than the
 * turn it continues (`previous`) had left, within the cache's lifetime and for the same model.
 */
export function watchCache(turn: Turn, previous: Turn | undefined, model: string | undefined, usage: Usage | undefined, now: number): CacheBust | undefined {
  if (!usage) return undefined;
  turn.cache = { model, at: now, cached: usage.cacheRead + usage.cacheWrite };
  const before = previous?.cache;
  if (!before || before.model !== model || now - before.at > CACHE_LIFETIME_MS || before.cached < MIN_CACHED) return undefined;
  if (usage.cacheRead >= before.cached * READ_BACK) return undefined;
  return { expected: before.cached, read: usage.cacheRead };
}
