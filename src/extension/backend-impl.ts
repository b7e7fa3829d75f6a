/**
 * The real store and proxy, bundled separately (dist/backend.js) so activation does not parse the
 * engine, tokenizer and sql.js; `loadBackend()` requires it on first use.
 */
import { openStore } from '../store/store';
import { startProxy } from '../proxy/server';
import { compressOutput, memoizedCompression } from '../proxy/rewrite';
import { resolveConfig } from '../proxy/config';
import type { SqlStore } from '../store/store';
import type { Backend, ProxyHandleLike, StoreLike } from './backend';

export const backend: Backend = {
  openStore: (o) => openStore(o) as Promise<StoreLike>,
  startProxy: (o) => startProxy(o as never) as Promise<ProxyHandleLike>,
  compressedText: (store, contentHash) => memoizedCompression(store as SqlStore, contentHash),
  compressToolOutput: (store, text, query, config) => {
    const c = resolveConfig(config);
    return compressOutput(store as SqlStore, text, query, c.budgetMs, c);
  },
};
