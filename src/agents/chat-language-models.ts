/**
 * Copilot Chat's BYOK "Custom Endpoint" route: one provider group of our own in the user's
 * `chatLanguageModels.json` (a JSON array), recognised by its name, appended without touching the
 * user's entries, re-pointed when the port changes and removed on disconnect.
 */
// The ESM build: esbuild cannot follow the UMD build's dynamic requires (./impl/format).
import { applyEdits, modify, parse as parseJsonc, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { MalformedConfigError } from './errors';

export const GROUP_NAME = 'Headroom (compressed)';

export interface CustomEndpointModel {
  id: string;
  name: string;
  apiType: 'messages' | 'chat-completions' | 'responses';
  maxInputTokens: number;
  maxOutputTokens: number;
}

export const DEFAULT_MODELS: CustomEndpointModel[] = [
  { id: 'claude-sonnet-4-5', name: 'Claude Sonnet 4.5 · Headroom', apiType: 'messages', maxInputTokens: 200_000, maxOutputTokens: 16_000 },
  { id: 'gpt-4.1', name: 'GPT-4.1 · Headroom', apiType: 'chat-completions', maxInputTokens: 1_000_000, maxOutputTokens: 32_768 },
];

const API_PATH = { messages: '/v1/messages', 'chat-completions': '/v1/chat/completions', responses: '/v1/responses' } as const;

function groupFor(origin: string, models: CustomEndpointModel[], apiType: CustomEndpointModel['apiType']) {
  const base = origin.replace(/\/+$/, '');
  return {
    name: apiType === 'messages' ? GROUP_NAME : `${GROUP_NAME} · OpenAI`,
    vendor: 'customendpoint',
    apiKey: `\${input:headroom-${apiType === 'messages' ? 'anthropic' : 'openai'}-key}`,
    apiType,
    models: models.filter((m) => m.apiType === apiType).map((m) => ({
      id: m.id, name: m.name, url: base + API_PATH[m.apiType], toolCalling: true, vision: true,
      maxInputTokens: m.maxInputTokens, maxOutputTokens: m.maxOutputTokens,
    })),
  };
}

function parseArray(text: string, file: string): unknown[] {
  if (text.trim() === '') return [];
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length > 0 || !Array.isArray(value)) throw new MalformedConfigError(file, 'expected a JSON array');
  return value;
}

const isOurs = (g: unknown) => typeof (g as { name?: unknown })?.name === 'string' && (g as { name: string }).name.startsWith(GROUP_NAME);

/** Adds or re-points our groups; the user's groups keep their bytes. */
export function connectChatModels(text: string, origin: string, models = DEFAULT_MODELS, file = 'chatLanguageModels.json'): string {
  let out = disconnectChatModels(text.trim() === '' ? '[]\n' : text, file);
  const groups = (['messages', 'chat-completions', 'responses'] as const).map((t) => groupFor(origin, models, t)).filter((g) => g.models.length > 0);
  for (const g of groups) {
    const length = parseArray(out, file).length;
    out = applyEdits(out, modify(out, [length], g, { isArrayInsertion: true, formattingOptions: { insertSpaces: true, tabSize: 2 } }));
  }
  return out;
}

/** Removes our groups, leaving the rest as it was. */
export function disconnectChatModels(text: string, file = 'chatLanguageModels.json'): string {
  let out = text;
  for (;;) {
    const groups = parseArray(out, file);
    const index = groups.findIndex(isOurs);
    if (index < 0) return out;
    out = applyEdits(out, modify(out, [index], undefined, {}));
  }
}

export function hasChatModels(text: string): boolean {
  try {
    return parseArray(text, '').some(isOurs);
  } catch {
    return false;
  }
}
