/**
 * The headroom_retrieve tool definition, in fixed bytes per API, and where it goes: appended after
 * the client's last tool (or as the only tool). It is injected whenever a request carries one of
 * our markers, so once a conversation had compressed output every later request carries it too,
 * byte-identical and at the same position: the tool list never flips.
 */
import type { Api, RequestShape } from './extract';
import { RETRIEVE_TOOL_NAME } from './extract';
import type { Splice } from './json-scan';

const DESCRIPTION =
  'Retrieve the exact original text of tool output that was shortened to save context. ' +
  'When you need lines that a marker such as "[… 120 lines omitted: …; hash=…]" left out, call it with ' +
  'the 24-hex-digit hash from that marker.';
const HASH_DESCRIPTION = 'The 24-hex-digit hash from the marker.';
const SCHEMA = { type: 'object', properties: { hash: { type: 'string', description: HASH_DESCRIPTION } }, required: ['hash'] };

export const RETRIEVE_TOOL_JSON: Record<Api, string> = {
  anthropic: JSON.stringify({ name: RETRIEVE_TOOL_NAME, description: DESCRIPTION, input_schema: SCHEMA }),
  chat: JSON.stringify({ type: 'function', function: { name: RETRIEVE_TOOL_NAME, description: DESCRIPTION, parameters: SCHEMA } }),
  responses: JSON.stringify({ type: 'function', name: RETRIEVE_TOOL_NAME, description: DESCRIPTION, parameters: SCHEMA }),
};

/** A zero-length splice that adds the tool to the request's tool list. */
export function retrieveToolSplice(api: Api, buf: Buffer, shape: RequestShape): Splice | null {
  const tool = RETRIEVE_TOOL_JSON[api];
  const tools = shape.tools;
  if (tools) {
    const last = tools.items[tools.items.length - 1];
    if (last) return { start: last.end, end: last.end, bytes: Buffer.from(',' + tool) };
    return { start: tools.start + 1, end: tools.start + 1, bytes: Buffer.from(tool) };
  }
  const root = shape.root;
  const lastEntry = root.entries[root.entries.length - 1];
  if (!lastEntry) return null;
  const at = lastEntry[1].end;
  void buf;
  return { start: at, end: at, bytes: Buffer.from(`,"tools":[${tool}]`) };
}

export const RETRIEVE_MISS_MESSAGE = (hash: string) =>
  `No stored original for hash=${hash} (unknown or expired). Re-run the command or re-read the file to get the full output again.`;

export const RETRIEVE_EXHAUSTED_MESSAGE =
  'Retrieval limit reached for this turn. Work with the content you have, or re-run the command or re-read the file for full output.';
