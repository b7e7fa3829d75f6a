/**
 * The stats webview panel: one instance, live updates while open, restored after a reload by the
 * panel serializer, typed messages both ways (validated on arrival).
 */
import * as vscode from 'vscode';
import type { HeadroomContext } from './context';
import { parseWebviewMessage, type DetailItem, type HostMessage, type RequestDetail, type WebviewCommand } from './protocol';
import { toRequestRow } from './stats-view';
import { makeNonce, statsHtml } from './webview-html';
import { throttle } from './throttle';

export const VIEW_TYPE = 'headroom.stats';
const COMMAND_IDS: Record<WebviewCommand, string> = {
  startProxy: 'headroom.startProxy',
  stopProxy: 'headroom.stopProxy',
  toggleCompression: 'headroom.toggleCompression',
  copyProxyUrl: 'headroom.copyProxyUrl',
  clearStore: 'headroom.clearStore',
  showLogs: 'headroom.showLogs',
};

export class StatsPanel {
  private static current?: StatsPanel;
  private readonly disposables: vscode.Disposable[] = [];

  static show(ctx: HeadroomContext): void {
    if (StatsPanel.current) {
      StatsPanel.current.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Headroom Stats', vscode.ViewColumn.Active, StatsPanel.options(ctx));
    StatsPanel.current = new StatsPanel(ctx, panel);
  }

  static options(ctx: HeadroomContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist')],
    };
  }

  static register(ctx: HeadroomContext): void {
    ctx.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        // The webview restores its own selection from getState(); the host re-attaches and resends live data.
        panel.webview.options = StatsPanel.options(ctx);
        StatsPanel.current?.panel.dispose();
        StatsPanel.current = new StatsPanel(ctx, panel);
      },
    }));
    ctx.push({ dispose: () => StatsPanel.current?.panel.dispose() });
  }

  private constructor(private readonly ctx: HeadroomContext, readonly panel: vscode.WebviewPanel) {
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist');
    webview.html = statsHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
    });
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'icon.png');
    const push = throttle(() => this.postStats(), 500);
    this.disposables.push(
      { dispose: () => push.cancel() },
      { dispose: ctx.controller.onDidChange(push) },
      webview.onDidReceiveMessage((raw) => this.receive(raw)),
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.visible) this.postStats();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private postStats(): void {
    this.post({ type: 'stats', stats: this.ctx.controller.view() });
  }

  private async receive(raw: unknown): Promise<void> {
    const msg = parseWebviewMessage(raw);
    if (!msg) {
      this.ctx.log.warn('ignored a malformed message from the stats view');
      return;
    }
    switch (msg.type) {
      case 'ready':
        // A restored view shows its saved state until this first post: with the proxy stopped it
        // waits for the request log, so the view does not flash empty totals in between.
        this.ctx.controller.loadHistory(this.ctx.config)
          .catch((err) => this.ctx.fail('history', 'could not read past requests from the store', err))
          .finally(() => this.postStats());
        break;
      case 'openDetail':
        try {
          this.post({ type: 'detail', detail: await this.detail(msg.id) });
        } catch (err) {
          this.post({ type: 'error', message: `Could not load the request: ${err instanceof Error ? err.message : err}` });
        }
        break;
      case 'openOriginal':
        await vscode.commands.executeCommand('headroom.retrieveOriginal', msg.hash);
        break;
      case 'command':
        await vscode.commands.executeCommand(COMMAND_IDS[msg.command]);
        this.postStats();
        break;
    }
  }

  /** One request's tool results: the compressed text (when recorded) beside the stored originals. */
  private async detail(id: string): Promise<RequestDetail> {
    const raw = this.ctx.controller.recentRecords().find((r, i) => toRequestRow(r, i).id === id);
    if (!raw) return { id, items: [] };
    const store = await this.ctx.controller.openStore(this.ctx.config);
    const row = toRequestRow(raw);
    const rawItems = (raw as Record<string, unknown>).outputs as unknown[] | undefined;
    const items: DetailItem[] = await Promise.all(row.items.map(async (it, i) => {
      const r = (rawItems?.[i] ?? {}) as Record<string, unknown>;
      const compressed = typeof r.contentHash === 'string' ? await this.ctx.controller.compressedText(this.ctx.config, r.contentHash) : undefined;
      return {
        tool: it.tool,
        kind: it.kind,
        strategy: it.strategy,
        reason: it.reason,
        tokensBefore: it.tokensBefore,
        tokensAfter: it.tokensAfter,
        bytesIn: it.bytesIn,
        bytesOut: it.bytesOut,
        replayed: it.replayed,
        compressed,
        originals: it.hashes.slice(0, 20).map((hash) => ({ hash, text: store.get(hash)?.text ?? null })),
      };
    }));
    return { id, items };
  }

  private dispose(): void {
    if (StatsPanel.current === this) StatsPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
