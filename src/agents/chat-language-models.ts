/**
 * Copilot Chat's BYOK "Custom Endpoint" route: one provider group of our own in the user's
 * `chatLanguageModels.json` (a JSON array), recognised by its name, appended without touching the
 * user's entries, re-pointed when the port changes and removed on disconnect.
 */
// The ESM build: esbuild cannot follow the UMD build's dynamic requires (./impl/format).
import { parse as parseJsonc, parseTree, type Node, type ParseError } from 'jsonc-parser/lib/esm/main.js';
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

function parseArray(text: string, file: string): Node[] {
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: true });
  const tree = parseTree(text, [], { allowTrailingComma: true });
  if (errors.length > 0 || !Array.isArray(value) || tree?.type !== 'array') throw new MalformedConfigError(file, 'expected a JSON array');
  return tree.children ?? [];
}

const isOurs = (g: Node) => {
  const name = g.type === 'object' ? g.children?.find((p) => p.children?.[0]?.value === 'name')?.children?.[1]?.value : undefined;
  return typeof name === 'string' && name.startsWith(GROUP_NAME);
};

/**
 * Adds or re-points our groups, each appended as `,` + a line break + the group indented by two
 * spaces, so that removing it gives back the file's bytes; the user's groups are never rewritten.
 */
export function connectChatModels(text: string, origin: string, models = DEFAULT_MODELS, file = 'chatLanguageModels.json'): string {
  let out = disconnectChatModels(text.trim() === '' ? '[]\n' : text, file);
  const eol = out.includes('\r\n') ? '\r\n' : '\n';
  const groups = (['messages', 'chat-completions', 'responses'] as const).map((t) => groupFor(origin, models, t)).filter((g) => g.models.length > 0);
  for (const g of groups) {
    const items = parseArray(out, file);
    const last = items[items.length - 1];
    const block = eol + '  ' + JSON.stringify(g, null, 2).split('\n').join(eol + '  ');
    if (last) {
      const at = last.offset + last.length;
      out = out.slice(0, at) + ',' + block + out.slice(at);
    } else {
      const open = out.indexOf('[');
      const close = out.lastIndexOf(']');
      // An empty array's inside is replaced (and is given back as `[]` on removal).
      out = out.slice(0, open + 1) + block + eol + out.slice(close);
    }
  }
  return out;
}

/** Removes our groups (with the separator before, or after, each), leaving every other byte as it was. */
export function disconnectChatModels(text: string, file = 'chatLanguageModels.json'): string {
  let out = text;
  for (;;) {
    if (out.trim() === '') return out;
    const items = parseArray(out, file);
    const index = items.findIndex(isOurs);
    if (index < 0) return out;
    const g = items[index];
    if (index > 0) {
      const prev = items[index - 1];
      out = out.slice(0, prev.offset + prev.length) + out.slice(g.offset + g.length);
    } else if (items.length > 1) {
      out = out.slice(0, g.offset) + out.slice(items[1].offset);
    } else {
      out = out.slice(0, out.indexOf('[') + 1) + out.slice(out.lastIndexOf(']'));
    }
  }
}

export function hasChatModels(text: string): boolean {
  try {
    return text.trim() !== '' && parseArray(text, '').some(isOurs);
  } catch {
    return false;
  }
}
