/**
 * Retrieve calls a Responses turn made that the client never saw: a mixed turn (the client's own
 * tools called too), one past the round limit, or one the provider cut short (incomplete; a call
 * whose arguments were cut off is answered as such, see RetrieveCall.cut). With server-side state
 * (`previous_response_id`: `store: true`, or a WebSocket connection) that response stays part of
 * the conversation, and the provider refuses a continuation that leaves one of its calls without
 * an output; the client sends outputs for its own calls only. So the proxy answers ours in the
 * request that continues it.
 */
import type { Store } from '../../store/types';
import type { RetrieveCall } from './types';

const MAX_RESPONSES = 1000;
/** Memo keys of owed calls: the proxy may restart (a settings change) while the client runs its own tools. */
const MEMO_PREFIX = 'owed:';

export class OwedAnswers {
  private readonly byResponse = new Map<string, RetrieveCall[]>();

  constructor(private readonly store?: Pick<Store, 'getMemo' | 'putMemo'>) {}

  record(unanswered: { responseId?: unknown; calls: RetrieveCall[] } | undefined): void {
    const { responseId, calls } = unanswered ?? {};
    if (typeof responseId !== 'string' || !calls?.length) return;
    if (this.byResponse.size >= MAX_RESPONSES) this.byResponse.delete(this.byResponse.keys().next().value as string);
    this.byResponse.set(responseId, calls);
    try {
      this.store?.putMemo(MEMO_PREFIX + responseId, JSON.stringify(calls.map((c) => ({ id: c.id, hash: c.hash, ...(c.cut ? { cut: true } : {}) }))));
    } catch {
      // A closed store: the calls are still owed from memory.
    }
  }

  /** Kept after use: a retried request, or another branch from the same response, needs them too. */
  get(responseId: string): RetrieveCall[] | undefined {
    const hit = this.byResponse.get(responseId);
    if (hit || !this.store) return hit;
    const stored = this.store.getMemo(MEMO_PREFIX + responseId);
    if (stored === undefined) return undefined;
    try {
      const calls = JSON.parse(stored) as unknown;
      if (!Array.isArray(calls)) return undefined;
      const valid = calls.filter((c): c is RetrieveCall => !!c && typeof c.id === 'string' && typeof c.hash === 'string');
      return valid.length ? valid.map((c) => ({ id: c.id, hash: c.hash, ...(c.cut === true ? { cut: true } : {}) })) : undefined;
    } catch {
      return undefined;
    }
  }
}
