/** What the proxy compresses and what it leaves alone; every protection is an explicit setting. */

export interface ProxyConfig {
  /** Tool outputs smaller than this (UTF-8 bytes) are left alone. */
  minBytes: number;
  /** Error outputs (is_error, or the agent's error wrapper) smaller than this are left alone. */
  errorMinBytes: number;
  /**
   * Tools whose outputs are never compressed: file reads feed exact-match edits, edit results are
   * short confirmations. Case-insensitive names; `*` is a wildcard.
   */
  excludeTools: string[];
  /** Compress tool output that Cline / Roo Code put into user text blocks (XML tool mode). */
  compressUserTextToolResults: boolean;
  /** Engine time budget per request, in milliseconds, shared by its tool results. */
  budgetMs: number;
  /** Append the headroom_retrieve tool when a request carries compressed content, and answer it. */
  retrieval: boolean;
  /** Retrieval rounds the proxy answers itself before telling the model it is exhausted. */
  maxRetrievalRounds: number;
  /** Largest accepted request body (decoded), in bytes. */
  maxBodyBytes: number;
  /** Prices by model name (dollars per million tokens) over the bundled table's, for dollars saved. */
  prices: PriceOverrides;
}

export type PriceOverrides = Record<string, { input: number; output?: number; cacheRead?: number; cacheWrite?: number }>;

export const DEFAULT_EXCLUDED_TOOLS = [
  // Claude Code
  'Read', 'NotebookRead', 'Edit', 'MultiEdit', 'Write', 'NotebookEdit',
  // Copilot Chat (plus its copilot_* ids)
  'read_file', 'read_notebook_cell_output', 'replace_string_in_file', 'multi_replace_string_in_file',
  'insert_edit_into_file', 'create_file', 'create_directory', 'edit_notebook_file',
  'copilot_readFile', 'copilot_replaceString', 'copilot_multiReplaceString', 'copilot_insertEdit', 'copilot_createFile',
  'copilot_applyPatch', 'copilot_editNotebook',
  // Cline / Roo Code
  'write_to_file', 'replace_in_file', 'apply_diff', 'search_and_replace', 'search_replace', 'edit_file', 'edit_file_*',
  // Continue
  'read_file_range', 'read_currently_open_file', 'edit_existing_file', 'single_find_and_replace', 'multi_edit', 'create_new_file',
  // Codex and others
  'apply_patch',
  // Our own retrieval answers are never compressed again.
  'headroom_retrieve',
];

export const DEFAULT_CONFIG: ProxyConfig = {
  minBytes: 1500,
  errorMinBytes: 8000,
  excludeTools: DEFAULT_EXCLUDED_TOOLS,
  compressUserTextToolResults: true,
  budgetMs: 250,
  retrieval: true,
  maxRetrievalRounds: 3,
  maxBodyBytes: 64 * 1024 * 1024,
  prices: {},
};

export function resolveConfig(partial?: Partial<ProxyConfig>): ProxyConfig {
  return { ...DEFAULT_CONFIG, ...(partial ?? {}) };
}

/** A matcher for tool names against the exclusion list (case-insensitive, `*` globs). */
export function toolMatcher(patterns: string[]): (name: string | undefined) => boolean {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    const lower = p.toLowerCase();
    if (lower.includes('*')) globs.push(new RegExp('^' + lower.split('*').map(escapeRe).join('.*') + '$'));
    else exact.add(lower);
  }
  return (name) => {
    if (!name) return false;
    const lower = name.toLowerCase();
    return exact.has(lower) || globs.some((g) => g.test(lower));
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
