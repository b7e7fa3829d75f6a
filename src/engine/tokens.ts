/**
 * Token counting with js-tiktoken. OpenAI models use their own encoding (o200k_base for the
 * GPT-4o/4.1/5 and o-series families, cl100k_base for GPT-4 and GPT-3.5). Anthropic does not
 * publish Claude's tokenizer; for Claude models we report an estimate: the cl100k_base count
 * scaled by CLAUDE_FACTOR (Claude 3+ tokenizers yield roughly 10–20% more tokens than cl100k on
 * English and code). The encoders (a few MB of ranks) load on first use.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import type { TiktokenBPE } from 'js-tiktoken/lite';

export type EncodingName = 'o200k_base' | 'cl100k_base';
export const CLAUDE_FACTOR = 1.15;

const encoders = new Map<EncodingName, Tiktoken>();

function encoder(name: EncodingName): Tiktoken {
  let e = encoders.get(name);
  if (!e) {
    // require() keeps the ranks out of memory until a count is needed.
    const ranks: TiktokenBPE =
      name === 'o200k_base' ? require('js-tiktoken/ranks/o200k_base').default ?? require('js-tiktoken/ranks/o200k_base')
        : require('js-tiktoken/ranks/cl100k_base').default ?? require('js-tiktoken/ranks/cl100k_base');
    e = new Tiktoken(ranks);
    encoders.set(name, e);
  }
  return e;
}

export interface TokenizerChoice {
  encoding: EncodingName;
  /** Multiplier applied to the count (1 for exact counts). */
  factor: number;
  label: string;
}

export function tokenizerFor(model: string | undefined): TokenizerChoice {
  const m = (model ?? '').toLowerCase();
  if (m.includes('claude')) return { encoding: 'cl100k_base', factor: CLAUDE_FACTOR, label: 'claude-estimate(cl100k_base×1.15)' };
  if (/^(gpt-4(?!o|\.1)|gpt-3\.5|text-embedding-(ada|3))/.test(m)) return { encoding: 'cl100k_base', factor: 1, label: 'cl100k_base' };
  return { encoding: 'o200k_base', factor: 1, label: 'o200k_base' };
}

/**
 * BPE merges within one pre-token are quadratic, and a long run without whitespace (minified code,
 * base64, a row of '=') is one pre-token: such runs are counted in slices of this many characters.
 * The count can differ from the exact one by a token per slice, on runs that are rare in practice.
 */
const MAX_RUN = 64;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN + 1},}`, 'g');

/** Tokens of a text for a model (o200k_base when the model is unknown). */
export function countTokens(text: string, model?: string): number {
  if (text.length === 0) return 0;
  const t = tokenizerFor(model);
  const enc = encoder(t.encoding);
  const count = (s: string) => (s.length === 0 ? 0 : enc.encode(s, 'all').length);
  const slices = new Map<string, number>();
  const countSlice = (s: string) => {
    let c = slices.get(s);
    if (c === undefined) slices.set(s, (c = count(s)));
    return c;
  };
  let n = 0;
  let from = 0;
  for (const m of text.matchAll(LONG_RUN)) {
    n += count(text.slice(from, m.index));
    for (let i = 0; i < m[0].length; i += MAX_RUN) n += countSlice(m[0].slice(i, i + MAX_RUN));
    from = m.index + m[0].length;
  }
  n += count(text.slice(from));
  return t.factor === 1 ? n : Math.ceil(n * t.factor);
}
