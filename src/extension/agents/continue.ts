/**
 * Connect/Disconnect for Continue: its global config (`config.yaml`, or the legacy `config.json`)
 * gets the chosen models' `apiBase` pointed at the proxy; the previous values are recorded so
 * Disconnect puts them back. Continue watches the file and reloads by itself.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connect, disconnect, formatOf, listModels, proxiableModels, repoint, routesThroughProxy, type ContinueModel, type ContinueUndo } from '../../agents/continue-config';
import { proxyBaseUrls, type ProxyUpstreams } from '../../agents/proxy-urls';
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

/**
 * The file's models, split into those Connect can route (see routesThroughProxy) and those of a
 * provider the proxy serves that send elsewhere (their own apiBase), which Connect must not take.
 */
export async function continueModels(file: string, upstreams: ProxyUpstreams, ours?: string): Promise<{ routable: ContinueModel[]; elsewhere: ContinueModel[] }> {
  const all = listModels(await readTextOrEmpty(file), formatOf(file), file);
  const routable = all.filter((m) => routesThroughProxy(m, upstreams, ours));
  const elsewhere = proxiableModels(all).filter((m) => !routable.includes(m));
  return { routable, elsewhere };
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
      apiBase,
    };
  });
  return changed;
}

/** Points the models we connected, where they still point at the proxy, at its new origin (the port changed). */
export async function repointContinue(state: StateFile, origin: string): Promise<string[]> {
  const record = (await state.read()).continue;
  if (!record || !existsSync(record.file)) return [];
  const apiBase = proxyBaseUrls(origin).continueApiBase;
  if (record.apiBase === apiBase) return [];
  let changed: string[] = [];
  await editConfigFile(record.file, state.backupDir, (text) => {
    const edit = repoint(text, formatOf(record.file), record.undo, record.apiBase, apiBase, record.file);
    changed = edit.changed;
    return edit.text;
  });
  await state.update((s) => {
    if (s.continue?.file === record.file) s.continue.apiBase = apiBase;
  });
  return changed;
}

/**
 * Restores what Connect recorded. Without a record (our state was lost), only models pointing at
 * the running proxy itself (`origin`) lose their apiBase: any other loopback URL may be a local
 * model server of the user's.
 */
export async function disconnectContinue(state: StateFile, file?: string, origin?: string): Promise<string[]> {
  const record = (await state.read()).continue;
  const target = record?.file ?? file;
  if (!target || !existsSync(target)) {
    await state.update((s) => delete s.continue);
    return [];
  }
  const running = origin ? proxyBaseUrls(origin).continueApiBase : undefined;
  let changed: string[] = [];
  await editConfigFile(target, state.backupDir, (text) => {
    const format = formatOf(target);
    const undo = record?.undo ?? listModels(text, format, target).filter((m) => running !== undefined && m.apiBase === running).map((m) => ({ name: m.name, previous: null }));
    const edit = disconnect(text, format, undo, record ? record.apiBase : running, target);
    changed = edit.changed;
    return edit.text;
  });
  await state.update((s) => delete s.continue);
  return changed;
}

/** Names of the models whose apiBase is the proxy's: the one Connect last wrote, or the running proxy's. */
export async function continueConnectedModels(file: string, state: StateFile, origin: string | undefined): Promise<string[]> {
  try {
    const record = (await state.read()).continue;
    const ours = new Set([record?.file === file ? record.apiBase : undefined, origin ? proxyBaseUrls(origin).continueApiBase : undefined]);
    ours.delete(undefined);
    return listModels(await readTextOrEmpty(file), formatOf(file), file).filter((m) => ours.has(m.apiBase)).map((m) => m.name);
  } catch {
    return [];
  }
}
