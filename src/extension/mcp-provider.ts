/**
 * Contributes the Headroom MCP server (headroom_retrieve/compress/stats) to VS Code's MCP support
 * (1.101+; feature-detected): a stdio server running the bundled CLI against the workspace store.
 */
import * as vscode from 'vscode';
import { mcpLaunch } from './agents/mcp-launch';

export { mcpLaunch } from './agents/mcp-launch';

export const MCP_PROVIDER_ID = 'headroom.mcp';

interface LmWithMcp {
  registerMcpServerDefinitionProvider(id: string, provider: unknown): vscode.Disposable;
}

type StdioDefinitionCtor = new (label: string, command: string, args?: string[], env?: Record<string, string | number | null>, version?: string) => unknown;

export function registerMcpProvider(extension: vscode.ExtensionContext, storePath: string, log: (line: string) => void): vscode.Disposable | undefined {
  const lm = vscode.lm as unknown as Partial<LmWithMcp>;
  const Definition = (vscode as unknown as { McpStdioServerDefinition?: StdioDefinitionCtor }).McpStdioServerDefinition;
  if (typeof lm.registerMcpServerDefinitionProvider !== 'function' || typeof Definition !== 'function') {
    log('MCP server definitions need VS Code 1.101 or later; the Headroom MCP server is not offered');
    return undefined;
  }
  const version = String((extension.extension?.packageJSON as { version?: string } | undefined)?.version ?? '0');
  return lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
    provideMcpServerDefinitions: () => {
      const l = mcpLaunch(process.execPath, extension.asAbsolutePath('dist/cli.js'), storePath);
      return [new Definition('Headroom', l.command, l.args, l.env, version)];
    },
  });
}
