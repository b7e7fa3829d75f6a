/**
 * Undoing Connect when the extension is uninstalled (package.json `vscode:uninstall`, run by VS
 * Code in a plain Node process, with no extension API): agents' config files would otherwise keep
 * naming a proxy that no longer runs. Each window registers its agents state directory in
 * `~/.headroom/vscode-agents.json`, the one place such a process can find it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../agents/backup';
import { disconnectContinue } from './continue';
import { disconnectCopilotEndpoint } from './copilot-endpoint';
import { StateFile } from './state';

function registryFile(home: string): string {
  return join(home, '.headroom', 'vscode-agents.json');
}

export async function registeredStateDirs(home = homedir()): Promise<string[]> {
  try {
    const value = JSON.parse(await readFile(registryFile(home), 'utf8'));
    return Array.isArray(value) ? value.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return [];
  }
}

/** Records a window's agents state directory (once; VS Code, Insiders and portable installs each have their own). */
export async function registerStateDir(dir: string, home = homedir()): Promise<void> {
  const dirs = await registeredStateDirs(home);
  if (dirs.includes(dir)) return;
  await writeFileAtomic(registryFile(home), JSON.stringify([...dirs, dir], null, 2) + '\n');
}

/**
 * Undoes what Connect recorded in every registered state directory: Continue's apiBase values go
 * back, the Copilot Custom Endpoint group goes. Roo Code's profile lives in Roo's own storage,
 * reachable only through its extension API, and stays (the lines returned say so).
 */
export async function undoAgentChanges(home = homedir()): Promise<string[]> {
  const dirs = await registeredStateDirs(home);
  if (dirs.length === 0) return [];
  const done: string[] = [];
  const left: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const state = new StateFile(dir);
    const recorded = await state.read();
    try {
      const models = await disconnectContinue(state);
      if (models.length) done.push(`Continue: ${models.join(', ')} restored`);
      if (recorded.copilotEndpoint && (await disconnectCopilotEndpoint(state, recorded.copilotEndpoint.file))) done.push(`Copilot Custom Endpoint removed from ${recorded.copilotEndpoint.file}`);
      if (recorded.roo) done.push('Roo Code: switch its profile away from "Headroom" yourself');
    } catch (e) {
      left.push(dir);
      done.push(`${dir}: ${(e as Error).message}`);
    }
  }
  await writeFileAtomic(registryFile(home), JSON.stringify(left, null, 2) + '\n');
  return done;
}
