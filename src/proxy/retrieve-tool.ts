/**
 * The headroom_retrieve tool definition, in fixed bytes per API, and where it goes: appended after
 * the client's last tool (or as the only tool). It is injected whenever a request carries one of
 * our markers, so once a conversation had compressed output every later request carries it too,
 * byte-identical and at the same position: the tool list never flips.
 */
import type { Api, RequestShape } from './extract';
import { RETRIEVE_TOOL_NAME } from './extract';
import { member, scalarMember, scanJson, stringMember } from './json-scan';
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
  const present = member(root, 'tools');
  if (present) {
    // `"tools": null` (no tools): the list takes the null's place; a second "tools" member would
    // make the body's meaning depend on the provider's parser. Any other non-list is left as sent.
    return scalarMember(buf, root, 'tools') === 'null' ? { start: present.start, end: present.end, bytes: Buffer.from(`[${tool}]`) } : null;
  }
  const lastEntry = root.entries[root.entries.length - 1];
  if (!lastEntry) return null;
  const at = lastEntry[1].end;
  return { start: at, end: at, bytes: Buffer.from(`,"tools":[${tool}]`) };
}

/**
 * The client forces a call of one of its tools, whichever: Anthropic `tool_choice: {type: "any"}`,
 * Chat and Responses `tool_choice: "required"`. headroom_retrieve is one of the tools then, so the
 * model may keep calling it; once retrieval is exhausted it must call one of the client's.
 * (A choice that names a tool never lets the model call headroom_retrieve.)
 */
export function forcesToolCall(api: Api, buf: Buffer): boolean {
  const root = scanJson(buf);
  if (api === 'anthropic') return stringMember(buf, member(root, 'tool_choice'), 'type') === 'any';
  return stringMember(buf, root, 'tool_choice') === 'required';
}

/**
 * The body without the headroom_retrieve tool the proxy appended (found by its fixed bytes), for
 * the one continuation after the "exhausted" answer under a forced tool choice: there the model
 * must call a client tool. Unchanged when the tool is not there or is the only tool (the choice
 * would then name no tool the provider accepts).
 */
export function withoutRetrieveTool(api: Api, buf: Buffer): Buffer {
  const tools = member(scanJson(buf), 'tools');
  if (!tools || tools.type !== 'array' || tools.items.length < 2) return buf;
  const ours = Buffer.from(RETRIEVE_TOOL_JSON[api]);
  const i = tools.items.findIndex((t) => buf.subarray(t.start, t.end).equals(ours));
  if (i < 0) return buf;
  const [start, end] = i > 0 ? [tools.items[i - 1].end, tools.items[i].end] : [tools.items[0].start, tools.items[1].start];
  return Buffer.concat([buf.subarray(0, start), buf.subarray(end)]);
}

export const RETRIEVE_MISS_MESSAGE = (hash: string) =>
  `No stored original for hash=${hash} (unknown or expired). Re-run the command or re-read the file to get the full output again.`;

export const RETRIEVE_CUT_MESSAGE =
  'This headroom_retrieve call was cut short: the response ended before its arguments were complete, so nothing was retrieved. ' +
  'Call headroom_retrieve again with the whole hash if you still need the original.';

export const RETRIEVE_EXHAUSTED_MESSAGE =
  'Retrieval limit reached for this turn. Work with the content you have, or re-run the command or re-read the file for full output.';
