/**
 * Retrieve calls a Responses turn made that the client never saw: a mixed turn (the client's own
 * tools called too) or one past the round limit. With server-side state (`previous_response_id`:
 * `store: true`, or a WebSocket connection) that response stays part of the conversation, and the
 * provider refuses a continuation that leaves one of its calls without an output; the client sends
 * outputs for its own calls only. So the proxy answers ours in the request that continues it.
 */
import type { RetrieveCall } from './types';

const MAX_RESPONSES = 1000;

export class OwedAnswers {
  private readonly byResponse = new Map<string, RetrieveCall[]>();

  record(unanswered: { responseId?: unknown; calls: RetrieveCall[] } | undefined): void {
    const { responseId, calls } = unanswered ?? {};
    if (typeof responseId !== 'string' || !calls?.length) return;
    if (this.byResponse.size >= MAX_RESPONSES) this.byResponse.delete(this.byResponse.keys().next().value as string);
    this.byResponse.set(responseId, calls);
  }

  /** Kept after use: a retried request, or another branch from the same response, needs them too. */
  get(responseId: string): RetrieveCall[] | undefined {
    return this.byResponse.get(responseId);
  }
}
