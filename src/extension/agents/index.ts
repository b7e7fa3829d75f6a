/**
 * The one entry point activate() calls: commands (Connect Agent…, Disconnect Agent…, Check
 * Connections, Set API Key), the Copilot Chat model provider, the MCP server definition, the
 * integrated-terminal variables, and re-pointing every connected agent when the proxy's port changes.
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import { StateFile } from './state';
import { registerStateDir } from './uninstall';
import { syncTerminalEnvironment } from './terminal';
import { repointContinue } from './continue';
import { repointCopilotEndpoint } from './copilot-endpoint';
import { repointRoo, ROO_EXTENSION_ID } from './roo';
import { rooApi, terminalEnabled } from './status';
import { checkConnections, connectAgent, disconnectAgent, setApiKey, type CommandEnv } from './commands';
import { registerChatProvider } from '../chat-provider/provider';
import { registerMcpProvider } from '../mcp-provider';
import type { AgentIntegrationDeps } from './deps';

export type { AgentIntegrationDeps } from './deps';

export function registerAgentIntegrations(ctx: vscode.ExtensionContext, deps: AgentIntegrationDeps): vscode.Disposable {
  const disposables: vscode.Disposable[] = [];
  const state = new StateFile(join(ctx.globalStorageUri.fsPath, 'agents'));
  // So that uninstalling can undo what Connect changed (see uninstall.ts).
  registerStateDir(state.dir).catch((e) => deps.log(`could not register ${state.dir} for uninstall: ${(e as Error).message}`));

  const chat = registerChatProvider({
    secrets: ctx.secrets,
    proxyUrl: () => deps.proxyUrl(),
    upstreams: () => deps.upstreams(),
    compress: deps.compressToolOutput ? (t, q) => deps.compressToolOutput!(t, q) : undefined,
    log: deps.log,
  });
  if (chat) disposables.push(chat.disposable);
  else deps.log('Copilot Chat model provider needs VS Code 1.104 or later; not registered');
  const mcp = registerMcpProvider(ctx, deps.storePath, deps.log);
  if (mcp) disposables.push(mcp);

  const syncTerminal = () => {
    if (syncTerminalEnvironment(ctx.environmentVariableCollection, deps.proxyUrl(), terminalEnabled())) {
      deps.log(`terminal environment ${deps.proxyUrl() && terminalEnabled() ? `set for ${deps.proxyUrl()}` : 'cleared'}`);
    }
  };
  const env: CommandEnv = { ctx, deps, state, refresh: () => { syncTerminal(); chat?.provider.refresh(); } };

  disposables.push(
    vscode.commands.registerCommand('headroom.connectAgent', () => connectAgent(env)),
    vscode.commands.registerCommand('headroom.disconnectAgent', () => disconnectAgent(env)),
    vscode.commands.registerCommand('headroom.checkConnections', () => checkConnections(env)),
    vscode.commands.registerCommand('headroom.setApiKey', () => setApiKey(env)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('headroom.agents.terminalEnvironment')) syncTerminal();
      if (e.affectsConfiguration('headroom.chatProvider.models')) chat?.provider.refresh();
    }),
    ctx.secrets.onDidChange((e) => {
      if (e.key.startsWith('headroom.apiKey.')) chat?.provider.refresh();
    }),
  );

  // The proxy started, stopped or moved: terminals follow at once; connected configs follow a new port.
  let lastUrl: string | undefined;
  const onChange = () => {
    const url = deps.proxyUrl();
    if (url === lastUrl) return;
    lastUrl = url;
    syncTerminal();
    if (url) void repointAll(url);
  };
  const repointAll = async (own: string) => {
    // Global configs name the proxy that serves the configured port (another window's, while this
    // one fell back from it); with that one they stay as they are.
    const url = (await deps.agentUrl?.()) ?? own;
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['Continue', () => repointContinue(state, url)],
      ['Copilot Custom Endpoint', () => repointCopilotEndpoint(state, url)],
      ['Roo Code', async () => {
        if (!(await state.read()).roo || !vscode.extensions.getExtension(ROO_EXTENSION_ID)) return false;
        const api = await rooApi();
        return api ? repointRoo(api, state, url, deps.upstreams()) : false;
      }],
    ];
    for (const [name, run] of steps) {
      try {
        const r = await run();
        if (r === true || (Array.isArray(r) && r.length > 0)) deps.log(`${name} re-pointed at ${url}`);
      } catch (e) {
        deps.log(`could not re-point ${name} at ${url}: ${(e as Error).message}`);
      }
    }
  };
  const unsubscribe = deps.onProxyChange(onChange);
  disposables.push({ dispose: unsubscribe });
  onChange();
  if (!deps.proxyUrl()) syncTerminal(); // clears variables left from an earlier session

  const all = vscode.Disposable.from(...disposables);
  ctx.subscriptions.push(all);
  return all;
}
