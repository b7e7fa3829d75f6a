/**
 * The parts of the store and proxy the extension uses, as small interfaces, and the loader that
 * brings the real ones in on first use (keeps activation lean, lets tests inject fakes).
 */
import type { StoreSummary } from '../store/types';

export interface OriginalRecord {
  text: string;
  kind: string;
}

export interface StoreLike {
  get(hash: string): OriginalRecord | undefined;
  summary(): StoreSummary;
  clear(): void;
  /** The proxy's persisted request records, newest first (optional so older stores still work). */
  listRequests?(options: { limit?: number }): object[];
  setLimits?(limits: { ttlMs?: number; maxBytes?: number }): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface ProxyHandleLike {
  url: string;
  port: number;
  /** Serves on another port too, which becomes url (see ProxyHandle.listenAlso). */
  listenAlso?(port: number): Promise<void>;
  close(): Promise<void>;
  setBypass(on: boolean): void;
  stats(): unknown;
  onRequest(listener: (record: unknown) => void): () => void;
}

export interface StoreOpenOptions {
  path: string | null;
  ttlMs: number;
  maxBytes: number;
  onWarning: (message: string) => void;
}

export interface ProxyStartOptions {
  host: string;
  port: number;
  anthropicUpstream: string;
  openaiUpstream: string;
  store: StoreLike;
  config: Record<string, unknown>;
  log: (line: string) => void;
}

export interface Backend {
  openStore(options: StoreOpenOptions): Promise<StoreLike>;
  startProxy(options: ProxyStartOptions): Promise<ProxyHandleLike>;
  /** The compressed text the proxy sent for the original with this content hash (from the store's memo). */
  compressedText(store: StoreLike, contentHash: string): string | undefined;
  /**
   * One tool output compressed as the proxy would (same memo, so the same bytes, and the proxy's
   * settings: `config` as given to startProxy), for the direct route.
   */
  compressToolOutput(store: StoreLike, text: string, query: string | undefined, config: Record<string, unknown>): string;
}

/**
 * The real store and proxy, loaded when first needed: in the packaged extension they are a bundle
 * of their own next to extension.js (dist/backend.js, built from backend-impl.ts and kept external
 * by esbuild.mjs), so activation does not parse the engine, tokenizer and sql.js. Tests import
 * backend-impl.ts directly instead.
 */
export async function loadBackend(): Promise<Backend> {
  // A plain require: the extension host loads CommonJS, and the path is relative to dist/extension.js.
  return (require('./backend.js') as { backend: Backend }).backend;
}
