/**
 * Copilot Chat's Custom Endpoint route: our marker-owned provider groups in the VS Code user
 * directory's `chatLanguageModels.json`, pointing at the proxy.
 */
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { connectChatModels, disconnectChatModels, hasChatModels, DEFAULT_MODELS, type CustomEndpointModel } from '../../agents/chat-language-models';
import { readTextOrEmpty } from '../../agents/backup';
import { editConfigFile } from './edit-file';
import type { StateFile } from './state';

/** `<user dir>/chatLanguageModels.json`; the user dir is the grandparent of the extension's global storage. */
export function chatLanguageModelsFile(globalStoragePath: string): string {
  return join(dirname(dirname(globalStoragePath)), 'chatLanguageModels.json');
}

/**
 * Remote windows whose user files (settings, chatLanguageModels.json) stay on the local machine
 * while this extension, and the file path it can see, run on the remote one.
 */
const DESKTOP_REMOTES = new Set(['ssh-remote', 'wsl', 'dev-container', 'attached-container', 'tunnel', 'codespaces', 'k8s-container']);

/** Why the Custom Endpoint route cannot be set up from this window, if it cannot. */
export function customEndpointUnavailable(remoteName: string | undefined): string | undefined {
  if (!remoteName || !DESKTOP_REMOTES.has(remoteName)) return undefined;
  return `in this ${remoteName} window Headroom runs on the remote machine, but chatLanguageModels.json belongs to your local VS Code, which this extension cannot edit. Use "GitHub Copilot Chat — Headroom models" instead.`;
}

export async function connectCopilotEndpoint(state: StateFile, file: string, origin: string, models: CustomEndpointModel[] = DEFAULT_MODELS): Promise<boolean> {
  const r = await editConfigFile(file, state.backupDir, (text) => connectChatModels(text, origin, models, file));
  await state.update((s) => {
    const keep = s.copilotEndpoint?.file === file ? s.copilotEndpoint.backup : undefined;
    s.copilotEndpoint = { file, backup: keep ?? r.backup, at: Date.now() };
  });
  return r.changed;
}

export async function repointCopilotEndpoint(state: StateFile, origin: string): Promise<boolean> {
  const record = (await state.read()).copilotEndpoint;
  if (!record || !existsSync(record.file)) return false;
  if (!hasChatModels(await readTextOrEmpty(record.file))) return false;
  return (await editConfigFile(record.file, state.backupDir, (text) => connectChatModels(text, origin, DEFAULT_MODELS, record.file))).changed;
}

export async function disconnectCopilotEndpoint(state: StateFile, file: string): Promise<boolean> {
  const target = (await state.read()).copilotEndpoint?.file ?? file;
  let changed = false;
  if (existsSync(target)) changed = (await editConfigFile(target, state.backupDir, (text) => disconnectChatModels(text, target))).changed;
  await state.update((s) => delete s.copilotEndpoint);
  return changed;
}

export async function copilotEndpointConnected(file: string): Promise<boolean> {
  return hasChatModels(await readTextOrEmpty(file));
}
