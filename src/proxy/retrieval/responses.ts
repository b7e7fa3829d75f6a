/**
 * Retrieval stitching for OpenAI Responses streams. Events of a headroom_retrieve function_call
 * item are held back; other items keep consecutive output indices; continuation rounds drop their
 * response.created / in_progress events and continue the sequence numbers. The terminal event is
 * written once, with the client-visible output items of all rounds and usage summed. It carries
 * the last round's response id (response.created carried the first's): the stored response that
 * holds the answer, the one a client chains from with previous_response_id. A JSON answer does too.
 */
import { RETRIEVE_TOOL_NAME } from '../extract';
import { member, scalarMember, scanJson } from '../json-scan';
import { formatEvent } from '../sse';
import type { SseEvent } from '../sse';
import { openaiUsage, type Usage } from '../usage';
import { addUsage, cutOff, eventJson, parseRetrieveInput } from './types';
import type { Json, RetrieveAnswer, RetrieveCall, RoundEnd, StreamStitcher } from './types';


function sumUsage(list: Json[]): Json {
  const out: Json = { ...list[list.length - 1] };
  for (const k of ['input_tokens', 'output_tokens', 'total_tokens']) out[k] = list.reduce((s, u) => s + (u[k] ?? 0), 0);
  const cached = list.reduce((s, u) => s + (u.input_tokens_details?.cached_tokens ?? 0), 0);
  out.input_tokens_details = { ...(out.input_tokens_details ?? {}), cached_tokens: cached };
  return out;
}

const isRetrieveItem = (item: Json | undefined) => item?.type === 'function_call' && item.name === RETRIEVE_TOOL_NAME;
/** Output items the provider produced and ran itself (or that need nothing from the client). */
const PROVIDER_ITEMS = new Set(['message', 'reasoning', 'web_search_call', 'file_search_call', 'code_interpreter_call', 'image_generation_call', 'mcp_call', 'mcp_list_tools', 'compaction']);
/**
 * An item the client must act on before the provider continues: function and custom tool calls,
 * and the built-in tools that run on the client (local_shell_call, shell_call, apply_patch_call,
 * computer_call, mcp_approval_request, …): the provider refuses a continuation without their
 * outputs. Unknown item types count as such, so the proxy never continues past them.
 */
const isClientItem = (item: Json | undefined) => !!item && !isRetrieveItem(item) && !PROVIDER_ITEMS.has(item.type);
/** Events that end a Responses API response. */
export const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export class ResponsesStitcher implements StreamStitcher {
  firstUsage?: Usage;
  laterUsage?: Usage;
  private round = 0;
  private nextClientIndex = 0;
  private lastSeq = -1;
  /** upstream output_index → client output_index (-1: held). */
  private indexMap = new Map<number, number>();
  private heldItemIds = new Set<string>();
  private items = new Map<number, Json>();
  private clientTools = false;
  private pendingTerminal?: { ev: SseEvent; data: Json };
  private clientItems: Json[] = [];
  private usages: Json[] = [];
  unanswered?: { responseId?: string; calls: RetrieveCall[] };

  onEvent(ev: SseEvent, write: (b: Buffer) => void): void {
    const data = eventJson(ev.data);
    if (!data) {
      write(ev.raw);
      return;
    }
    const type: string = data.type ?? ev.event ?? '';
    if (type === 'response.created' || type === 'response.in_progress' || type === 'response.queued') {
      if (this.round === 0) this.pass(ev, data, write);
      return;
    }
    if (TERMINAL.has(type)) {
      this.pendingTerminal = { ev, data };
      if (data.response?.usage) this.usages.push(data.response.usage);
      return;
    }
    if (type === 'response.output_item.added') {
      const held = isRetrieveItem(data.item);
      this.indexMap.set(data.output_index, held ? -1 : this.nextClientIndex++);
      if (held && data.item?.id) this.heldItemIds.add(data.item.id);
      if (isClientItem(data.item)) this.clientTools = true;
    }
    if (type === 'response.output_item.done') this.items.set(data.output_index, data.item);
    const mapped = typeof data.output_index === 'number' ? this.indexMap.get(data.output_index) : undefined;
    if (mapped === -1 || (data.item_id && this.heldItemIds.has(data.item_id))) return;
    if (mapped !== undefined && mapped !== data.output_index) {
      this.rewrite(ev, { ...data, output_index: mapped }, write);
      return;
    }
    this.pass(ev, data, write);
  }

  /** Writes an event unchanged when possible; in later rounds it gets the next sequence number. */
  private pass(ev: SseEvent, data: Json, write: (b: Buffer) => void): void {
    if (this.round === 0 && (typeof data.sequence_number !== 'number' || data.sequence_number > this.lastSeq)) {
      if (typeof data.sequence_number === 'number') this.lastSeq = data.sequence_number;
      write(ev.raw);
      return;
    }
    this.rewrite(ev, data, write);
  }

  private rewrite(ev: SseEvent, data: Json, write: (b: Buffer) => void): void {
    const out = typeof data.sequence_number === 'number' ? { ...data, sequence_number: ++this.lastSeq } : data;
    write(formatEvent(ev.event, JSON.stringify(out)));
  }

  private roundItems(): Json[] {
    return [...this.items.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
  }

  endRound(write: (b: Buffer) => void, mayContinue: boolean): RoundEnd {
    const u = this.usages.length ? openaiUsage(this.usages[this.usages.length - 1]) : undefined;
    if (this.round === 0) this.firstUsage = u;
    else this.laterUsage = addUsage(this.laterUsage, u);
    if (!this.pendingTerminal) return { kind: 'truncated' };
    const { ev, data } = this.pendingTerminal;
    // Only a completed response is continued: an incomplete one (max_output_tokens, content filter)
    // may hold a call cut off mid-arguments, and a failed one is the provider's to report.
    const completed = (data.type ?? ev.event) === 'response.completed' && (data.response?.status ?? 'completed') === 'completed';
    const all = this.roundItems();
    const calls = all.filter(isRetrieveItem).map((i) => retrieveCall(i, !completed));
    this.clientItems.push(...all.filter((i) => !isRetrieveItem(i)));
    if (calls.length > 0 && !this.clientTools && completed && mayContinue) return { kind: 'continue', calls };
    if (calls.length > 0) this.unanswered = { responseId: data.response?.id, calls };
    if (this.round === 0 && calls.length === 0) this.pass(ev, data, write);
    else {
      const response = { ...data.response, output: this.clientItems, ...(this.allUsages().length ? { usage: sumUsage(this.allUsages()) } : {}) };
      this.rewrite(ev, { ...data, response }, write);
    }
    return { kind: 'finished' };
  }

  private usageHistory: Json[] = [];

  private allUsages(): Json[] {
    return [...this.usageHistory, ...(this.usages.length ? [this.usages[this.usages.length - 1]] : [])];
  }

  continuation(body: Buffer, answers: RetrieveAnswer[]): Buffer {
    return appendResponsesInput(body, continuationItems(body, this.roundItems(), answers));
  }

  /** The next sequence number, for an event the proxy writes itself (a refused continuation's error). */
  nextSequence(): number {
    return ++this.lastSeq;
  }

  nextRound(): void {
    if (this.usages.length) this.usageHistory.push(this.usages[this.usages.length - 1]);
    this.round++;
    this.indexMap = new Map();
    this.heldItemIds = new Set();
    this.items = new Map();
    this.clientTools = false;
    this.pendingTerminal = undefined;
    this.usages = [];
  }
}

/**
 * The items a continuation adds: the round's output items, then an output for each retrieve call.
 * With `store: false` the provider keeps nothing, so it looks a reasoning item without
 * encrypted_content up by id and refuses the request (404 "Item with id 'rs_…' not found. Items
 * are not persisted when `store` is set to false"); such items (the client did not ask for
 * `reasoning.encrypted_content`, so it cannot send them back either) are left out.
 */
function continuationItems(body: Buffer, output: Json[], answers: RetrieveAnswer[]): string[] {
  const unstored = scalarMember(body, scanJson(body), 'store') === 'false';
  const kept = unstored ? output.filter((i) => !(i?.type === 'reasoning' && !i.encrypted_content)) : output;
  const items = kept.map((i) => JSON.stringify(i));
  for (const a of answers) items.push(JSON.stringify({ type: 'function_call_output', call_id: a.id, output: a.text }));
  return items;
}

/** Appends items to the request's input (a string input becomes a user message item first). */
export function appendResponsesInput(body: Buffer, items: string[]): Buffer {
  const root = scanJson(body);
  const input = member(root, 'input');
  if (input?.type === 'array') {
    const close = input.end - 1;
    const insert = Buffer.from((input.items.length ? ',' : '') + items.join(','), 'utf8');
    return Buffer.concat([body.subarray(0, close), insert, body.subarray(close)]);
  }
  if (input?.type === 'string') {
    const first = JSON.stringify({ role: 'user', content: JSON.parse(body.toString('utf8', input.start, input.end)) });
    const replacement = Buffer.from('[' + [first, ...items].join(',') + ']', 'utf8');
    return Buffer.concat([body.subarray(0, input.start), replacement, body.subarray(input.end)]);
  }
  throw new Error('no input to continue');
}

/** A retrieve call item's call; in a turn the provider cut short, marked `cut` when its arguments are not whole. */
function retrieveCall(item: Json, cutShort: boolean): RetrieveCall {
  const call: RetrieveCall = { id: item.call_id, hash: parseRetrieveInput(item.arguments) };
  if (cutShort && cutOff(item.arguments)) call.cut = true;
  return call;
}

export function responsesJsonCalls(msg: Json): { calls: RetrieveCall[]; clientTools: boolean; cutShort: boolean } {
  const calls: RetrieveCall[] = [];
  let clientTools = false;
  const cutShort = (msg.status ?? 'completed') !== 'completed';
  for (const item of msg.output ?? []) {
    if (isRetrieveItem(item)) calls.push(retrieveCall(item, cutShort));
    else if (isClientItem(item)) clientTools = true;
  }
  return { calls, clientTools, cutShort };
}

export function responsesJsonContinuation(body: Buffer, msg: Json, answers: RetrieveAnswer[]): Buffer {
  return appendResponsesInput(body, continuationItems(body, msg.output ?? [], answers));
}

export function responsesJsonMerge(rounds: Json[], exhaustedCalls: boolean): Json {
  void exhaustedCalls;
  const last = rounds[rounds.length - 1];
  const output = rounds.flatMap((r) => (r.output ?? []).filter((i: Json) => !isRetrieveItem(i)));
  const usages = rounds.map((r) => r.usage).filter(Boolean);
  // The last round's id: the stored response that holds the answer, the one to chain from.
  return { ...last, output, ...(usages.length ? { usage: sumUsage(usages) } : {}) };
}
