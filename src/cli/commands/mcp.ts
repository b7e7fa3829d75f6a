import { parseArgs } from 'node:util';
import { version } from '../../../package.json';
import { runMcpServer } from '../../mcp/server';
import { cliStorePath, openCliStore } from '../open';
import { EXIT_OK, type CliIO } from '../io';

/**
 * `headroom mcp [--store PATH]`: an MCP server on stdin/stdout (headroom_retrieve, headroom_compress,
 * headroom_stats). The store is opened per tool call so originals the proxy stores meanwhile are found.
 */
export async function mcpCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args, options: { store: { type: 'string' } }, allowPositionals: false });
  cliStorePath(values.store, io.env); // a bad --store is a usage error now, not at the first tool call
  await runMcpServer(() => openCliStore(values.store, io), version);
  return EXIT_OK;
}
