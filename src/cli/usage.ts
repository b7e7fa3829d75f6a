import { CONTENT_KINDS } from '../engine/types';

export const USAGE = `Usage: headroom <command> [options]

Commands:
  compress   Compress stdin to stdout; the report goes to stderr as one JSON line.
             --query TEXT      the agent's question (steers what is kept)
             --kind KIND       skip detection (${CONTENT_KINDS.join(', ')})
             --file-name NAME  file name or language hint for source code
             --model NAME      model whose tokenizer counts the tokens
             --no-tokens       skip token counting (faster)
             --budget-ms N     give up (output = input) after N ms (default 5000 + 1 per 10 KB)
  retrieve   Write the original stored under HASH to stdout, byte for byte.
             headroom retrieve HASH   (24 hex digits, as in "hash=…")
  stats      Show what the store holds and what the proxy saved (its last 30 days).
             --json            machine-readable output
  proxy      Run the local proxy for AI agents.
             --port N                 (default 8787, env HEADROOM_PORT; 0 = any free port)
             --host HOST              loopback address (default 127.0.0.1)
             --anthropic-upstream URL (env HEADROOM_ANTHROPIC_UPSTREAM)
             --openai-upstream URL    (env HEADROOM_OPENAI_UPSTREAM)
             --upstream-proxy URL     reach the providers through this http(s) proxy, or "none"
                                      (env HEADROOM_UPSTREAM_PROXY; unset: HTTPS_PROXY, HTTP_PROXY,
                                      ALL_PROXY and NO_PROXY apply)
             --exclude-tools LIST     more tools whose outputs are left alone: comma-separated names,
                                      * wildcards, added to the built-in file read/edit tools
                                      (env HEADROOM_EXCLUDE_TOOLS)
             --min-bytes N            leave tool outputs under N bytes alone (default 1500,
                                      env HEADROOM_MIN_BYTES)
             --error-min-bytes N      leave error outputs under N bytes alone (default 8000,
                                      env HEADROOM_ERROR_MIN_BYTES)
             --no-retrieval           no headroom_retrieve tool (env HEADROOM_RETRIEVAL=0)
             --bypass                 forward every request untouched (env HEADROOM_BYPASS=1)
             --quiet                  no line per request on stderr (env HEADROOM_QUIET=1)
  mcp        Serve headroom_retrieve, headroom_compress and headroom_stats over MCP (stdio).

Every command takes --store PATH (env HEADROOM_STORE; default ~/.headroom/store.sqlite).
  -h, --help       show this help
  -v, --version    show the version
`;
