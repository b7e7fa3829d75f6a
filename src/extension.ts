/**
 * Headroom for VS Code: a thin shell over the engine, store and proxy. Activation only wires up
 * commands and views; the store, proxy, engine and tokenizer load on first use.
 */
import * as vscode from 'vscode';
import { HeadroomContext } from './extension/context';
import { registerCommands, startProxy } from './extension/commands';
import { registerStatusBar } from './extension/status-bar';
import { registerRetrieve } from './extension/retrieve';
import { StatsPanel } from './extension/stats-panel';
import { needsRestart, type HeadroomConfig } from './extension/config';
import { registerAgentIntegrations } from './extension/agents';

let current: HeadroomContext | undefined;

export function activate(extension: vscode.ExtensionContext): void {
  const t0 = performance.now();
  const ctx = new HeadroomContext(extension);
  current = ctx;
  extension.subscriptions.push(ctx);
  registerCommands(ctx);
  registerRetrieve(ctx);
  StatsPanel.register(ctx);
  registerStatusBar(ctx);
  watchConfig(ctx);
  ctx.push(registerAgentIntegrations(extension, {
    proxyUrl: () => ctx.controller.url,
    agentUrl: () => ctx.controller.agentUrl(),
    onProxyChange: (listener) => ctx.controller.onDidChange(listener),
    recentRecords: () => ctx.controller.recentRecords(),
    log: (line) => ctx.log.info(line),
    storePath: vscode.Uri.joinPath(ctx.storeDir, 'store.sqlite').fsPath,
    upstreams: () => ({ anthropic: ctx.config.anthropicUpstream, openai: ctx.config.openaiUpstream }),
    compressToolOutput: (text, query) => ctx.controller.compressToolOutput(ctx.config, text, query),
  }));

  if (extension.workspaceState.get<boolean>('headroom.bypass')) ctx.controller.setBypass(true);
  ctx.log.info(`activated in ${(performance.now() - t0).toFixed(1)} ms; store: ${ctx.storeDir.fsPath}`);
  if (ctx.config.startWithVSCode) setTimeout(() => void startProxy(ctx, true), 0);
}

function watchConfig(ctx: HeadroomContext): void {
  let last: HeadroomConfig = ctx.config;
  ctx.push(vscode.workspace.onDidChangeConfiguration(async (e) => {
    if (!e.affectsConfiguration('headroom')) return;
    const next = ctx.config;
    const restart = needsRestart(last, next) && ctx.controller.status === 'running';
    last = next;
    if (!restart) return;
    const pick = await vscode.window.showInformationMessage('Headroom: restart the proxy to apply the changed settings?', 'Restart');
    if (pick) {
      await ctx.controller.stop();
      await startProxy(ctx);
    }
  }));
}

export async function deactivate(): Promise<void> {
  const ctx = current;
  current = undefined;
  await ctx?.controller.dispose();
}
