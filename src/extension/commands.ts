/** The palette commands (category "Headroom"). Each reports its own errors once, never as a toast storm. */
import * as vscode from 'vscode';
import type { HeadroomContext } from './context';
import { StatsPanel } from './stats-panel';

export async function startProxy(ctx: HeadroomContext, quiet = false): Promise<void> {
  const config = ctx.config;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Headroom: starting proxy' },
      () => ctx.controller.start(config),
    );
    ctx.errors.reset('start');
    if (result.fellBackFrom !== undefined) {
      void vscode.window.showWarningMessage(
        `Headroom: port ${result.fellBackFrom} is busy, so the proxy started on ${result.url} instead. Point your agents at this URL, or change "headroom.proxy.port".`,
        'Copy URL',
      ).then((pick) => pick && vscode.env.clipboard.writeText(result.url));
    } else if (!quiet) {
      void vscode.window.showInformationMessage(`Headroom: proxy running at ${result.url}`);
    }
  } catch (err) {
    ctx.fail('start', `the proxy could not start: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

async function stopProxy(ctx: HeadroomContext): Promise<void> {
  try {
    const stopped = await ctx.controller.stop();
    void vscode.window.showInformationMessage(stopped ? 'Headroom: proxy stopped.' : 'Headroom: the proxy is not running.');
  } catch (err) {
    ctx.fail('stop', 'the proxy did not stop cleanly', err);
  }
}

async function copyProxyUrl(ctx: HeadroomContext): Promise<void> {
  const url = ctx.controller.url;
  if (!url) {
    const pick = await vscode.window.showWarningMessage('Headroom: the proxy is not running.', 'Start Proxy');
    if (pick) await startProxy(ctx);
    return;
  }
  await vscode.env.clipboard.writeText(url);
  void vscode.window.showInformationMessage(`Headroom: copied ${url}`);
}

function toggleCompression(ctx: HeadroomContext): void {
  const on = !ctx.controller.bypassed;
  ctx.controller.setBypass(on);
  void ctx.extension.workspaceState.update('headroom.bypass', on);
  void vscode.window.showInformationMessage(on
    ? 'Headroom: compression paused — requests pass through unchanged.'
    : 'Headroom: compression resumed.');
}

async function clearStore(ctx: HeadroomContext): Promise<void> {
  const pick = await vscode.window.showWarningMessage(
    'Clear the Headroom store of this workspace? Markers already sent to a model can no longer be retrieved.',
    { modal: true },
    'Clear Store',
  );
  if (pick !== 'Clear Store') return;
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Headroom: clearing the store…' },
      async () => {
        const store = await ctx.controller.openStore(ctx.config);
        store.clear();
        await store.flush();
      },
    );
    void vscode.window.showInformationMessage('Headroom: store cleared.');
  } catch (err) {
    ctx.fail('clear', 'the store could not be cleared', err);
  }
}

export function registerCommands(ctx: HeadroomContext): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => ctx.push(vscode.commands.registerCommand(id, fn));
  reg('headroom.startProxy', () => startProxy(ctx));
  reg('headroom.stopProxy', () => stopProxy(ctx));
  reg('headroom.showStats', () => StatsPanel.show(ctx));
  reg('headroom.copyProxyUrl', () => copyProxyUrl(ctx));
  reg('headroom.toggleCompression', () => toggleCompression(ctx));
  reg('headroom.clearStore', () => clearStore(ctx));
  reg('headroom.showLogs', () => ctx.log.show());
}
