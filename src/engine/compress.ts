/** The engine's one entry point: detect, compress, report; fail open on any fault. */
import { BudgetExceeded, Ctx } from './context';
import { detectKind } from './detect';
import { hasMarker } from './marker';
import { makeQuery } from './query';
import { countTokens, tokenizerFor } from './tokens';
import { compressAs } from './compressors/registry';
import type { CompressOptions, CompressReport, CompressResult, ContentKind } from './types';

export const ENGINE_VERSION = '1';

/**
 * Default budget: a floor that covers a cold process (first-call JIT and grammar loads) plus time
 * proportional to size (5 MB/s). Callers on a latency path (the proxy) pass their own.
 */
export function defaultBudgetMs(bytes: number): number {
  return 1000 + bytes / 5_000;
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Binary data (NULs, or many invalid-UTF-8 replacement characters) is not compressed. */
function looksBinary(text: string): boolean {
  const sample = text.length > 65536 ? text.slice(0, 65536) : text;
  if (sample.includes('\u0000')) return true;
  if (!sample.includes('\ufffd')) return false;
  let bad = 0;
  for (let i = 0; i < sample.length; i++) if (sample.charCodeAt(i) === 0xfffd) bad++;
  return bad > 8 && bad / sample.length > 0.01;
}

export function compress(text: string, options: CompressOptions & { store: NonNullable<CompressOptions['store']> }): CompressResult {
  const start = performance.now();
  const bytesIn = utf8Length(text);
  let kind: ContentKind = options.kind ?? 'prose';
  const finish = (out: string, strategy: string, hashes: string[], unchanged?: CompressReport['unchanged'], error?: string): CompressResult => {
    const report: CompressReport = {
      kind,
      strategy,
      bytesIn,
      bytesOut: out === text ? bytesIn : utf8Length(out),
      ms: round(performance.now() - start),
      hashes,
    };
    if (unchanged) report.unchanged = unchanged;
    if (error) report.error = error;
    if (options.countTokens !== false) {
      const c0 = performance.now();
      report.tokensIn = countTokens(text, options.model);
      report.tokensOut = out === text ? report.tokensIn : countTokens(out, options.model);
      report.tokenizer = tokenizerFor(options.model).label;
      report.countMs = round(performance.now() - c0);
    }
    return { text: out, report };
  };

  if (text.trim() === '') return finish(text, 'none', [], 'empty');
  if (looksBinary(text)) return finish(text, 'none', [], 'binary');
  if (hasMarker(text)) return finish(text, 'none', [], 'already-compressed');
  try {
    if (!options.kind) kind = detectKind(text);
    const deadline = start + (options.budgetMs ?? defaultBudgetMs(bytesIn));
    const ctx = new Ctx(makeQuery(options.query), kind, options.store, deadline, options.fileName);
    const result = compressAs(kind, text, ctx);
    if (!result) return finish(text, 'none', [], 'no-strategy');
    if (utf8Length(result.text) >= bytesIn) return finish(text, result.strategy, [], 'not-smaller');
    ctx.checkDeadline();
    return finish(result.text, result.strategy, ctx.hashes);
  } catch (e) {
    if (e instanceof BudgetExceeded) return finish(text, 'none', [], 'budget');
    return finish(text, 'none', [], 'error', e instanceof Error ? e.message : String(e));
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
