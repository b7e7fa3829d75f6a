export interface McpLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * How to run `dist/cli.js mcp`: with the editor's own executable in Node mode (in desktop VS Code
 * process.execPath is Electron, which runs scripts only with ELECTRON_RUN_AS_NODE=1; in
 * code-server and remote hosts it is node itself, where the variable is ignored).
 */
export function mcpLaunch(execPath: string, cliPath: string, storePath: string): McpLaunch {
  return { command: execPath, args: [cliPath, 'mcp', '--store', storePath], env: { ELECTRON_RUN_AS_NODE: '1' } };
}
