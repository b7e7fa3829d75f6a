import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Api, RequestShape } from '../extract';
import type { ProxyState } from '../server';
import type { Usage } from '../usage';

export interface InterceptContext {
  req: IncomingMessage;
  res: ServerResponse;
  target: URL;
  api: Api;
  body: Buffer;
  shape: RequestShape;
  stats: { count: number; misses: number; usage?: Usage };
}

export type Interceptor = ((upRes: IncomingMessage) => boolean) & { done: Promise<void> };

/** Retrieval loop: not wired yet; responses pass straight through. */
export function makeRetrievalInterceptor(state: ProxyState, ctx: InterceptContext): Interceptor | undefined {
  void state;
  void ctx;
  return undefined;
}
