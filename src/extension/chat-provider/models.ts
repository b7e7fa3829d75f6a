/** The models our Copilot Chat provider offers (configurable with `headroom.chatProvider.models`). */
import type { WireApi } from './types';

export interface ChatModelConfig {
  /** Model id sent to the provider. */
  id: string;
  name: string;
  api: WireApi;
  maxInputTokens: number;
  maxOutputTokens: number;
  toolCalling: boolean;
  vision: boolean;
}

export const DEFAULT_CHAT_MODELS: readonly ChatModelConfig[] = [
  { id: 'claude-sonnet-4-5', name: 'Claude Sonnet 4.5 (Headroom)', api: 'anthropic', maxInputTokens: 200_000, maxOutputTokens: 16_000, toolCalling: true, vision: true },
  { id: 'claude-haiku-4-5', name: 'Claude Haiku 4.5 (Headroom)', api: 'anthropic', maxInputTokens: 200_000, maxOutputTokens: 16_000, toolCalling: true, vision: true },
  { id: 'gpt-4.1', name: 'GPT-4.1 (Headroom)', api: 'openai', maxInputTokens: 1_000_000, maxOutputTokens: 32_768, toolCalling: true, vision: true },
  { id: 'gpt-5-mini', name: 'GPT-5 mini (Headroom)', api: 'openai', maxInputTokens: 272_000, maxOutputTokens: 32_768, toolCalling: true, vision: true },
];

/** Validates the user's setting; invalid entries are skipped, an empty or missing list means the defaults. */
export function chatModelsFromSetting(value: unknown): ChatModelConfig[] {
  if (!Array.isArray(value) || value.length === 0) return [...DEFAULT_CHAT_MODELS];
  const out: ChatModelConfig[] = [];
  for (const v of value) {
    if (typeof v !== 'object' || v === null) continue;
    const o = v as Record<string, unknown>;
    if (typeof o.id !== 'string' || !o.id) continue;
    const api: WireApi = o.api === 'openai' || (o.api === undefined && !/claude/i.test(o.id)) ? 'openai' : 'anthropic';
    const num = (x: unknown, d: number) => (typeof x === 'number' && x > 0 ? Math.floor(x) : d);
    out.push({
      id: o.id,
      name: typeof o.name === 'string' && o.name ? o.name : `${o.id} (Headroom)`,
      api,
      maxInputTokens: num(o.maxInputTokens, api === 'anthropic' ? 200_000 : 128_000),
      maxOutputTokens: num(o.maxOutputTokens, 16_000),
      toolCalling: o.toolCalling !== false,
      vision: o.vision !== false,
    });
  }
  return out.length > 0 ? out : [...DEFAULT_CHAT_MODELS];
}

/** SecretStorage keys for the user's API keys. */
export const SECRET_KEYS: Record<WireApi, string> = { anthropic: 'headroom.apiKey.anthropic', openai: 'headroom.apiKey.openai' };
