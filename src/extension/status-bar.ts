/** The status bar item: state and savings, rich tooltip, warning/error backgrounds; click opens the stats. */
import * as vscode from 'vscode';
import type { HeadroomContext } from './context';
import { statusContent } from './status-text';
import { throttle } from './throttle';

export function registerStatusBar(ctx: HeadroomContext): void {
  const item = ctx.push(vscode.window.createStatusBarItem('headroom.status', vscode.StatusBarAlignment.Right, 100));
  item.name = 'Headroom';
  item.command = 'headroom.showStats';

  const render = () => {
    const c = statusContent(ctx.controller.view());
    item.text = c.text;
    const tip = new vscode.MarkdownString(c.tooltip, true);
    tip.isTrusted = { enabledCommands: ['headroom.showStats', 'headroom.copyProxyUrl', 'headroom.toggleCompression', 'headroom.stopProxy', 'headroom.startProxy', 'headroom.showLogs'] };
    tip.supportHtml = false;
    item.tooltip = tip;
    item.accessibilityInformation = { label: c.accessibility };
    item.backgroundColor = c.level === 'ok' ? undefined : new vscode.ThemeColor(c.level === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    void vscode.commands.executeCommand('setContext', 'headroom.running', ctx.controller.status === 'running');
  };
  // Request records can arrive hundreds of times a second; the bar redraws at most once a second.
  const update = throttle(render, 1000);
  ctx.push({ dispose: () => update.cancel() });
  ctx.push({ dispose: ctx.controller.onDidChange(update) });
  render();
  item.show();
}
