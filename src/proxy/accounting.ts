/**
 * Turns what happened to a request into its record: token counts (js-tiktoken, off the request
 * path, see token-counter.ts) and an estimate of dollars saved, priced per bucket and net of
 * costs the proxy caused.
 */
import type { PriceOverrides } from './config';
import { priceFor } from './prices';
import type { TokenCounter } from './token-counter';
import type { Usage } from './usage';
import type { RequestRecord } from './record';
import type { OutputRecord } from './rewrite';
import { markerHashes } from '../engine/marker';

export interface OutputTokens {
  saved: number;
  savedReplayed: number;
  savedFirstSight: number;
}

/**
 * Fills tokensIn/tokensOut of compressed outputs and sums what they saved. Every count is asked for
 * at once, so the counter decides right away which ones it counts and which it estimates (when
 * backed up), and the texts are let go here: a burst of requests does not keep their originals
 * alive while it waits.
 */
export async function countOutputs(counter: TokenCounter, outputs: OutputRecord[], model: string | undefined): Promise<{ records: RequestRecord['outputs']; tokens: OutputTokens }> {
  const tokens: OutputTokens = { saved: 0, savedReplayed: 0, savedFirstSight: 0 };
  const counts = outputs.map((o) => {
    if (o.reason || (o.original === undefined && !o.decode) || o.compressed === undefined) return undefined;
    const counted = Promise.all([
      counter.count(o.original ?? (o.hash ? o.decode! : o.decode!()), model, o.hash),
      counter.count(o.compressed, model),
    ]);
    o.original = undefined;
    o.decode = undefined;
    return counted;
  });
  const done = await Promise.all(counts);
  const records: RequestRecord['outputs'] = [];
  outputs.forEach((o, i) => {
    const rec: RequestRecord['outputs'][number] = { tool: o.tool, kind: o.kind, bytesIn: o.bytesIn, bytesOut: o.bytesOut, replayed: o.replayed };
    if (o.reason) rec.reason = o.reason;
    if (o.compressed !== undefined && !o.reason) {
      rec.hashes = markerHashes(o.compressed);
      // The text itself stays in the memo: copying it into every request of a conversation would
      // grow the request log by the whole compressed context per turn.
      if (o.hash) rec.contentHash = o.hash;
    }
    const c = done[i];
    if (c) {
      const [tin, tout] = c;
      rec.tokensIn = tin.n;
      rec.tokensOut = tout.n;
      if (tin.estimated || tout.estimated) rec.tokensEstimated = true;
      const saved = rec.tokensIn - rec.tokensOut;
      tokens.saved += saved;
      if (o.replayed) tokens.savedReplayed += saved;
      else tokens.savedFirstSight += saved;
    }
    records.push(rec);
  });
  return { records, tokens };
}

export function totalInput(u: Usage): number {
  return u.input + u.cacheRead + u.cacheWrite;
}

/**
 * Dollars saved. Tokens removed from outputs seen before would mostly have been cache reads when
 * the provider reported cache reads, so they are priced at the read rate; first-sight removals at
 * the uncached input rate. Subtracted: the retrieval tool's tokens, the cache write the proxy
 * caused when it first added the tool (the whole prefix is written again), and every extra
 * upstream call made to answer a retrieval.
 */
export function dollarsSaved(args: {
  model?: string; usage?: Usage; tokens: OutputTokens; tokensAdded: number;
  firstInjection: boolean; retrievalUsage?: Usage; prices?: PriceOverrides;
}): number {
  const { price } = priceFor(args.model, args.prices);
  const perTok = (rate: number) => rate / 1_000_000;
  const replayRate = args.usage && args.usage.cacheRead > 0 ? price.cacheRead : price.input;
  let saved = args.tokens.savedFirstSight * perTok(price.input) + args.tokens.savedReplayed * perTok(replayRate);
  saved -= args.tokensAdded * perTok(replayRate);
  if (args.firstInjection && args.usage && args.usage.cacheWrite > 0) {
    saved -= args.usage.cacheWrite * perTok(price.cacheWrite - price.cacheRead);
  }
  const r = args.retrievalUsage;
  if (r) {
    saved -= r.input * perTok(price.input) + r.cacheRead * perTok(price.cacheRead) + r.cacheWrite * perTok(price.cacheWrite) + r.output * perTok(price.output);
  }
  return saved;
}
