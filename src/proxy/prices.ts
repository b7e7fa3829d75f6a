/**
 * A bundled price table (US dollars per million tokens) for estimating what compression saved.
 * Rates are list prices; cache writes use the 5-minute rate. Models not in the table are priced
 * as their family's default (Claude Sonnet's, or GPT-5's for anything else, local models included),
 * which `known: false` tells callers; settings can add prices (`headroom.prices`).
 */
import type { PriceOverrides } from './config';

export interface Price {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

const TABLE: Array<[RegExp, Price]> = [
  [/claude-opus-4-(5|6)/, { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 }],
  [/claude-(3-)?opus/, { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 }],
  [/claude-opus-4/, { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 }],
  [/claude-(3-5-|3-7-)?sonnet|claude-sonnet/, { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 }],
  [/claude-haiku-4|claude-4-5-haiku/, { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 }],
  [/claude-3-5-haiku/, { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 }],
  [/claude-3-haiku/, { input: 0.25, output: 1.25, cacheRead: 0.03, cacheWrite: 0.3 }],
  [/gpt-5.*-mini/, { input: 0.25, output: 2, cacheRead: 0.025, cacheWrite: 0 }],
  [/gpt-5.*-nano/, { input: 0.05, output: 0.4, cacheRead: 0.005, cacheWrite: 0 }],
  [/gpt-5/, { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 0 }],
  [/gpt-4\.1-mini/, { input: 0.4, output: 1.6, cacheRead: 0.1, cacheWrite: 0 }],
  [/gpt-4\.1-nano/, { input: 0.1, output: 0.4, cacheRead: 0.025, cacheWrite: 0 }],
  [/gpt-4\.1/, { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 0 }],
  [/gpt-4o-mini/, { input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: 0 }],
  [/gpt-4o/, { input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 0 }],
  [/o4-mini/, { input: 1.1, output: 4.4, cacheRead: 0.275, cacheWrite: 0 }],
  [/o3-mini/, { input: 1.1, output: 4.4, cacheRead: 0.55, cacheWrite: 0 }],
  [/o3/, { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 0 }],
];

const CLAUDE_DEFAULT: Price = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
const OPENAI_DEFAULT: Price = { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 0 };

/** The price of a model: the table's (or its family's default), with the user's own rates for it over it. */
export function priceFor(model: string | undefined, overrides: PriceOverrides = {}): { price: Price; known: boolean } {
  const m = (model ?? '').toLowerCase();
  const own = Object.entries(overrides).find(([name]) => name.toLowerCase() === m)?.[1];
  let found: { price: Price; known: boolean } | undefined;
  for (const [re, price] of TABLE) if (re.test(m)) found ??= { price, known: true };
  found ??= { price: m.includes('claude') ? CLAUDE_DEFAULT : OPENAI_DEFAULT, known: false };
  return own ? { price: { ...found.price, ...own }, known: true } : found;
}
