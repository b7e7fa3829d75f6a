/**
 * Compresses the tool outputs of one request and splices the results into the original bytes.
 * Every decision for a tool output the engine looked at is memoized by content hash (in memory
 * and in the store), so a tool output gets identical bytes on every later turn and after a
 * restart: the provider's cached prefix never changes under the client.
 */
import { compress, ENGINE_VERSION } from '../engine/compress';
import { ccrHash } from '../engine/hash';
import { hasMarker, markerHashes } from '../engine/marker';
import type { Store } from '../store/types';
import { DEFAULT_CONFIG, toolMatcher } from './config';
import type { ProxyConfig } from './config';
import { extractShape } from './extract';
import type { Api, RequestShape, ToolOutput } from './extract';
import { applySplices, decodeString, encodeString, looksAsciiEscaped } from './json-scan';
import { member, stringMember } from './json-scan';
import type { JsonObject, Splice } from './json-scan';
import type { Turn } from './cache-watch';
import { nodeDigest, ScanCache } from './scan-cache';
import { conversationKey } from './conversation-key';
import { retrieveToolSplice } from './retrieve-tool';
import { headerLength, reportsFailure, wrappedOutput } from './output-frame';
import { answerCalls } from './retrieval/answer';
import { OwedAnswers } from './retrieval/owed';
import type { RetrieveAnswer } from './retrieval/types';

export type LeftAlone =
  | 'too-small' | 'excluded-tool' | 'error-output' | 'already-compressed' | 'not-smaller'
  | 'empty' | 'binary' | 'budget' | 'error' | 'no-strategy' | 'cache-control';

export interface OutputRecord {
  tool?: string;
  kind?: string;
  bytesIn: number;
  bytesOut: number;
  /** Why the output was left alone; absent when it was compressed. */
  reason?: LeftAlone;
  /** The compressed bytes came from the memo (seen before). */
  replayed: boolean;
  /** Content hash of the original, for token-count memoization. */
  hash?: string;
  /** Kept only for compressed outputs, for counting tokens after forwarding. */
  original?: string;
  compressed?: string;
  /** Decodes the original on demand (seen-before outputs whose count may already be memoized). */
  decode?: () => string;
}

export interface RewriteResult {
  body: Buffer;
  changed: boolean;
  shape: RequestShape;
  outputs: OutputRecord[];
  /** The forwarded body names stored originals with markers. */
  hasMarkers: boolean;
  retrieveToolInjected: boolean;
  /** The tool was given to this conversation for the first time (its cache write is the proxy's doing). */
  retrieveToolNew: boolean;
  ms: number;
  /** This body's turn, and the one it continues (for watching the provider's prompt cache). */
  turn: Turn;
  previous?: Turn;
  /** Answers to retrieve calls of the response this one continues, added to its input (see OwedAnswers). */
  owedAnswers: RetrieveAnswer[];
}

const MEMO_PREFIX = `proxy:${ENGINE_VERSION}:`;
/** Memo keys of conversations given the retrieve tool (see conversationKey). */
const STICKY_PREFIX = 'retrieve-tool:';
/** Error outputs' own decisions (`proxy:<version>:e:<hash>`): left alone as an error, or `follow` the content's. */
const ERROR_INFIX = 'e:';
/**
 * Outputs left alone by the thresholds (too small, error output) have that decision memoized like
 * any other, so a later change of the thresholds does not change bytes a conversation already
 * sent; below this size they are not (tiny results are many, and no sensible threshold is this low).
 */
const THRESHOLD_MEMO_MIN_BYTES = 256;
const LOCAL_MEMO_MAX = 4096;

/** The compressed text the proxy sends for the original with this content hash, if it compressed it. */
export function memoizedCompression(store: Pick<Store, 'getMemo'>, contentHash: string): string | undefined {
  const v = store.getMemo(MEMO_PREFIX + contentHash);
  return v === undefined ? undefined : decodeMemo(v)?.text;
}

interface RawSeen {
  hash: string;
  /** Where the decision is memoized (the content's key, or its error key). */
  memoKey: string;
  /** The error key that says "the content's decision" (an error output decided like any other). */
  follow?: string;
  kind?: string;
  bytesIn: number;
  bytesOut: number;
  reason?: LeftAlone;
  /** The replacement literal (absent when the output is left alone). */
  bytes?: Buffer;
  compressed?: string;
  marked: boolean;
  /** Stored originals named by the replacement's markers. */
  hashes?: string[];
}

function rawLiteralKey(buf: Buffer, out: ToolOutput): string {
  const h = nodeDigest(buf, out.node);
  return out.source === 'user_text' ? `${h}|${out.keepHead ?? 0}|${out.keepTail ?? 0}` : h;
}

/**
 * The compressible part of an output, and the verbatim head and tail around it: Cline's result
 * header and environment details, an agent's metadata header (exit code, wall time; see output-frame.ts).
 */
function sliceOutput(full: string, out: Pick<ToolOutput, 'keepHead' | 'keepTail'>): { head: string; tail: string; text: string } {
  const outer = out.keepHead ? full.slice(0, out.keepHead) : '';
  const tail = out.keepTail ? full.slice(full.length - out.keepTail) : '';
  const body = outer || tail ? full.slice(outer.length, full.length - tail.length) : full;
  const frame = headerLength(body);
  return { head: outer + body.slice(0, frame), tail, text: frame ? body.slice(frame) : body };
}

interface MemoEntry {
  text?: string;
  reason?: LeftAlone;
  kind?: string;
  /** Under an error key: the output is decided by its content's entry (it was not left alone as an error). */
  follow?: boolean;
}

export class Rewriter {
  /** Retrieve calls of Responses turns the client never saw, answered when a request continues them. */
  readonly owed: OwedAnswers;
  private readonly isExcluded: (name: string | undefined) => boolean;
  private readonly local = new Map<string, MemoEntry>();
  /** Decisions by the exact bytes of the string literal (seen-before fast path, in memory only). */
  private readonly rawSeen = new Map<string, RawSeen>();
  private readonly scans = new ScanCache();

  constructor(private readonly store: Store, private readonly config: ProxyConfig) {
    this.isExcluded = toolMatcher(config.excludeTools);
    this.owed = new OwedAnswers(store);
  }

  /** Parses and rewrites a request body; returns null when the body is not a JSON object. */
  rewrite(api: Api, buf: Buffer, options: { injectRetrieveTool: boolean }): RewriteResult | null {
    const start = performance.now();
    const { root, turn, previous } = this.scans.scan(buf);
    const shape = extractShape(api, buf, root, this.config.compressUserTextToolResults);
    if (!shape) return null;
    const deadline = start + this.config.budgetMs;
    const splices: Splice[] = [];
    const outputs: OutputRecord[] = [];
    let hasMarkers = false;
    for (let i = 0; i < shape.protectedOutputs; i++) outputs.push({ bytesIn: 0, bytesOut: 0, reason: 'cache-control', replayed: false });
    // Newest first: when a request brings many unseen outputs (a resumed session), the time
    // budget goes to the latest ones, which stay in the conversation longest.
    for (let i = shape.outputs.length - 1; i >= 0; i--) {
      const r = this.processOutput(buf, shape.outputs[i], shape.query, shape.model, deadline);
      outputs.push(r.record);
      if (r.splice) splices.push(r.splice);
      if (r.marked) hasMarkers = true;
    }
    const owedAnswers = api === 'responses' ? this.payOwed(buf, shape.root, splices) : [];
    let retrieveToolInjected = false;
    let retrieveToolNew = false;
    if (options.injectRetrieveTool && this.config.retrieval && !shape.clientHasRetrieveTool && !shape.unstitchable) {
      // Once given the tool, a conversation keeps it (also on turns without a marker, e.g. after
      // the agent cleared old tool results): a tool list that flips invalidates the cached prefix.
      const key = STICKY_PREFIX + conversationKey(api, buf, shape.root);
      const given = this.store.getMemo(key) !== undefined;
      if (hasMarkers || given) {
        const s = retrieveToolSplice(api, buf, shape);
        if (s) {
          splices.push(s);
          retrieveToolInjected = true;
          retrieveToolNew = !given;
          if (!given) this.store.putMemo(key, '1');
        }
      }
    }
    const body = applySplices(buf, splices);
    return {
      body, changed: splices.length > 0, shape, outputs, hasMarkers, retrieveToolInjected, retrieveToolNew,
      ms: performance.now() - start, turn, previous, owedAnswers,
    };
  }

  /** Outputs for the retrieve calls the continued response made unseen, first in the new input. */
  private payOwed(buf: Buffer, root: JsonObject, splices: Splice[]): RetrieveAnswer[] {
    const previous = stringMember(buf, root, 'previous_response_id');
    const calls = previous === undefined ? undefined : this.owed.get(previous);
    const input = member(root, 'input');
    if (!calls || input?.type !== 'array') return [];
    const answers = answerCalls(this.store, calls, false);
    const items = answers.map((a) => JSON.stringify({ type: 'function_call_output', call_id: a.id, output: a.text }));
    const at = input.start + 1;
    splices.push({ start: at, end: at, bytes: Buffer.from(items.join(',') + (input.items.length ? ',' : ''), 'utf8') });
    return answers;
  }

  private processOutput(
    buf: Buffer, out: ToolOutput, query: string | undefined, model: string | undefined, deadline: number,
  ): { record: OutputRecord; splice?: Splice; marked: boolean } {
    const rawBytes = out.node.end - out.node.start - 2;
    const base = { tool: out.tool, replayed: false };
    if (this.isExcluded(out.tool)) return { record: { ...base, bytesIn: rawBytes, bytesOut: rawBytes, reason: 'excluded-tool' }, marked: false };
    // Escapes make the literal at most ~6x its text; a literal under the floor is surely too small.
    // Outputs this small are never memoized (see THRESHOLD_MEMO_MIN_BYTES).
    if (rawBytes < this.config.minBytes && rawBytes < THRESHOLD_MEMO_MIN_BYTES) {
      return { record: { ...base, bytesIn: rawBytes, bytesOut: rawBytes, reason: 'too-small' }, marked: false };
    }

    // Seen-before fast path: the same literal bytes always give the same replacement bytes.
    const rawKey = rawLiteralKey(buf, out);
    const seen = this.rawSeen.get(rawKey);
    if (seen && !(out.isError && seen.bytesIn < this.config.errorMinBytes && seen.reason === undefined)) {
      // Still in use: the stored decision and originals must outlive this process (TTL, size cap).
      this.keepAlive(seen);
      const decode = () => sliceOutput(decodeString(buf, out.node), out).text;
      const record: OutputRecord = {
        ...base, replayed: true, hash: seen.hash, kind: seen.kind, bytesIn: seen.bytesIn, bytesOut: seen.bytesOut,
        reason: seen.reason, compressed: seen.compressed, decode: seen.reason ? undefined : decode,
      };
      return { record, splice: seen.bytes ? { start: out.node.start, end: out.node.end, bytes: seen.bytes } : undefined, marked: seen.marked };
    }

    const { head, tail, text } = sliceOutput(decodeString(buf, out.node), out);
    const bytesIn = Buffer.byteLength(text, 'utf8');
    const leave = (reason: LeftAlone, hash?: string, marked = false) =>
      ({ record: { ...base, bytesIn, bytesOut: bytesIn, reason, hash }, marked });
    if (bytesIn < this.config.minBytes && bytesIn < THRESHOLD_MEMO_MIN_BYTES) return leave('too-small');
    if (hasMarker(text)) {
      const named = markerHashes(text);
      this.store.touch(named);
      return leave('already-compressed', undefined, named.some((h) => this.store.has(h)));
    }

    const failed = !!out.isError || reportsFailure(head) || reportsFailure(text);
    const { hash, entry, memoKey, follow, replayed } = decideOutput(
      this.store, this.config, { lookup: (k) => this.lookup(k), remember: (k, e) => this.remember(k, e) },
      text, bytesIn, failed, query, model, deadline,
    );
    if (entry.reason || entry.text === undefined) {
      this.keepRaw(rawKey, { hash, memoKey, follow, kind: entry.kind, bytesIn, bytesOut: bytesIn, reason: entry.reason ?? 'not-smaller', marked: false });
      return { record: { ...base, bytesIn, bytesOut: bytesIn, reason: entry.reason, hash, kind: entry.kind, replayed }, marked: false };
    }
    const bytes = encodeString(head + entry.text + tail, looksAsciiEscaped(buf, out.node));
    const bytesOut = Buffer.byteLength(entry.text, 'utf8');
    const marked = hasMarker(entry.text);
    const hashes = marked ? markerHashes(entry.text) : undefined;
    if (replayed && hashes) this.store.touch(hashes);
    this.keepRaw(rawKey, { hash, memoKey, follow, kind: entry.kind, bytesIn, bytesOut, bytes, compressed: entry.text, marked, hashes });
    return {
      record: { ...base, replayed, hash, kind: entry.kind, bytesIn, bytesOut, original: text, compressed: entry.text },
      splice: { start: out.node.start, end: out.node.end, bytes },
      marked,
    };
  }

  private keepRaw(key: string, entry: RawSeen): void {
    if (this.rawSeen.size >= LOCAL_MEMO_MAX) this.rawSeen.delete(this.rawSeen.keys().next().value as string);
    this.rawSeen.set(key, entry);
  }

  /**
   * A decision replayed from memory: its memo entry and the originals its markers name are used
   * again now, so the store keeps them (an evicted memo entry is written back) and a restart
   * replays the same bytes.
   */
  private keepAlive(seen: RawSeen): void {
    const entry: MemoEntry = seen.compressed !== undefined ? { text: seen.compressed, kind: seen.kind } : { reason: seen.reason, kind: seen.kind };
    if (this.store.getMemo(seen.memoKey) === undefined) this.store.putMemo(seen.memoKey, encodeMemo(entry));
    if (seen.follow && this.store.getMemo(seen.follow) === undefined) this.store.putMemo(seen.follow, encodeMemo({ follow: true }));
    if (seen.hashes?.length) this.store.touch(seen.hashes);
  }

  private lookup(key: string): MemoEntry | undefined {
    const hit = this.local.get(key);
    if (hit) {
      if (this.store.getMemo(key) === undefined) this.store.putMemo(key, encodeMemo(hit));
      return hit;
    }
    const stored = this.store.getMemo(key);
    if (stored === undefined) return undefined;
    const entry = decodeMemo(stored);
    if (entry) this.keepLocal(key, entry);
    return entry;
  }

  private remember(key: string, entry: MemoEntry): void {
    this.keepLocal(key, entry);
    this.store.putMemo(key, encodeMemo(entry));
  }

  private keepLocal(key: string, entry: MemoEntry): void {
    if (this.local.size >= LOCAL_MEMO_MAX) this.local.delete(this.local.keys().next().value as string);
    this.local.set(key, entry);
  }
}

interface MemoAccess {
  lookup(key: string): MemoEntry | undefined;
  remember(key: string, entry: MemoEntry): void;
}

/**
 * The decision for an output's compressible text (its frame cut off; not tiny, not already
 * compressed): the memoized one, else made now from the thresholds or by the engine, and memoized.
 * A decision made before (also under other thresholds, by another process, or on the extension's
 * direct route) stands: the conversation carries the bytes it produced. Error outputs have their
 * own decision, so that text first seen elsewhere as ordinary output is not compressed where it
 * reports an error.
 */
function decideOutput(
  store: Store, config: Pick<ProxyConfig, 'minBytes' | 'errorMinBytes'>, memo: MemoAccess, text: string, bytesIn: number,
  failed: boolean, query: string | undefined, model: string | undefined, deadline: number,
): { hash: string; entry: MemoEntry; memoKey: string; follow?: string; replayed: boolean } {
  const hash = ccrHash(text);
  const key = MEMO_PREFIX + hash;
  const errorKey = failed ? MEMO_PREFIX + ERROR_INFIX + hash : undefined;
  let entry: MemoEntry | undefined;
  let memoKey = key;
  const errorEntry = errorKey ? memo.lookup(errorKey) : undefined;
  if (errorEntry && !errorEntry.follow) {
    entry = errorEntry;
    memoKey = errorKey!;
  } else if (!errorKey || errorEntry || bytesIn >= config.errorMinBytes) {
    entry = memo.lookup(key);
  }
  const replayed = entry !== undefined;
  if (!entry) {
    if (errorKey && !errorEntry && bytesIn < config.errorMinBytes) {
      entry = { reason: 'error-output' };
      memoKey = errorKey;
    } else if (bytesIn < config.minBytes) {
      entry = { reason: 'too-small' };
    } else {
      entry = decide(store, text, query, model, deadline - performance.now());
    }
    memo.remember(memoKey, entry);
  }
  // An error output's first decision is its decision from now on: the content's own, here.
  const follow = errorKey && memoKey === key ? errorKey : undefined;
  if (follow && !errorEntry) memo.remember(follow, { follow: true });
  return { hash, entry, memoKey, follow, replayed };
}

/**
 * The engine's decision for an output seen for the first time. With the budget spent the output
 * goes up as sent, and that decision is memoized like any other, so later turns repeat the same bytes.
 */
function decide(store: Store, text: string, query: string | undefined, model: string | undefined, budgetMs: number): MemoEntry {
  if (budgetMs <= 0) return { reason: 'budget' };
  // A JSON wrapper around the tool's text: the text is compressed for what it is (a log, a
  // test run), not the wrapper as one JSON string; the wrapper's other bytes stay.
  const wrapped = wrappedOutput(text);
  const result = compress(wrapped ? wrapped.inner : text, { store, query, countTokens: false, budgetMs, model });
  if (result.report.unchanged) return { reason: mapUnchanged(result.report.unchanged), kind: result.report.kind };
  return { text: wrapped ? wrapped.before + JSON.stringify(result.text) + wrapped.after : result.text, kind: result.report.kind };
}

/**
 * One tool output compressed outside a proxied request (the extension's direct route to the
 * provider): the stored decision when the proxy or an earlier call made one, else the engine's,
 * stored the same way. The proxy and the direct route thus send identical bytes for an output,
 * and a conversation keeps its cached prefix when it moves from one to the other.
 */
export function compressOutput(
  store: Store, text: string, query: string | undefined, budgetMs: number,
  config: Pick<ProxyConfig, 'minBytes' | 'errorMinBytes'> = DEFAULT_CONFIG,
): string {
  // The proxy's rules, in its order: the agent's frame stays verbatim, tiny and already-compressed
  // outputs are left alone, failures are decided as error outputs.
  const { head, tail, text: inner } = sliceOutput(text, {});
  const bytesIn = Buffer.byteLength(inner, 'utf8');
  if ((bytesIn < config.minBytes && bytesIn < THRESHOLD_MEMO_MIN_BYTES) || hasMarker(inner)) return text;
  const memo: MemoAccess = {
    lookup: (key) => {
      const stored = store.getMemo(key);
      return stored === undefined ? undefined : decodeMemo(stored);
    },
    remember: (key, entry) => store.putMemo(key, encodeMemo(entry)),
  };
  const failed = reportsFailure(head) || reportsFailure(inner);
  const { entry } = decideOutput(store, config, memo, inner, bytesIn, failed, query, undefined, performance.now() + budgetMs);
  return entry.text === undefined ? text : head + entry.text + tail;
}

function mapUnchanged(u: string): LeftAlone {
  return u === 'empty' || u === 'binary' || u === 'already-compressed' || u === 'not-smaller' || u === 'budget' || u === 'error' || u === 'no-strategy'
    ? u : 'not-smaller';
}

/** Memo values: `=<kind>\n<compressed text>`, `!<kind>\n<reason>` or (error keys) `>\n`. */
function encodeMemo(e: MemoEntry): string {
  if (e.follow) return '>\n';
  return e.text !== undefined ? `=${e.kind ?? ''}\n${e.text}` : `!${e.kind ?? ''}\n${e.reason}`;
}

function decodeMemo(v: string): MemoEntry | undefined {
  const nl = v.indexOf('\n');
  if (nl < 1) return undefined;
  const kind = v.slice(1, nl) || undefined;
  const rest = v.slice(nl + 1);
  if (v[0] === '=') return { text: rest, kind };
  if (v[0] === '!') return { reason: rest as LeftAlone, kind };
  if (v[0] === '>') return { follow: true };
  return undefined;
}
