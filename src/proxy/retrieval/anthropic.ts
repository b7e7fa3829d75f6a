/**
 * Retrieval stitching for Anthropic Messages streams. Round one's events are forwarded as raw
 * bytes; a headroom_retrieve tool_use block is held back, the following blocks get the next client
 * index, and continuation rounds drop their message_start and continue the same numbering. The
 * closing message_delta carries the usage summed over all rounds (input, cache and output tokens),
 * as a JSON answer does.
 */
import { RETRIEVE_TOOL_NAME } from '../extract';
import { member, scanJson } from '../json-scan';
import { formatEvent } from '../sse';
import type { SseEvent } from '../sse';
import { anthropicUsageOf, type Usage } from '../usage';
import { appendToArray } from './answer';
import { addUsage, CUT_SHORT, eventJson, parseRetrieveInput } from './types';
import type { Json, RetrieveAnswer, RetrieveCall, RoundEnd, StreamStitcher } from './types';


interface BlockState {
  /** Client index, or -1 when held back. */
  clientIndex: number;
  /** The block as it will be sent back upstream in the continuation. */
  block: Json;
  json: string;
}

/**
 * The assistant turn as a continuation sends it back. The API refuses a text block that is empty or
 * whitespace only ("text content blocks must contain non-whitespace text"), and the model often
 * emits one ("\n\n") before its tool calls; such blocks carry nothing and are left out. Every
 * other block (thinking with its signature, redacted_thinking, server tool blocks) goes back as is.
 */
function sentBack(blocks: Json[]): Json[] {
  return blocks.filter((b) => !(b?.type === 'text' && typeof b.text === 'string' && !b.text.trim()));
}

const usageOf = (raw: Json | undefined): Usage | undefined => (raw ? anthropicUsageOf(raw) : undefined);

export class AnthropicStitcher implements StreamStitcher {
  firstUsage?: Usage;
  laterUsage?: Usage;
  private round = 0;
  private nextClientIndex = 0;
  private blocks = new Map<number, BlockState>();
  private order: number[] = [];
  private roundUsage?: Usage;
  private outputSum = 0;
  private pendingDelta?: { ev: SseEvent; data: Json };
  private sawStop = false;
  private stopRaw?: Buffer;
  private clientToolUse = false;

  onEvent(ev: SseEvent, write: (b: Buffer) => void): void {
    const data = ev.data ? eventJson(ev.data) : {};
    if (!data) {
      write(ev.raw);
      return;
    }
    const type = data.type ?? ev.event;
    switch (type) {
      case 'message_start': {
        this.roundUsage = usageOf(data.message?.usage);
        if (this.round === 0) write(ev.raw);
        return;
      }
      case 'content_block_start': {
        const block = data.content_block ?? {};
        const held = block.type === 'tool_use' && block.name === RETRIEVE_TOOL_NAME;
        const state: BlockState = { clientIndex: held ? -1 : this.nextClientIndex++, block: structuredClone(block), json: '' };
        if (block.type === 'tool_use' && !held) this.clientToolUse = true;
        this.blocks.set(data.index, state);
        this.order.push(data.index);
        if (!held) this.writeBlockEvent(ev, data, state, write);
        return;
      }
      case 'content_block_delta': {
        const state = this.blocks.get(data.index);
        if (!state) return write(ev.raw);
        const d = data.delta ?? {};
        const b = state.block;
        if (d.type === 'text_delta') b.text = (b.text ?? '') + d.text;
        else if (d.type === 'thinking_delta') b.thinking = (b.thinking ?? '') + d.thinking;
        else if (d.type === 'signature_delta') b.signature = d.signature;
        else if (d.type === 'input_json_delta') state.json += d.partial_json ?? '';
        else if (d.type === 'citations_delta') (b.citations ??= []).push(d.citation);
        if (state.clientIndex >= 0) this.writeBlockEvent(ev, data, state, write);
        return;
      }
      case 'content_block_stop': {
        const state = this.blocks.get(data.index);
        if (!state) return write(ev.raw);
        if (state.clientIndex >= 0) this.writeBlockEvent(ev, data, state, write);
        return;
      }
      case 'message_delta': {
        this.pendingDelta = { ev, data };
        const u = usageOf(data.usage);
        if (u && this.roundUsage) {
          this.roundUsage.output = u.output;
          if (data.usage.input_tokens !== undefined) this.roundUsage.input = u.input;
          if (data.usage.cache_read_input_tokens !== undefined) this.roundUsage.cacheRead = u.cacheRead;
          if (data.usage.cache_creation_input_tokens !== undefined) this.roundUsage.cacheWrite = u.cacheWrite;
        } else if (u) this.roundUsage = u;
        return;
      }
      case 'message_stop':
        this.sawStop = true;
        this.stopRaw = ev.raw;
        return;
      default:
        write(ev.raw);
    }
  }

  private writeBlockEvent(ev: SseEvent, data: Json, state: BlockState, write: (b: Buffer) => void): void {
    if (state.clientIndex === data.index && this.round === 0) write(ev.raw);
    else write(formatEvent(ev.event, JSON.stringify({ ...data, index: state.clientIndex })));
  }

  endRound(write: (b: Buffer) => void, mayContinue: boolean): RoundEnd {
    if (this.round === 0) this.firstUsage = this.roundUsage;
    else this.laterUsage = addUsage(this.laterUsage, this.roundUsage);
    this.outputSum += this.roundUsage?.output ?? 0;
    const calls: RetrieveCall[] = [];
    for (const idx of this.order) {
      const s = this.blocks.get(idx)!;
      if (s.clientIndex < 0) calls.push({ id: s.block.id, hash: parseRetrieveInput(s.json) });
    }
    const cutShort = CUT_SHORT.has(this.pendingDelta?.data.delta?.stop_reason);
    if (this.sawStop && calls.length > 0 && !this.clientToolUse && !cutShort && mayContinue) return { kind: 'continue', calls };
    // What was held goes out, also when the stream broke off before message_stop (which is not invented).
    if (this.pendingDelta) {
      const { ev, data } = this.pendingDelta;
      if (this.round === 0 && calls.length === 0) write(ev.raw);
      else {
        const delta = { ...data.delta };
        // Only retrieval calls, and no more rounds allowed: the client sees an ordinary end of turn.
        if (calls.length > 0 && !this.clientToolUse && delta.stop_reason === 'tool_use') delta.stop_reason = 'end_turn';
        const total = addUsage(this.firstUsage, this.laterUsage);
        const usage = {
          ...(data.usage ?? {}),
          ...(total ? { input_tokens: total.input, cache_creation_input_tokens: total.cacheWrite, cache_read_input_tokens: total.cacheRead } : {}),
          output_tokens: this.outputSum,
        };
        write(formatEvent(ev.event, JSON.stringify({ ...data, delta, usage })));
      }
    }
    if (!this.sawStop) return { kind: 'truncated' };
    write(this.stopRaw!);
    return { kind: 'finished' };
  }

  continuation(body: Buffer, answers: RetrieveAnswer[]): Buffer {
    const content: Json[] = [];
    for (const idx of this.order) {
      const s = this.blocks.get(idx)!;
      const b = s.block;
      if (b.type === 'tool_use' || b.type === 'server_tool_use') {
        let input: unknown = b.input ?? {};
        try {
          if (s.json) input = JSON.parse(s.json);
        } catch {
          input = {};
        }
        content.push({ ...b, input });
      } else content.push(b);
    }
    const assistant = JSON.stringify({ role: 'assistant', content: sentBack(content) });
    const user = JSON.stringify({
      role: 'user',
      content: answers.map((a) => ({ type: 'tool_result', tool_use_id: a.id, content: a.text, ...(a.miss ? { is_error: true } : {}) })),
    });
    const root = scanJson(body);
    const messages = member(root, 'messages');
    if (!messages || messages.type !== 'array') throw new Error('no messages array');
    return appendToArray(body, messages.end, messages.items.length === 0, [assistant, user]);
  }

  nextRound(): void {
    this.round++;
    this.blocks = new Map();
    this.order = [];
    this.roundUsage = undefined;
    this.pendingDelta = undefined;
    this.sawStop = false;
    this.clientToolUse = false;
  }
}

/** Non-streaming: the retrieve calls in a Messages response, and whether client tools were called too. */
export function anthropicJsonCalls(msg: Json): { calls: RetrieveCall[]; clientTools: boolean; cutShort: boolean } {
  const calls: RetrieveCall[] = [];
  let clientTools = false;
  for (const b of msg.content ?? []) {
    if (b?.type !== 'tool_use') continue;
    if (b.name === RETRIEVE_TOOL_NAME) calls.push({ id: b.id, hash: typeof b.input?.hash === 'string' ? b.input.hash : '' });
    else clientTools = true;
  }
  return { calls, clientTools, cutShort: CUT_SHORT.has(msg.stop_reason) };
}

export function anthropicJsonContinuation(body: Buffer, msg: Json, answers: RetrieveAnswer[]): Buffer {
  const assistant = JSON.stringify({ role: 'assistant', content: sentBack(msg.content ?? []) });
  const user = JSON.stringify({
    role: 'user',
    content: answers.map((a) => ({ type: 'tool_result', tool_use_id: a.id, content: a.text, ...(a.miss ? { is_error: true } : {}) })),
  });
  const messages = member(scanJson(body), 'messages');
  if (!messages || messages.type !== 'array') throw new Error('no messages array');
  return appendToArray(body, messages.end, messages.items.length === 0, [assistant, user]);
}

/** The client's view of the merged rounds: retrieve calls removed, usage summed, last round's ending. */
export function anthropicJsonMerge(rounds: Json[], exhaustedCalls: boolean): Json {
  const last = rounds[rounds.length - 1];
  const content = rounds.flatMap((m) => (m.content ?? []).filter((b: Json) => !(b?.type === 'tool_use' && b.name === RETRIEVE_TOOL_NAME)));
  const usage = { ...(last.usage ?? {}) };
  for (const k of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens']) {
    usage[k] = rounds.reduce((s, m) => s + (m.usage?.[k] ?? 0), 0);
  }
  const merged: Json = { ...rounds[0], content, usage, stop_reason: last.stop_reason, stop_sequence: last.stop_sequence ?? null };
  const hasClientTool = content.some((b: Json) => b?.type === 'tool_use');
  if (exhaustedCalls && !hasClientTool && merged.stop_reason === 'tool_use') merged.stop_reason = 'end_turn';
  return merged;
}
