/**
 * A JSON scanner over the original request bytes. It records where every value starts and ends
 * (byte offsets) without building JavaScript values, so the proxy can replace a few string values
 * and forward every other byte exactly as the client wrote it (spacing, escapes, number forms,
 * key order). Iterative, so deeply nested input cannot overflow the call stack.
 */
import { isAscii } from 'node:buffer';

export type JsonNode = JsonObject | JsonArray | JsonString | JsonScalar;

export interface JsonObject {
  type: 'object';
  start: number;
  /** Offset just past the closing brace. */
  end: number;
  entries: Array<[string, JsonNode]>;
}
export interface JsonArray {
  type: 'array';
  start: number;
  end: number;
  items: JsonNode[];
}
export interface JsonString {
  type: 'string';
  /** Offset of the opening quote. */
  start: number;
  /** Offset just past the closing quote. */
  end: number;
  /** True when the literal contains a backslash escape. */
  escaped: boolean;
}
export interface JsonScalar {
  type: 'scalar';
  start: number;
  end: number;
}

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
  }
}

/**
 * Values (and keys and checkpoint frames) one scan tree may hold. A node takes a few hundred bytes
 * while its JSON can take two (`0,` or `[`): without a bound, a 64 MiB body of tiny values or
 * deep nesting needs gigabytes, and the scan cache keeps trees of bodies up to 8 MiB. Agents'
 * bodies hold tens of thousands.
 */
export const MAX_SCAN_NODES = 500_000;

/** A body with more values than MAX_SCAN_NODES: not a syntax error, the proxy forwards it untouched. */
export class JsonTooComplexError extends Error {
  constructor() {
    super(`JSON body has more than ${MAX_SCAN_NODES} values; left as it is`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Parses the structure of a JSON document; throws JsonSyntaxError on malformed input. */
export function scanJson(buf: Buffer): JsonNode {
  return scanWith(buf, undefined, false).root;
}

type Frame = { node: JsonObject | JsonArray; key: string | null };

/**
 * The scanner's state just after a value at depth one or two (a top-level member, an element of
 * `messages` or `input`): the open containers and how many children each had then. The state
 * depends only on the bytes before `pos`, so a body that starts with the same bytes (the next turn
 * of a conversation) can be scanned from here instead of from its first byte.
 */
export interface ScanCheckpoint {
  pos: number;
  /** Nodes the tree counted (MAX_SCAN_NODES) up to here. */
  nodes: number;
  frames: Array<{ node: JsonObject | JsonArray; key: string | null; count: number }>;
}

export interface Scan {
  root: JsonNode;
  /** In increasing `pos` order. */
  checkpoints: ScanCheckpoint[];
}

/**
 * Scans a document, optionally resuming at a checkpoint of an earlier scan whose bytes up to and
 * including `resume.pos` equal this buffer's. Values completed before the checkpoint are shared
 * with the earlier tree (nodes are never changed once complete); the open containers are copied.
 */
export function scanJsonFrom(buf: Buffer, resume?: { checkpoints: ScanCheckpoint[]; index: number }): Scan {
  return scanWith(buf, resume, true);
}

function scanWith(buf: Buffer, resume: { checkpoints: ScanCheckpoint[]; index: number } | undefined, record: boolean): Scan {
  const n = buf.length;
  let pos = 0;
  let nodes = 0;
  const count = (k: number) => {
    nodes += k;
    if (nodes > MAX_SCAN_NODES) throw new JsonTooComplexError();
  };
  const skipSpace = () => {
    while (pos < n && isSpace(buf[pos])) pos++;
  };
  const scanString = (): JsonString => {
    const start = pos;
    pos++;
    let escaped = false;
    for (;;) {
      const q = buf.indexOf(QUOTE, pos);
      if (q < 0) throw new JsonSyntaxError('unterminated string', start);
      // Control characters are not allowed raw inside strings; checking costs a pass, so we
      // rely on the upstream to reject them, as it would have without us.
      let bs = 0;
      for (let i = q - 1; i > start && buf[i] === BACKSLASH; i--) bs++;
      pos = q + 1;
      if (bs > 0) escaped = true;
      if (bs % 2 === 0) break;
    }
    // One pass for strings whose quotes were all plain: any other escape (\n, \u…)?
    if (!escaped) escaped = buf.subarray(start + 1, pos - 1).indexOf(BACKSLASH) !== -1;
    return { type: 'string', start, end: pos, escaped };
  };
  const scanScalar = (): JsonScalar => {
    const start = pos;
    while (pos < n) {
      const c = buf[pos];
      if (c === 0x2c || c === 0x5d || c === 0x7d || isSpace(c)) break;
      pos++;
    }
    const text = buf.toString('latin1', start, pos);
    if (!(text === 'true' || text === 'false' || text === 'null' || /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text))) {
      throw new JsonSyntaxError('unexpected token', start);
    }
    return { type: 'scalar', start, end: pos };
  };

  const stack: Frame[] = [];
  let root: JsonNode | null = null;
  const checkpoints: ScanCheckpoint[] = [];
  const checkpoint = () => {
    if (!record) return;
    count(stack.length + 1);
    checkpoints.push({
      pos,
      nodes,
      frames: stack.map(({ node, key }) => ({ node, key, count: node.type === 'array' ? node.items.length : node.entries.length })),
    });
  };

  // Reads one value start; containers are pushed and filled by the loop below.
  const beginValue = (): JsonNode | null => {
    skipSpace();
    if (pos >= n) throw new JsonSyntaxError('unexpected end', pos);
    count(1);
    const c = buf[pos];
    if (c === 0x7b) {
      const node: JsonObject = { type: 'object', start: pos, end: -1, entries: [] };
      pos++;
      stack.push({ node, key: null });
      return null;
    }
    if (c === 0x5b) {
      const node: JsonArray = { type: 'array', start: pos, end: -1, items: [] };
      pos++;
      stack.push({ node, key: null });
      return null;
    }
    if (c === QUOTE) return scanString();
    return scanScalar();
  };

  const attach = (value: JsonNode) => {
    const top = stack[stack.length - 1];
    if (!top) {
      root = value;
      return;
    }
    if (top.node.type === 'array') top.node.items.push(value);
    else top.node.entries.push([top.key as string, value]);
  };

  if (resume) {
    const cp = resume.checkpoints[resume.index];
    const copies = new Map<JsonObject | JsonArray, JsonObject | JsonArray>();
    for (const f of cp.frames) {
      const node: JsonObject | JsonArray = f.node.type === 'array'
        ? { type: 'array', start: f.node.start, end: -1, items: f.node.items.slice(0, f.count) }
        : { type: 'object', start: f.node.start, end: -1, entries: f.node.entries.slice(0, f.count) };
      copies.set(f.node, node);
      stack.push({ node, key: f.key });
    }
    // The earlier checkpoints, pointed at this tree's copies: a scan never holds on to the
    // containers of the scans before it.
    for (let i = 0; i <= resume.index; i++) {
      const c = resume.checkpoints[i];
      checkpoints.push({ pos: c.pos, nodes: c.nodes, frames: c.frames.map((f) => ({ ...f, node: copies.get(f.node) ?? f.node })) });
    }
    pos = cp.pos;
    nodes = cp.nodes;
  } else {
    const value = beginValue();
    if (value) root = value;
  }
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const container = top.node;
    skipSpace();
    if (pos >= n) throw new JsonSyntaxError('unexpected end', pos);
    let c = buf[pos];
    const empty = container.type === 'array' ? container.items.length === 0 : container.entries.length === 0;
    const close = container.type === 'array' ? 0x5d : 0x7d;
    if (c === close) {
      pos++;
      container.end = pos;
      stack.pop();
      attach(container);
      if (stack.length > 0 && stack.length <= 2) checkpoint();
      continue;
    }
    if (!empty) {
      if (c !== 0x2c) throw new JsonSyntaxError('expected , or closing bracket', pos);
      pos++;
      skipSpace();
      c = buf[pos];
    }
    if (container.type === 'object') {
      if (c !== QUOTE) throw new JsonSyntaxError('expected key', pos);
      count(1);
      const k = scanString();
      top.key = decodeString(buf, k);
      skipSpace();
      if (buf[pos] !== 0x3a) throw new JsonSyntaxError('expected :', pos);
      pos++;
    }
    const value = beginValue();
    if (value) {
      attach(value);
      if (stack.length <= 2) checkpoint();
    }
  }
  skipSpace();
  if (pos !== n) throw new JsonSyntaxError('trailing data', pos);
  return { root: root as unknown as JsonNode, checkpoints };
}

/** The JavaScript string a string literal stands for. */
export function decodeString(buf: Buffer, node: JsonString): string {
  if (!node.escaped) return buf.toString('utf8', node.start + 1, node.end - 1);
  return JSON.parse(buf.toString('utf8', node.start, node.end)) as string;
}

/** Looks up a member of an object node (last one wins, as in JSON.parse). */
export function member(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (!node || node.type !== 'object') return undefined;
  for (let i = node.entries.length - 1; i >= 0; i--) if (node.entries[i][0] === key) return node.entries[i][1];
  return undefined;
}

/** The decoded value of a string member, if the member is a string. */
export function stringMember(buf: Buffer, node: JsonNode | undefined, key: string): string | undefined {
  const m = member(node, key);
  return m && m.type === 'string' ? decodeString(buf, m) : undefined;
}

/** The raw text of a scalar member (true/false/null/number), if present. */
export function scalarMember(buf: Buffer, node: JsonNode | undefined, key: string): string | undefined {
  const m = member(node, key);
  return m && m.type === 'scalar' ? buf.toString('latin1', m.start, m.end) : undefined;
}

export interface Splice {
  start: number;
  end: number;
  bytes: Buffer;
}

/** The original buffer with the given (non-overlapping) ranges replaced. */
export function applySplices(buf: Buffer, splices: Splice[]): Buffer {
  if (splices.length === 0) return buf;
  const sorted = [...splices].sort((a, b) => a.start - b.start);
  const parts: Buffer[] = [];
  let at = 0;
  for (const s of sorted) {
    if (s.start < at) throw new Error('overlapping splices');
    parts.push(buf.subarray(at, s.start), s.bytes);
    at = s.end;
  }
  parts.push(buf.subarray(at));
  return Buffer.concat(parts);
}

/**
 * A JSON string literal for a text. When the client escaped all non-ASCII characters
 * (Python's ensure_ascii style), the replacement does the same so the body keeps one style.
 */
export function encodeString(text: string, asciiOnly: boolean): Buffer {
  let s = JSON.stringify(text);
  if (asciiOnly) s = s.replace(/[\u007f-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  // Its own allocation, not a slice of Node's shared 8 KiB pool: the proxy keeps replacements for
  // replay, and a kept slice would pin its whole pool chunk.
  const out = Buffer.allocUnsafeSlow(Buffer.byteLength(s, 'utf8'));
  out.write(s, 'utf8');
  return out;
}

/** True when a string literal carries only ASCII bytes but contains \\u escapes (ensure_ascii style). */
export function looksAsciiEscaped(buf: Buffer, node: JsonString): boolean {
  if (!node.escaped) return false;
  const literal = buf.subarray(node.start, node.end);
  return isAscii(literal) && literal.indexOf('\\u', 0, 'latin1') !== -1;
}
