/** Answers headroom_retrieve calls from the store. Retrieved text is returned as stored, never compressed. */
import { HASH_PATTERN } from '../../engine/hash';
import type { Store } from '../../store/types';
import { RETRIEVE_CUT_MESSAGE, RETRIEVE_EXHAUSTED_MESSAGE, RETRIEVE_MISS_MESSAGE } from '../retrieve-tool';
import type { RetrieveAnswer, RetrieveCall } from './types';

/**
 * Answers a round's retrieve calls from the store (or, once retrieval is exhausted, says so).
 * Real answers count in `stats` as retrievals and misses.
 */
export function answerCalls(store: Store, calls: RetrieveCall[], exhausted: boolean, stats?: { count: number; misses: number }): RetrieveAnswer[] {
  const answers = calls.map((c): RetrieveAnswer => {
    if (exhausted) return { id: c.id, text: RETRIEVE_EXHAUSTED_MESSAGE, miss: true };
    if (c.cut) return { id: c.id, text: RETRIEVE_CUT_MESSAGE, miss: true };
    const hash = c.hash.toLowerCase();
    const hit = HASH_PATTERN.test(hash) ? store.get(hash) : undefined;
    return hit ? { id: c.id, text: hit.text, miss: false } : { id: c.id, text: RETRIEVE_MISS_MESSAGE(c.hash), miss: true };
  });
  if (stats && !exhausted) countAnswers(stats, answers);
  return answers;
}

/** Counts answers given as retrievals, and their misses. */
export function countAnswers(stats: { count: number; misses: number }, answers: RetrieveAnswer[]): void {
  stats.count += answers.length;
  stats.misses += answers.filter((a) => a.miss).length;
}

/** Inserts bytes before the closing bracket of the array that ends at `arrayEnd` (exclusive). */
export function appendToArray(body: Buffer, arrayEnd: number, empty: boolean, items: string[]): Buffer {
  const close = arrayEnd - 1;
  const insert = Buffer.from((empty ? '' : ',') + items.join(','), 'utf8');
  return Buffer.concat([body.subarray(0, close), insert, body.subarray(close)]);
}
