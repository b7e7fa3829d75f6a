/**
 * Connect/Disconnect for Continue: its global config (`config.yaml`, or the legacy `config.json`)
 * gets the chosen models' `apiBase` pointed at the proxy; the previous values are recorded so
 * Disconnect puts them back. Continue watches the file and reloads by itself.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connect, disconnect, formatOf, listModels, proxiableModels, type ContinueModel, type ContinueUndo } from '../../agents/continue-config';
import { proxyBaseUrls } from '../../agents/proxy-urls';
import { readTextOrEmpty } from '../../agents/backup';
import { editConfigFile } from './edit-file';
import type { StateFile } from './state';

export function continueGlobalDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return env.CONTINUE_GLOBAL_DIR || join(home, '.continue');
}

/** The config file Continue reads: config.yaml first, then the legacy config.json; undefined when neither exists. */
export function continueConfigFile(dir: string): string | undefined {
  for (const name of ['config.yaml', 'config.json']) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

export async function continueModels(file: string): Promise<{ all: ContinueModel[]; proxiable: ContinueModel[] }> {
  const all = listModels(await readTextOrEmpty(file), formatOf(file), file);
  return { all, proxiable: proxiableModels(all) };
}

/** Merges undo records: a model already recorded keeps its first previous value (a re-point must not record our own URL). */
function mergeUndo(old: ContinueUndo, added: ContinueUndo): ContinueUndo {
  const out = [...old];
  for (const u of added) if (!out.some((o) => o.name === u.name)) out.push(u);
  return out;
}

export async function connectContinue(state: StateFile, file: string, origin: string, chosen: string[]): Promise<string[]> {
  const apiBase = proxyBaseUrls(origin).continueApiBase;
  let changed: string[] = [];
  let undo: ContinueUndo = [];
  const r = await editConfigFile(file, state.backupDir, (text) => {
    const edit = connect(text, formatOf(file), apiBase, chosen, file);
    changed = edit.changed;
    undo = edit.undo;
    return edit.text;
  });
  await state.update((s) => {
    const same = s.continue?.file === file;
    s.continue = {
      file,
      backup: same ? s.continue!.backup ?? r.backup : r.backup,
      at: Date.now(),
      undo: mergeUndo(same ? s.continue!.undo : [], undo),
    };
  });
  return changed;
}

/** Points the models we connected at a new proxy origin (the port changed). */
export async function repointContinue(state: StateFile, origin: string): Promise<string[]> {
  const record = (await state.read()).continue;
  if (!record || !existsSync(record.file)) return [];
  const names = record.undo.map((u) => u.name);
  const apiBase = proxyBaseUrls(origin).continueApiBase;
  let changed: string[] = [];
  await editConfigFile(record.file, state.backupDir, (text) => {
    const edit = connect(text, formatOf(record.file), apiBase, names, record.file);
    changed = edit.changed;
    return edit.text;
  });
  return changed;
}

export async function disconnectContinue(state: StateFile, file?: string): Promise<string[]> {
  const record = (await state.read()).continue;
  const target = record?.file ?? file;
  if (!target || !existsSync(target)) {
    await state.update((s) => delete s.continue);
    return [];
  }
  let changed: string[] = [];
  await editConfigFile(target, state.backupDir, (text) => {
    const edit = disconnect(text, formatOf(target), record?.undo, target);
    changed = edit.changed;
    return edit.text;
  });
  await state.update((s) => delete s.continue);
  return changed;
}

/** Names of the models whose apiBase currently points at a loopback proxy. */
export async function continueConnectedModels(file: string): Promise<string[]> {
  try {
    const { all } = await continueModels(file);
    return all.filter((m) => m.apiBase !== undefined && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(m.apiBase)).map((m) => m.name);
  } catch {
    return [];
  }
}
