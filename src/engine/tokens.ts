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
 * Tokens of `text` as `count` gives them, except that a run of over 64 characters that are all
 * non-space, or all whitespace, is counted in 64-character slices: such a run is one pre-token,
 * BPE merges within one pre-token are quadratic, and minified code, base64, a row of '=' or
 * thousands of blank lines would take seconds to minutes. The count can differ from the exact one
 * by a token per slice, on runs that are rare in practice. Self-contained: the counting worker
 * runs its source (see token-counter.ts).
 */
export function countWithLongRuns(text: string, count: (s: string) => number): number {
  const max = 64;
  let n = 0;
  let from = 0;
  for (const m of text.matchAll(/\S{65,}|\s{65,}/g)) {
    n += count(text.slice(from, m.index));
    for (let i = 0; i < m[0].length; i += max) n += count(m[0].slice(i, i + max));
    from = m.index + m[0].length;
  }
  return n + count(text.slice(from));
}

/** Tokens of a text for a model (o200k_base when the model is unknown). */
export function countTokens(text: string, model?: string): number {
  if (text.length === 0) return 0;
  const t = tokenizerFor(model);
  const enc = encoder(t.encoding);
  // Slices of long runs repeat (a row of '=', blank lines): each distinct one is encoded once.
  const slices = new Map<string, number>();
  const count = (s: string) => {
    if (s.length === 0) return 0;
    if (s.length > 64) return enc.encode(s, 'all').length;
    let c = slices.get(s);
    if (c === undefined) slices.set(s, (c = enc.encode(s, 'all').length));
    return c;
  };
  const n = countWithLongRuns(text, count);
  return t.factor === 1 ? n : Math.ceil(n * t.factor);
}
