/** Provider-neutral chat messages and stream events (what VS Code's parts are converted to and from). */

export type ChatPart =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; callId: string; content: string; isError?: boolean }
  | { type: 'image'; mimeType: string; data: Uint8Array };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  parts: ChatPart[];
}

export interface ChatTool {
  name: string;
  description: string;
  inputSchema?: object;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  /** 'required': the model must call a tool (VS Code's LanguageModelChatToolMode.Required). */
  toolMode?: 'auto' | 'required';
  maxTokens: number;
}

export type ChatEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  | { type: 'usage'; inputTokens?: number; outputTokens?: number }
  | { type: 'stop'; reason: string };

export type WireApi = 'anthropic' | 'openai';

/** Thrown for an upstream error answer (status and a short, key-free message). */
export class UpstreamError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
