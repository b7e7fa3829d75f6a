/**
 * Retrieval stitching for OpenAI Chat Completions streams (data-only SSE ending with [DONE]).
 * Fragments of the headroom_retrieve tool call are held back and the client's tool calls keep
 * consecutive indices; continuation chunks carry the first round's id; the finish chunk, the usage
 * chunk (summed over rounds) and [DONE] are written once at the very end.
 */
import { RETRIEVE_TOOL_NAME } from '../extract';
import { member, scanJson } from '../json-scan';
import { formatEvent } from '../sse';
import type { SseEvent } from '../sse';
import { openaiUsage, type Usage } from '../usage';
import { appendToArray } from './answer';
import { addUsage, CUT_SHORT, eventJson, parseRetrieveInput } from './types';
import type { Json, RetrieveAnswer, RetrieveCall, RoundEnd, StreamStitcher } from './types';


interface CallState {
  clientIndex: number;
  id: string;
  name: string;
  args: string;
  /** Other fields the call's fragments carried (Gemini's extra_content with its thought signature). */
  extra: Json;
}

/**
 * The assistant message a continuation sends back. Thinking OpenAI-compatible upstreams need their
 * own fields back with the calls: Moonshot refuses a tool-call message without its
 * reasoning_content ("thinking is enabled but reasoning_content is missing in assistant tool call
 * message"), Gemini a call without the thought signature it came with (extra_content).
 */
function assistantMessage(content: string | null, toolCalls: Json[], reasoning: Json): string {
  return JSON.stringify({ role: 'assistant', content, ...reasoning, tool_calls: toolCalls });
}

/** Reasoning fields of a Chat assistant message that go back with its tool calls. */
const REASONING_FIELDS = ['reasoning_content', 'reasoning', 'reasoning_details'];

function sumChatUsage(list: Json[]): Json {
  const out: Json = { ...list[list.length - 1] };
  for (const k of ['prompt_tokens', 'completion_tokens', 'total_tokens']) out[k] = list.reduce((s, u) => s + (u[k] ?? 0), 0);
  const cached = list.reduce((s, u) => s + (u.prompt_tokens_details?.cached_tokens ?? 0), 0);
  if (out.prompt_tokens_details) out.prompt_tokens_details = { ...out.prompt_tokens_details, cached_tokens: cached };
  return out;
}

/**
 * What goes between the text of one round and the next: a Chat message is one string, and a
 * round's text ("Let me check the full log.") followed by the next one's ("The job fails…") would
 * run together. A blank line, unless either side already has white space there or one is empty.
 */
export function roundSeparator(before: string, next: string): string {
  if (!before || !next || /\s$/.test(before) || /^\s/.test(next)) return '';
  return '\n\n';
}

/** String fields of a reasoning_details entry that stream in pieces. */
const DETAIL_PIECES = ['text', 'summary', 'data'];

/**
 * Streamed reasoning_details (OpenRouter: an array per chunk, entries keyed by `index`, the text in
 * pieces and the signature in a later fragment) folded into the array the message would have had:
 * string pieces concatenated, other fields (type, signature, format, id) taken where present.
 * Entries without an index are kept as they came.
 */
export function mergeReasoningDetails(into: Json[], fragments: Json[]): Json[] {
  for (const f of fragments) {
    if (!f || typeof f !== 'object') continue;
    const at = typeof f.index === 'number' ? into.find((d) => d.index === f.index) : undefined;
    if (!at) {
      into.push({ ...f });
      continue;
    }
    for (const [k, v] of Object.entries(f)) {
      if (v === null || v === undefined) continue;
      if (DETAIL_PIECES.includes(k) && typeof v === 'string' && typeof at[k] === 'string') at[k] += v;
      else at[k] = v;
    }
  }
  return into;
}

export class ChatStitcher implements StreamStitcher {
  firstUsage?: Usage;
  laterUsage?: Usage;
  private round = 0;
  private id?: string;
  private nextClientIndex = 0;
  private calls = new Map<number, CallState>();
  private text = '';
  /** The text the client was shown, over all rounds (with the separators between rounds). */
  private shownText = '';
  /** reasoning_content / reasoning text deltas of this round, concatenated; reasoning_details merged. */
  private reasoning: Json = {};
  private clientTools = false;
  private pendingFinish?: { ev: SseEvent; data: Json };
  private pendingUsage?: { ev: SseEvent; data: Json };
  private usages: Json[] = [];
  private sawDone = false;
  private doneRaw?: Buffer;

  onEvent(ev: SseEvent, write: (b: Buffer) => void): void {
    if (ev.data === '[DONE]') {
      this.sawDone = true;
      this.doneRaw = ev.raw;
      return;
    }
    const data = eventJson(ev.data);
    if (!data) {
      write(ev.raw);
      return;
    }
    if (this.id === undefined) this.id = data.id;
    const choices: Json[] = Array.isArray(data.choices) ? data.choices : [];
    if (data.usage) this.usages.push(data.usage);
    if (choices.length === 0) {
      if (data.usage) this.pendingUsage = { ev, data };
      else this.emit(ev, data, false, write);
      return;
    }
    if (choices.length > 1) return this.emit(ev, data, false, write);
    const choice = choices[0];
    let delta: Json = choice.delta ?? {};
    let changed = false;
    if (typeof delta.content === 'string' && delta.content) {
      const sep = this.round > 0 && !this.text ? roundSeparator(this.shownText, delta.content) : '';
      this.text += delta.content;
      if (sep) {
        delta = { ...delta, content: sep + delta.content };
        changed = true;
      }
      this.shownText += delta.content;
    }
    for (const k of ['reasoning_content', 'reasoning']) if (typeof delta[k] === 'string') this.reasoning[k] = (this.reasoning[k] ?? '') + delta[k];
    if (Array.isArray(delta.reasoning_details)) this.reasoning.reasoning_details = mergeReasoningDetails(this.reasoning.reasoning_details ?? [], delta.reasoning_details);
    if (this.round > 0 && delta.role !== undefined) {
      // The client's message began in the first round; a continuation does not begin it again.
      const { role: _role, ...rest } = delta;
      delta = rest;
      changed = true;
    }
    let kept: Json[] | undefined;
    if (Array.isArray(delta.tool_calls)) {
      kept = [];
      for (const tc of delta.tool_calls) {
        let st = this.calls.get(tc.index);
        if (!st) {
          const held = tc.function?.name === RETRIEVE_TOOL_NAME;
          st = { clientIndex: held ? -1 : this.nextClientIndex++, id: tc.id ?? '', name: tc.function?.name ?? '', args: '', extra: {} };
          this.calls.set(tc.index, st);
          if (!held) this.clientTools = true;
        }
        st.args += tc.function?.arguments ?? '';
        const { index: _i, id: _id, type: _t, function: _f, ...extra } = tc;
        Object.assign(st.extra, extra);
        if (st.clientIndex < 0) {
          changed = true;
          continue;
        }
        if (st.clientIndex !== tc.index) changed = true;
        kept.push({ ...tc, index: st.clientIndex });
      }
    }
    const out = changed ? { ...data, choices: [{ ...choice, delta: kept ? withToolCalls(delta, kept) : delta }] } : data;
    if (choice.finish_reason) {
      this.pendingFinish = { ev, data: out };
      if (changed) this.pendingFinish.ev = { ...ev, raw: Buffer.alloc(0) };
      return;
    }
    if (changed && Object.keys(out.choices[0].delta).length === 0) return;
    this.emit(ev, out, changed, write);
  }

  private emit(ev: SseEvent, data: Json, changed: boolean, write: (b: Buffer) => void): void {
    if (!changed && this.round === 0) write(ev.raw);
    else write(formatEvent(undefined, JSON.stringify({ ...data, id: this.id ?? data.id })));
  }

  endRound(write: (b: Buffer) => void, mayContinue: boolean): RoundEnd {
    const roundUsage = this.usages.length ? openaiUsage(this.usages[this.usages.length - 1]) : undefined;
    if (this.round === 0) this.firstUsage = roundUsage;
    else this.laterUsage = addUsage(this.laterUsage, roundUsage);
    const calls: RetrieveCall[] = [...this.calls.values()].filter((c) => c.clientIndex < 0).map((c) => ({ id: c.id, hash: parseRetrieveInput(c.args) }));
    const cutShort = CUT_SHORT.has(this.pendingFinish?.data.choices?.[0]?.finish_reason);
    if (this.sawDone && calls.length > 0 && !this.clientTools && !cutShort && mayContinue) return { kind: 'continue', calls };
    // What was held goes out, also when the stream broke off before [DONE] (which is not invented).
    if (this.pendingFinish) {
      const { ev, data } = this.pendingFinish;
      const untouched = this.round === 0 && calls.length === 0 && ev.raw.length > 0;
      if (untouched) write(ev.raw);
      else {
        const choice = { ...data.choices[0] };
        if (calls.length > 0 && !this.clientTools && choice.finish_reason === 'tool_calls') choice.finish_reason = 'stop';
        write(formatEvent(undefined, JSON.stringify({ ...data, id: this.id ?? data.id, choices: [choice] })));
      }
    }
    if (this.pendingUsage) {
      const { ev, data } = this.pendingUsage;
      if (this.round === 0) write(ev.raw);
      else {
        const all = [...this.allUsages, ...(this.usages.length ? [this.usages[this.usages.length - 1]] : [])];
        write(formatEvent(undefined, JSON.stringify({ ...data, id: this.id ?? data.id, usage: sumChatUsage(all) })));
      }
    }
    if (!this.sawDone) return { kind: 'truncated' };
    write(this.doneRaw!);
    return { kind: 'finished' };
  }

  private allUsages: Json[] = [];

  continuation(body: Buffer, answers: RetrieveAnswer[]): Buffer {
    const toolCalls = [...this.calls.values()].map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args }, ...c.extra }));
    const items = [assistantMessage(this.text || null, toolCalls, this.reasoning)];
    for (const a of answers) items.push(JSON.stringify({ role: 'tool', tool_call_id: a.id, content: a.text }));
    const messages = member(scanJson(body), 'messages');
    if (!messages || messages.type !== 'array') throw new Error('no messages array');
    return appendToArray(body, messages.end, messages.items.length === 0, items);
  }

  nextRound(): void {
    if (this.usages.length) this.allUsages.push(this.usages[this.usages.length - 1]);
    this.round++;
    this.calls = new Map();
    this.text = '';
    this.reasoning = {};
    this.clientTools = false;
    this.pendingFinish = undefined;
    this.pendingUsage = undefined;
    this.usages = [];
    this.sawDone = false;
  }
}

function withToolCalls(delta: Json, kept: Json[]): Json {
  const d = { ...delta };
  if (kept.length) d.tool_calls = kept;
  else delete d.tool_calls;
  return d;
}

export function chatJsonCalls(msg: Json): { calls: RetrieveCall[]; clientTools: boolean; cutShort: boolean } {
  const calls: RetrieveCall[] = [];
  let clientTools = false;
  for (const tc of msg.choices?.[0]?.message?.tool_calls ?? []) {
    if (tc?.function?.name === RETRIEVE_TOOL_NAME) calls.push({ id: tc.id, hash: parseRetrieveInput(tc.function.arguments) });
    else clientTools = true;
  }
  return { calls, clientTools, cutShort: CUT_SHORT.has(msg.choices?.[0]?.finish_reason) };
}

export function chatJsonContinuation(body: Buffer, msg: Json, answers: RetrieveAnswer[]): Buffer {
  const m = msg.choices?.[0]?.message ?? {};
  const reasoning: Json = {};
  for (const k of REASONING_FIELDS) if (m[k] !== undefined && m[k] !== null) reasoning[k] = m[k];
  const items = [assistantMessage(m.content ?? null, m.tool_calls ?? [], reasoning)];
  for (const a of answers) items.push(JSON.stringify({ role: 'tool', tool_call_id: a.id, content: a.text }));
  const messages = member(scanJson(body), 'messages');
  if (!messages || messages.type !== 'array') throw new Error('no messages array');
  return appendToArray(body, messages.end, messages.items.length === 0, items);
}

export function chatJsonMerge(rounds: Json[], exhaustedCalls: boolean): Json {
  const last = rounds[rounds.length - 1];
  const lastChoice = last.choices?.[0] ?? {};
  const text = rounds.map((r) => r.choices?.[0]?.message?.content).filter((t) => typeof t === 'string' && t).reduce((all: string, t: string) => all + roundSeparator(all, t) + t, '');
  const toolCalls = (lastChoice.message?.tool_calls ?? []).filter((tc: Json) => tc?.function?.name !== RETRIEVE_TOOL_NAME);
  const message: Json = { ...lastChoice.message, content: text || null };
  if (toolCalls.length) message.tool_calls = toolCalls;
  else delete message.tool_calls;
  let finish = lastChoice.finish_reason;
  if (exhaustedCalls && !toolCalls.length && finish === 'tool_calls') finish = 'stop';
  const usages = rounds.map((r) => r.usage).filter(Boolean);
  return { ...rounds[0], choices: [{ ...lastChoice, message, finish_reason: finish }], ...(usages.length ? { usage: sumChatUsage(usages) } : {}) };
}
