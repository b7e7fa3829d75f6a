/**
 * Copilot Chat's model picker gets our models through a LanguageModelChatProvider (VS Code 1.104+;
 * @types/vscode here is 1.100, so the API is declared locally and feature-detected). Requests go
 * to the provider with the user's key from SecretStorage: through the proxy when it runs (the proxy
 * compresses and accounts), else straight to the upstream with tool results compressed in-process.
 */
import * as vscode from 'vscode';
import { sendChat } from './client';
import { ToolResultCompressor, type ToolOutputCompressor } from './compress-results';
import { estimateTokens, messagesFromVscode, toolsFromVscode } from './from-vscode';
import { chatModelsFromSetting, SECRET_KEYS, type ChatModelConfig } from './models';
import type { WireApi } from './types';

export const CHAT_VENDOR = 'headroom';

interface ModelInfo {
  id: string;
  name: string;
  family: string;
  version: string;
  maxInputTokens: number;
  maxOutputTokens: number;
  tooltip?: string;
  detail?: string;
  capabilities: { imageInput?: boolean; toolCalling?: boolean | number };
}

interface RequestOptions {
  modelOptions?: Record<string, unknown>;
  tools?: ReadonlyArray<{ name: string; description: string; inputSchema?: object }>;
  toolMode?: number;
}

interface LmWithProvider {
  registerLanguageModelChatProvider(vendor: string, provider: unknown): vscode.Disposable;
}

export function chatProviderSupported(): boolean {
  return typeof (vscode.lm as unknown as Partial<LmWithProvider>).registerLanguageModelChatProvider === 'function';
}

export interface ChatProviderDeps {
  secrets: vscode.SecretStorage;
  proxyUrl(): string | undefined;
  upstreams(): { anthropic: string; openai: string };
  compress?: ToolOutputCompressor;
  log(line: string): void;
}

export class HeadroomChatProvider implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private readonly compressor?: ToolResultCompressor;

  constructor(private readonly deps: ChatProviderDeps) {
    if (deps.compress) this.compressor = new ToolResultCompressor(deps.compress);
  }

  refresh(): void {
    this.changed.fire();
  }

  private models(): ChatModelConfig[] {
    return chatModelsFromSetting(vscode.workspace.getConfiguration('headroom').get('chatProvider.models'));
  }

  async provideLanguageModelChatInformation(options: { silent?: boolean }): Promise<ModelInfo[]> {
    const withKey = new Set<WireApi>();
    for (const api of ['anthropic', 'openai'] as const) if (await this.deps.secrets.get(SECRET_KEYS[api])) withKey.add(api);
    if (withKey.size === 0 && !options.silent) {
      await vscode.commands.executeCommand('headroom.setApiKey');
      return this.provideLanguageModelChatInformation({ silent: true });
    }
    return this.models().filter((m) => withKey.has(m.api)).map((m) => ({
      id: m.id,
      name: m.name,
      family: m.id,
      version: '1',
      maxInputTokens: m.maxInputTokens,
      maxOutputTokens: m.maxOutputTokens,
      tooltip: `${m.id} with tool outputs compressed by Headroom (your ${m.api === 'anthropic' ? 'Anthropic' : 'OpenAI'} key)`,
      detail: 'Headroom',
      capabilities: { imageInput: m.vision, toolCalling: m.toolCalling },
    }));
  }

  async provideLanguageModelChatResponse(
    model: ModelInfo,
    messages: ReadonlyArray<{ role: number; content: ReadonlyArray<unknown> }>,
    options: RequestOptions,
    progress: vscode.Progress<unknown>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const config = this.models().find((m) => m.id === model.id) ?? chatModelsFromSetting([{ id: model.id }])[0];
    const apiKey = await this.deps.secrets.get(SECRET_KEYS[config.api]);
    if (!apiKey) throw new Error(`No ${config.api === 'anthropic' ? 'Anthropic' : 'OpenAI'} API key: run "Headroom: Set API Key".`);
    const proxy = this.deps.proxyUrl();
    let chat = messagesFromVscode(messages);
    if (!proxy && this.compressor) {
      const r = await this.compressor.apply(chat);
      chat = r.messages;
      if (r.stats.compressed > 0) this.deps.log(`chat provider: ${r.stats.compressed} tool results compressed in-process, ${r.stats.bytesIn} → ${r.stats.bytesOut} bytes`);
    }
    const maxTokens = typeof options.modelOptions?.max_tokens === 'number' ? options.modelOptions.max_tokens : config.maxOutputTokens;
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      const baseUrl = proxy ?? (config.api === 'anthropic' ? this.deps.upstreams().anthropic : this.deps.upstreams().openai);
      const events = sendChat({
        api: config.api, baseUrl, apiKey, signal: abort.signal,
        request: { model: config.id, messages: chat, tools: toolsFromVscode(options.tools), toolMode: options.toolMode === 2 ? 'required' : 'auto', maxTokens },
      });
      for await (const e of events) {
        if (e.type === 'text') progress.report(new vscode.LanguageModelTextPart(e.text));
        else if (e.type === 'tool_call') progress.report(new vscode.LanguageModelToolCallPart(e.id, e.name, (e.input ?? {}) as object));
      }
    } catch (err) {
      if (token.isCancellationRequested) return;
      throw err;
    } finally {
      sub.dispose();
    }
  }

  async provideTokenCount(_model: ModelInfo, text: string | { role: number; content: ReadonlyArray<unknown> }): Promise<number> {
    return estimateTokens(text);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Registers the provider when this VS Code has the API; returns undefined otherwise. */
export function registerChatProvider(deps: ChatProviderDeps): { provider: HeadroomChatProvider; disposable: vscode.Disposable } | undefined {
  if (!chatProviderSupported()) return undefined;
  const provider = new HeadroomChatProvider(deps);
  const registration = (vscode.lm as unknown as LmWithProvider).registerLanguageModelChatProvider(CHAT_VENDOR, provider);
  return { provider, disposable: vscode.Disposable.from(registration, provider) };
}
