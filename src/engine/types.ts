/** The kinds of content the engine recognises. */
export const CONTENT_KINDS = [
  'json', 'logs', 'search', 'diff', 'gitlog', 'build', 'dirlist', 'code', 'html', 'table', 'prose', 'mixed',
] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

/** Where the engine writes originals before it emits a marker naming them. */
export interface OriginalSink {
  /** `utf8`: the text's UTF-8 bytes, when the caller has them (hashing needed them). */
  put(hash: string, text: string, kind: ContentKind, utf8?: Buffer): void;
}

export interface CompressOptions {
  /** The agent's question (latest user prose); steers what lossy compressors keep. */
  query?: string;
  /** Skip detection and compress as this kind. */
  kind?: ContentKind;
  /** A file name or fence language, when known (helps code compression). */
  fileName?: string;
  /** Wall-clock budget for compression; past it the input comes back unchanged. */
  budgetMs?: number;
  /** Store for originals; without one, lossy strategies that need a marker are not used. */
  store?: OriginalSink;
  /** Count tokens before/after (js-tiktoken). The proxy passes false and counts off the request path. */
  countTokens?: boolean;
  /** Model name, to pick the tokenizer. */
  model?: string;
}

export interface CompressReport {
  kind: ContentKind;
  strategy: string;
  bytesIn: number;
  bytesOut: number;
  tokensIn?: number;
  tokensOut?: number;
  tokenizer?: string;
  /** Engine milliseconds (compression only, counting excluded). */
  ms: number;
  countMs?: number;
  /** Hashes of the originals stored for the markers in the output. */
  hashes: string[];
  /** Set when the input came back unchanged, with the reason. */
  unchanged?: 'empty' | 'binary' | 'already-compressed' | 'not-smaller' | 'error' | 'budget' | 'no-strategy';
  error?: string;
}

export interface CompressResult {
  text: string;
  report: CompressReport;
}
