/**
 * The extension's context object: owns every disposable, the log channel, the typed config, the
 * proxy controller and the error notifier. Everything else receives it instead of globals.
 */
import * as vscode from 'vscode';
import { readConfig, type HeadroomConfig } from './config';
import { ProxyController } from './controller';
import { loadBackend } from './backend';
import { OnceNotifier } from './once';
import { redact } from './redact';
import { describeRequest } from './request-log';

export class HeadroomContext implements vscode.Disposable {
  readonly disposables: vscode.Disposable[] = [];
  readonly log: vscode.LogOutputChannel;
  readonly controller: ProxyController;
  readonly errors: OnceNotifier;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Headroom', { log: true });
    this.push(this.log);
    this.errors = new OnceNotifier((m) => {
      void vscode.window.showErrorMessage(m, 'Show Logs').then((pick) => {
        if (pick) this.log.show(true);
      });
    });
    const storeDir = extension.storageUri ?? extension.globalStorageUri;
    this.controller = new ProxyController({
      backend: loadBackend,
      storePath: vscode.Uri.joinPath(storeDir, 'store.sqlite').fsPath,
      log: (line) => this.log.info(redact(line)),
      warn: (message) => {
        this.log.warn(redact(message));
        void vscode.window.showWarningMessage(`Headroom: ${message}`);
      },
    });
    this.storeDir = storeDir;
    this.push({ dispose: this.controller.onRequest((r) => this.log.info(redact(describeRequest(r)))) });
  }

  readonly storeDir: vscode.Uri;

  get config(): HeadroomConfig {
    return readConfig(vscode.workspace.getConfiguration('headroom'));
  }

  push<T extends vscode.Disposable>(d: T): T {
    this.disposables.push(d);
    return d;
  }

  /** Reports an error once (per key and minute), logged in full. */
  fail(key: string, message: string, err?: unknown): void {
    this.log.error(redact(`${message}${err ? `: ${err instanceof Error ? err.stack ?? err.message : String(err)}` : ''}`));
    this.errors.notify(key, `Headroom: ${message}`);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // keep disposing the rest
      }
    }
  }
}
