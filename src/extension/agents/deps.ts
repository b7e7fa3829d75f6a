/** What the agent integrations need from the rest of the extension (small, so they are easy to wire and fake). */
export interface AgentIntegrationDeps {
  /** The proxy's origin (http://127.0.0.1:PORT) while it listens, else undefined. */
  proxyUrl(): string | undefined;
  /**
   * The origin to write into agents' global config files, which every window shares: another
   * window's proxy on the configured port while this one fell back from it, else proxyUrl().
   */
  agentUrl?(): Promise<string | undefined>;
  /** Called when the proxy starts, stops, changes port or records a request; returns an unsubscribe function. */
  onProxyChange(listener: () => void): () => void;
  /** Recent request records (newest first), each with the `agent` the proxy derived from the user agent. */
  recentRecords(): readonly unknown[];
  log(line: string): void;
  /** The workspace store file the proxy writes; the MCP server reads the same file. */
  storePath: string;
  /** Where requests of our Copilot Chat models go when the proxy is stopped. */
  upstreams(): { anthropic: string; openai: string };
  /** In-process compression of one tool output (engine + store) for the direct route; without it, direct requests are sent as they are. */
  compressToolOutput?(text: string, query: string | undefined): Promise<string>;
}
