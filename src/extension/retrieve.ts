/**
 * Retrieve-original: a read-only `headroom:` document per stored original, plus the code action,
 * hover and CodeLens that offer "Open original" wherever a `hash=<24 hex>` marker appears.
 */
import * as vscode from 'vscode';
import type { HeadroomContext } from './context';
import { languageForKind } from './languages';
import { markerAt, markersInLines, parseHashInput } from './markers';

export const SCHEME = 'headroom';
const OPEN_COMMAND = 'headroom.retrieveOriginal';
/** Documents larger than this get no CodeLens scan (hover and code action still work per line). */
const MAX_LENS_SCAN_CHARS = 5_000_000;

export function originalUri(hash: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: `/original/${hash}` });
}

function hashOfUri(uri: vscode.Uri): string | undefined {
  const m = /^\/original\/([0-9a-f]{24})$/.exec(uri.path);
  return m?.[1];
}

class OriginalProvider implements vscode.TextDocumentContentProvider {
  /** Kind of each original served, for the language mode. */
  readonly kinds = new Map<string, string>();
  constructor(private readonly ctx: HeadroomContext) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const hash = hashOfUri(uri);
    if (!hash) return `Headroom: "${uri.path}" is not a valid original address (expected a 24-digit hash).\n`;
    const store = await this.ctx.controller.openStore(this.ctx.config);
    const original = store.get(hash);
    if (!original) {
      this.kinds.delete(hash);
      return [
        `Headroom: no original is stored for hash=${hash}.`,
        '',
        `It has expired (originals are kept ${this.ctx.config.storeTtlDays} days after last use, within a ${this.ctx.config.storeMaxMB} MB cap),`,
        'the store was cleared, or the marker came from another workspace (each workspace has its own store).',
        '',
      ].join('\n');
    }
    this.kinds.set(hash, original.kind);
    return original.text;
  }
}

/** Opens the original named by `hash` (or asks for one / takes the marker under the cursor). */
async function openOriginal(ctx: HeadroomContext, provider: OriginalProvider, arg?: unknown): Promise<void> {
  let hash = typeof arg === 'string' ? parseHashInput(arg) : undefined;
  if (!hash) {
    const editor = vscode.window.activeTextEditor;
    if (editor) {
      const pos = editor.selection.active;
      hash = markerAt(editor.document.lineAt(pos.line).text, pos.line, pos.character)?.hash;
    }
  }
  if (!hash) {
    const input = await vscode.window.showInputBox({
      title: 'Headroom: Retrieve Original',
      prompt: 'A 24-digit hash, or a line containing hash=…',
      validateInput: (v) => (parseHashInput(v) ? undefined : 'Expected 24 hex digits (e.g. hash=0a1b2c…)'),
    });
    hash = input ? parseHashInput(input) : undefined;
    if (!hash) return;
  }
  const doc = await vscode.workspace.openTextDocument(originalUri(hash));
  const kind = provider.kinds.get(hash);
  if (!kind) {
    void vscode.window.showWarningMessage(`Headroom: the original for hash=${hash} is unknown or expired.`);
  }
  const language = kind ? languageForKind(kind, doc.getText()) : 'plaintext';
  const shown = doc.languageId === language ? doc : await vscode.languages.setTextDocumentLanguage(doc, language);
  await vscode.window.showTextDocument(shown, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}

class MarkerActions implements vscode.CodeActionProvider, vscode.HoverProvider, vscode.CodeLensProvider {
  static readonly kind = vscode.CodeActionKind.QuickFix;

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const seen = new Set<string>();
    for (let line = range.start.line; line <= range.end.line && line < document.lineCount; line++) {
      const text = document.lineAt(line).text;
      const onLine = markersInLines([text]);
      // On a single-position range prefer the marker under the cursor; otherwise offer every marker on the lines.
      const under = range.isEmpty ? markerAt(text, line, range.start.character) : undefined;
      for (const span of under ? [under] : onLine) {
        if (seen.has(span.hash)) continue;
        seen.add(span.hash);
        const action = new vscode.CodeAction(`Open original (hash=${span.hash.slice(0, 8)}…)`, MarkerActions.kind);
        action.command = { command: OPEN_COMMAND, title: 'Open original', arguments: [span.hash] };
        actions.push(action);
      }
    }
    return actions;
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const span = markerAt(document.lineAt(position.line).text, position.line, position.character);
    if (!span) return undefined;
    const args = encodeURIComponent(JSON.stringify([span.hash]));
    const md = new vscode.MarkdownString(`**Headroom** — content omitted here is stored locally.\n\n[$(go-to-file) Open original](command:${OPEN_COMMAND}?${args})`, true);
    md.isTrusted = { enabledCommands: [OPEN_COMMAND] };
    return new vscode.Hover(md, new vscode.Range(span.line, span.start, span.line, span.end));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const text = document.getText();
    if (text.length > MAX_LENS_SCAN_CHARS || !text.includes('hash=')) return [];
    const lenses: vscode.CodeLens[] = [];
    let lastLine = -1;
    for (const span of markersInLines(text.split('\n'), 500)) {
      // One lens per line is enough; it opens the first marker of the line.
      if (span.line === lastLine) continue;
      lastLine = span.line;
      lenses.push(new vscode.CodeLens(new vscode.Range(span.line, span.start, span.line, span.end), {
        title: '$(go-to-file) Open original',
        tooltip: `Open the original stored as hash=${span.hash}`,
        command: OPEN_COMMAND,
        arguments: [span.hash],
      }));
    }
    return lenses;
  }
}

export function registerRetrieve(ctx: HeadroomContext): void {
  const provider = new OriginalProvider(ctx);
  ctx.push(vscode.workspace.registerTextDocumentContentProvider(SCHEME, provider));
  ctx.push(vscode.commands.registerCommand(OPEN_COMMAND, async (arg?: unknown) => {
    try {
      await openOriginal(ctx, provider, arg);
    } catch (err) {
      ctx.fail('retrieve', 'could not open the original', err);
    }
  }));
  const actions = new MarkerActions();
  // Markers can be anywhere: files, untitled buffers, output documents, our own originals.
  const selector: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: SCHEME }, { scheme: 'output' }, { scheme: 'vscode-notebook-cell' }];
  ctx.push(vscode.languages.registerCodeActionsProvider(selector, actions, { providedCodeActionKinds: [MarkerActions.kind] }));
  ctx.push(vscode.languages.registerHoverProvider(selector, actions));
  ctx.push(vscode.languages.registerCodeLensProvider(selector, actions));
}
