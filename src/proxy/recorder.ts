/** Builds each request's record off the request path (token counts, savings) and emits it. */
import type * as http from 'node:http';
import { randomUUID } from 'node:crypto';
import { countOutputs, dollarsSaved, totalInput } from './accounting';
import { watchCache } from './cache-watch';
import type { ForwardOutcome } from './forward';
import { agentFromUserAgent, served } from './record';
import type { RequestRecord } from './record';
import type { InterceptContext } from './retrieval/intercept';
import { decodeBody } from './body';
import { scanJson, stringMember } from './json-scan';
import { RETRIEVE_TOOL_JSON } from './retrieve-tool';
import type { RewriteResult } from './rewrite';
import type { Route } from './routes';
import type { ProxyState } from './server';

export interface RecordInput {
  bypass: boolean;
  outcome: ForwardOutcome;
  msAdded: number;
  rewritten?: RewriteResult | null;
  bodyBytes?: number;
  retrieval?: InterceptContext['stats'];
  /** The body as the client sent it, when it was not rewritten (bypass, failed open): its model is read from it here. */
  body?: Buffer;
}

/** Builds and emits the request's record off the request path. */
export function record(state: ProxyState, req: http.IncomingMessage, r: Route, input: RecordInput): void {
  const ua = req.headers['user-agent'];
  const headers = req.headers as Record<string, unknown>;
  state.pendingRecords++;
  const done = () => {
    if (--state.pendingRecords === 0) for (const w of state.waiters.splice(0)) w();
  };
  // In request order, before the conversation's next turn is judged against this one.
  const cacheBust = input.rewritten
    ? watchCache(input.rewritten.turn, input.rewritten.previous, input.rewritten.shape.model, input.outcome.usage, Date.now())
    : undefined;
  // Keep only what the record needs, not the request body or its parse tree, while counting waits.
  const rw = input.rewritten
    ? {
      model: input.rewritten.shape.model, stream: input.rewritten.shape.stream, outputs: input.rewritten.outputs,
      retrieveToolInjected: input.rewritten.retrieveToolInjected, retrieveToolNew: input.rewritten.retrieveToolNew,
    }
    : undefined;
  input.rewritten = undefined;
  const unread = rw ? undefined : input.body;
  input.body = undefined;
  setImmediate(() => {
    void (async () => {
      const model = rw?.model ?? (unread && modelOf(unread, req.headers['content-encoding'], state.config.maxBodyBytes));
      const counted = rw ? await countOutputs(state.tokens, rw.outputs, model) : undefined;
      const records = counted?.records ?? [];
      // A request the provider refused (4xx, 5xx, no answer) was not billed: it saved nothing.
      const billed = served(input.outcome.status);
      const tokens = counted && billed ? counted.tokens : { saved: 0, savedReplayed: 0, savedFirstSight: 0 };
      const usage = input.outcome.usage;
      const tokensAdded = rw?.retrieveToolInjected && billed ? Math.ceil(RETRIEVE_TOOL_JSON[r.api ?? 'anthropic'].length / 4) : 0;
      const tokensAfter = usage ? totalInput(usage) : Math.round((input.bodyBytes ?? 0) / 4);
      const rec: RequestRecord = {
        id: randomUUID(),
        ts: Date.now(),
        agent: agentFromUserAgent(typeof ua === 'string' ? ua : undefined, headers),
        provider: r.provider,
        api: r.api,
        path: r.path,
        model,
        stream: rw?.stream ?? false,
        status: input.outcome.status,
        bypass: input.bypass,
        msAdded: Math.round(input.msAdded * 100) / 100,
        tokensBefore: tokensAfter + tokens.saved - tokensAdded,
        tokensAfter,
        tokensSaved: tokens.saved - tokensAdded,
        tokensAdded,
        usage,
        usageEstimated: !usage,
        outputs: records,
        retrieveToolInjected: !!rw?.retrieveToolInjected,
        retrievals: input.retrieval?.count ?? 0,
        retrievalMisses: input.retrieval?.misses ?? 0,
        retrievalUsage: input.retrieval?.usage,
        dollarsSaved: dollarsSaved({
          model, usage, tokens, tokensAdded,
          firstInjection: !!rw?.retrieveToolNew,
          retrievalUsage: input.retrieval?.usage, prices: state.config.prices,
        }),
      };
      if (cacheBust) rec.cacheBust = cacheBust;
      if (input.outcome.truncated) rec.truncated = true;
      if (input.outcome.error) rec.error = input.outcome.error;
      state.emit(rec);
    })().catch((e) => state.log(`accounting failed: ${(e as Error).message}`)).finally(done);
  });
}

/** Most clients send the model first; their bodies need no scan. */
const MODEL_FIRST = /^\s*\{\s*"model"\s*:\s*"([^"\\]{1,200})"/;

/** The model a request body names (its top-level "model"), read off the request path; undefined when it has none or is not JSON. */
function modelOf(body: Buffer, encoding: string | undefined, maxBytes: number): string | undefined {
  try {
    const decoded = decodeBody(body, encoding, maxBytes);
    const first = MODEL_FIRST.exec(decoded.toString('utf8', 0, 256));
    return first ? first[1] : stringMember(decoded, scanJson(decoded), 'model');
  } catch {
    return undefined;
  }
}
