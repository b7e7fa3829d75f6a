/**
 * VS Code chat messages (LanguageModelChatRequestMessage with Text/ToolCall/ToolResult/Data parts)
 * to neutral messages. Parts are recognised by shape, not class, so this runs without VS Code and
 * keeps working across API versions.
 */
import type { ChatMessage, ChatPart, ChatTool } from './types';

/** vscode.LanguageModelChatMessageRole: User = 1, Assistant = 2, System = 3 (proposed). */
const ROLE: Record<number, ChatMessage['role']> = { 1: 'user', 2: 'assistant', 3: 'system' };

interface VsMessage {
  role: number;
  content: ReadonlyArray<unknown> | string;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The text of a tool result's content parts (text parts, prompt-tsx values and text data parts). */
function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const out: string[] = [];
  for (const c of content) {
    if (typeof c === 'string') out.push(c);
    else if (isObj(c) && typeof c.value === 'string') out.push(c.value);
    else if (isObj(c) && c.data instanceof Uint8Array && typeof c.mimeType === 'string' && /^(text\/|application\/json)/.test(c.mimeType)) out.push(Buffer.from(c.data).toString('utf8'));
    else if (isObj(c) && 'value' in c) out.push(JSON.stringify(c.value));
  }
  return out.join('');
}

export function partFromVscode(p: unknown): ChatPart | undefined {
  if (typeof p === 'string') return { type: 'text', text: p };
  if (!isObj(p)) return undefined;
  if (typeof p.callId === 'string' && typeof p.name === 'string' && 'input' in p) return { type: 'tool_call', id: p.callId, name: p.name, input: p.input };
  if (typeof p.callId === 'string' && 'content' in p) return { type: 'tool_result', callId: p.callId, content: toolResultText(p.content), ...(p.isError === true ? { isError: true } : {}) };
  if (typeof p.value === 'string') return { type: 'text', text: p.value };
  if (p.data instanceof Uint8Array && typeof p.mimeType === 'string' && p.mimeType.startsWith('image/')) return { type: 'image', mimeType: p.mimeType, data: p.data };
  return undefined;
}

export function messagesFromVscode(messages: ReadonlyArray<VsMessage>): ChatMessage[] {
  return messages.map((m) => {
    const raw = typeof m.content === 'string' ? [m.content] : m.content;
    const parts = raw.map(partFromVscode).filter((p): p is ChatPart => p !== undefined);
    return { role: ROLE[m.role] ?? 'user', parts };
  });
}

export function toolsFromVscode(tools: ReadonlyArray<{ name: string; description: string; inputSchema?: object }> | undefined): ChatTool[] | undefined {
  return tools?.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
}

/** Rough token count for VS Code's budget checks (the provider's own count comes back in usage). */
export function estimateTokens(value: string | VsMessage): number {
  const text = typeof value === 'string' ? value : messagesFromVscode([value]).flatMap((m) => m.parts).map((p) => (p.type === 'text' ? p.text : p.type === 'tool_result' ? p.content : p.type === 'tool_call' ? JSON.stringify(p.input) : '')).join('');
  return Math.ceil(text.length / 4);
}
