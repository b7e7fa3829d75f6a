/**
 * Finds, in the scanned request, the string values that hold tool output (the only bytes the
 * proxy may replace), for each of the three APIs. Everything else is never looked at again.
 */
import { decodeString, member, scalarMember, stringMember } from './json-scan';
import type { JsonArray, JsonNode, JsonObject, JsonString } from './json-scan';
import { commandOf, toolNameFor } from './file-read';

export type Api = 'anthropic' | 'chat' | 'responses';

export interface ToolOutput {
  node: JsonString;
  tool?: string;
  isError: boolean;
  /** 'user_text': agent-formatted tool output in a user text block (Cline / Roo XML mode). */
  source: 'tool_result' | 'user_text';
  /** For user_text outputs: characters at the start and end of the string kept verbatim. */
  keepHead?: number;
  keepTail?: number;
}

export interface RequestShape {
  api: Api;
  root: JsonObject;
  model?: string;
  stream: boolean;
  outputs: ToolOutput[];
  /** Tool outputs that are off-limits before any size check, e.g. blocks carrying cache_control. */
  protectedOutputs: number;
  /** The latest user prose, steering what lossy compressors keep. */
  query?: string;
  tools?: JsonArray;
  /** The client already defines a tool named headroom_retrieve (e.g. through MCP). */
  clientHasRetrieveTool: boolean;
  /**
   * Requests whose answer the proxy cannot continue as one, so they are not given the retrieve
   * tool: Chat with `n` > 1 (several answers, each could call it); Responses in background mode
   * (the answer is fetched later, not through this request) or in a stored `conversation` (the
   * provider adds the turn's items, a retrieve call among them, to what the client reads later).
   */
  unstitchable: boolean;
}

export const RETRIEVE_TOOL_NAME = 'headroom_retrieve';

/** Cline / Roo XML tool results start with a header such as `[execute_command for 'npm test'] Result:`. */
const CLINE_HEADER = /^\[([A-Za-z0-9_-]+)(?: for '[^\n]*')?\] Result:/;
const ENV_DETAILS = '\n\n<environment_details>';

/** The object has the member, with a value other than null. */
function hasMember(buf: Buffer, root: JsonNode, key: string): boolean {
  return member(root, key) !== undefined && scalarMember(buf, root, key) !== 'null';
}

export function extractShape(api: Api, buf: Buffer, root: JsonNode, compressUserText: boolean): RequestShape | null {
  if (root.type !== 'object') return null;
  const shape: RequestShape = {
    api,
    root,
    model: stringMember(buf, root, 'model'),
    stream: scalarMember(buf, root, 'stream') === 'true',
    outputs: [],
    protectedOutputs: 0,
    clientHasRetrieveTool: false,
    unstitchable: api === 'chat'
      ? Number(scalarMember(buf, root, 'n') ?? 1) > 1
      : api === 'responses' && (scalarMember(buf, root, 'background') === 'true' || hasMember(buf, root, 'conversation')),
  };
  const tools = member(root, 'tools');
  if (tools && tools.type === 'array') {
    shape.tools = tools;
    for (const t of tools.items) {
      const name = api === 'chat' ? stringMember(buf, member(t, 'function'), 'name') : stringMember(buf, t, 'name');
      if (name === RETRIEVE_TOOL_NAME) shape.clientHasRetrieveTool = true;
    }
  }
  if (api === 'anthropic') extractAnthropic(buf, root, shape, compressUserText);
  else if (api === 'chat') extractChat(buf, root, shape);
  else extractResponses(buf, root, shape);
  return shape;
}

function arrayItems(node: JsonNode | undefined): JsonNode[] {
  return node && node.type === 'array' ? node.items : [];
}

function extractAnthropic(buf: Buffer, root: JsonObject, shape: RequestShape, compressUserText: boolean): void {
  const toolNames = new Map<string, string>();
  for (const msg of arrayItems(member(root, 'messages'))) {
    const role = stringMember(buf, msg, 'role');
    const content = member(msg, 'content');
    if (role === 'assistant') {
      for (const block of arrayItems(content)) {
        if (stringMember(buf, block, 'type') === 'tool_use') {
          const id = stringMember(buf, block, 'id');
          const name = stringMember(buf, block, 'name');
          const command = stringMember(buf, member(block, 'input'), 'command');
          if (id && name) toolNames.set(id, toolNameFor(name, command));
        }
      }
      continue;
    }
    if (role !== 'user' || !content) continue;
    if (content.type === 'string') {
      shape.query = decodeString(buf, content);
      continue;
    }
    const prose: string[] = [];
    const blocks = arrayItems(content);
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i];
      const type = stringMember(buf, block, 'type');
      if (type === 'tool_result') {
        const tool = toolNames.get(stringMember(buf, block, 'tool_use_id') ?? '');
        const isError = scalarMember(buf, block, 'is_error') === 'true';
        if (member(block, 'cache_control')) {
          shape.protectedOutputs++;
          continue;
        }
        const c = member(block, 'content');
        if (c?.type === 'string') shape.outputs.push({ node: c, tool, isError, source: 'tool_result' });
        else {
          for (const part of arrayItems(c)) {
            if (stringMember(buf, part, 'type') !== 'text') continue;
            if (member(part, 'cache_control')) {
              shape.protectedOutputs++;
              continue;
            }
            const text = member(part, 'text');
            if (text?.type === 'string') shape.outputs.push({ node: text, tool, isError, source: 'tool_result' });
          }
        }
      } else if (type === 'text') {
        const textNode = member(block, 'text');
        if (textNode?.type !== 'string') continue;
        const text = decodeString(buf, textNode);
        const header = CLINE_HEADER.exec(text);
        if (!header) {
          prose.push(text);
          continue;
        }
        if (!compressUserText) continue;
        if (member(block, 'cache_control')) {
          shape.protectedOutputs++;
          continue;
        }
        const tool = header[1];
        const isError = /^\[[^\]]*\] Result:\s*(The tool execution failed|Error)/.test(text);
        const firstLine = text.indexOf('\n');
        if (firstLine !== -1 && text.length - firstLine > 1) {
          const env = text.indexOf(ENV_DETAILS, firstLine);
          shape.outputs.push({
            node: textNode, tool, isError, source: 'user_text',
            keepHead: firstLine + 1, keepTail: env === -1 ? 0 : text.length - env,
          });
          continue;
        }
        // Header alone: Cline sends the output as the next text block.
        const next = blocks[i + 1];
        const nextText = member(next, 'text');
        if (stringMember(buf, next, 'type') === 'text' && nextText?.type === 'string' && !member(next, 'cache_control')) {
          const body = decodeString(buf, nextText);
          if (!body.startsWith('<') && !CLINE_HEADER.test(body)) {
            const env = body.indexOf(ENV_DETAILS);
            shape.outputs.push({ node: nextText, tool, isError, source: 'user_text', keepHead: 0, keepTail: env === -1 ? 0 : body.length - env });
            i++;
          }
        }
      }
    }
    // Agent-injected context (Cline's environment details, Claude Code's reminders) is not the question.
    const question = prose.filter((p) => !/^\s*<(environment_details|system-reminder)>/.test(p)).join('\n').trim();
    if (question) shape.query = question.length > 4000 ? question.slice(0, 4000) : question;
  }
}

function extractChat(buf: Buffer, root: JsonObject, shape: RequestShape): void {
  const toolNames = new Map<string, string>();
  for (const msg of arrayItems(member(root, 'messages'))) {
    const role = stringMember(buf, msg, 'role');
    const content = member(msg, 'content');
    if (role === 'assistant') {
      for (const call of arrayItems(member(msg, 'tool_calls'))) {
        const id = stringMember(buf, call, 'id');
        const name = stringMember(buf, member(call, 'function'), 'name');
        const command = commandOf(stringMember(buf, member(call, 'function'), 'arguments'));
        if (id && name) toolNames.set(id, toolNameFor(name, command));
      }
    } else if (role === 'tool') {
      const tool = toolNames.get(stringMember(buf, msg, 'tool_call_id') ?? '');
      if (content?.type === 'string') shape.outputs.push({ node: content, tool, isError: false, source: 'tool_result' });
      else {
        for (const part of arrayItems(content)) {
          const text = member(part, 'text');
          if (stringMember(buf, part, 'type') === 'text' && text?.type === 'string') {
            shape.outputs.push({ node: text, tool, isError: false, source: 'tool_result' });
          }
        }
      }
    } else if (role === 'user') {
      if (content?.type === 'string') shape.query = decodeString(buf, content);
      else {
        const texts = arrayItems(content).map((p) => stringMember(buf, p, 'text')).filter((t): t is string => !!t);
        if (texts.length) shape.query = texts.join('\n');
      }
    }
  }
  if (shape.query && shape.query.length > 4000) shape.query = shape.query.slice(0, 4000);
}

const RESPONSES_OUTPUT_TYPES = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);

function extractResponses(buf: Buffer, root: JsonObject, shape: RequestShape): void {
  const input = member(root, 'input');
  if (input?.type === 'string') {
    shape.query = decodeString(buf, input);
    return;
  }
  collectResponsesItems(buf, arrayItems(input), shape);
}

/** Shared with the WebSocket path, whose response.create frames carry the same items. */
export function collectResponsesItems(buf: Buffer, items: JsonNode[], shape: RequestShape): void {
  const toolNames = new Map<string, string>();
  for (const item of items) {
    const type = stringMember(buf, item, 'type');
    if (type === 'function_call' || type === 'custom_tool_call' || type === 'local_shell_call') {
      const id = stringMember(buf, item, 'call_id');
      const name = stringMember(buf, item, 'name') ?? (type === 'local_shell_call' ? 'local_shell' : undefined);
      const args = member(item, 'arguments');
      const command = type === 'local_shell_call' ? undefined : commandOf(args?.type === 'string' ? decodeString(buf, args) : undefined);
      if (id && name) toolNames.set(id, toolNameFor(name, command));
    } else if (type && RESPONSES_OUTPUT_TYPES.has(type)) {
      const tool = toolNames.get(stringMember(buf, item, 'call_id') ?? '');
      const output = member(item, 'output');
      if (output?.type === 'string') shape.outputs.push({ node: output, tool, isError: false, source: 'tool_result' });
      else {
        for (const part of arrayItems(output)) {
          const text = member(part, 'text');
          if (stringMember(buf, part, 'type') === 'input_text' && text?.type === 'string') {
            shape.outputs.push({ node: text, tool, isError: false, source: 'tool_result' });
          }
        }
      }
    } else if ((type === 'message' || type === undefined) && stringMember(buf, item, 'role') === 'user') {
      const content = member(item, 'content');
      if (content?.type === 'string') shape.query = decodeString(buf, content);
      else {
        const texts = arrayItems(content).map((p) => stringMember(buf, p, 'text')).filter((t): t is string => !!t);
        if (texts.length) shape.query = texts.join('\n').slice(0, 4000);
      }
    }
  }
}
