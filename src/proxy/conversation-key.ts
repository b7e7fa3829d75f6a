/**
 * What identifies a conversation across its turns, from bytes that stay put while it grows: the
 * system prompt (or instructions), the tool definitions and its first two messages (none for a
 * Responses request chained with previous_response_id, which resends only its new items). Used to
 * keep the headroom_retrieve tool on every later request of a conversation that was given it.
 */
import { createHash } from 'node:crypto';
import type { Api } from './extract';
import { member } from './json-scan';
import type { JsonObject } from './json-scan';
import { nodeDigest } from './scan-cache';

export function conversationKey(api: Api, buf: Buffer, root: JsonObject): string {
  const list = member(root, api === 'responses' ? 'input' : 'messages');
  const chained = api === 'responses' && member(root, 'previous_response_id')?.type === 'string';
  const first = list?.type === 'array' && !chained ? list.items.slice(0, 2) : [];
  const parts = [member(root, 'system'), member(root, 'instructions'), member(root, 'tools'), ...first];
  const h = createHash('sha256').update(api);
  for (const p of parts) h.update(p ? nodeDigest(buf, p) : '-');
  return h.digest('base64url');
}
