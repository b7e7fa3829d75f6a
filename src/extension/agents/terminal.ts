/**
 * Keeps the integrated-terminal variables (ANTHROPIC_BASE_URL, OPENAI_BASE_URL, …) in step with
 * the proxy: set while it listens, cleared when it stops or the user opts out. Writes only when a
 * value really changes, so terminals are not flagged "relaunch to apply" for nothing.
 */
import { terminalEnvironment, terminalEnvironmentDescription } from '../../agents/terminal-env';

/** The part of vscode.EnvironmentVariableCollection used here (kept structural so it is testable without VS Code). */
export interface EnvCollection {
  persistent: boolean;
  description: unknown;
  get(variable: string): { value: string } | undefined;
  replace(variable: string, value: string, options?: { applyAtProcessCreation?: boolean; applyAtShellIntegration?: boolean }): void;
  forEach(callback: (variable: string, mutator: { value: string }) => void): void;
  delete(variable: string): void;
  clear(): void;
}

/** Returns true when the collection was changed. */
export function syncTerminalEnvironment(collection: EnvCollection, origin: string | undefined, enabled: boolean): boolean {
  const wanted = origin && enabled ? terminalEnvironment(origin) : {};
  const present = new Map<string, string>();
  collection.forEach((variable, mutator) => present.set(variable, mutator.value));
  const same = present.size === Object.keys(wanted).length && Object.entries(wanted).every(([k, v]) => present.get(k) === v);
  if (same) return false;
  if (!origin || !enabled) {
    collection.clear();
    return true;
  }
  // Persistent variables would be re-applied on reload before the proxy is known to listen.
  collection.persistent = false;
  for (const variable of present.keys()) if (!(variable in wanted)) collection.delete(variable);
  for (const [k, v] of Object.entries(wanted)) {
    if (collection.get(k)?.value !== v) collection.replace(k, v, { applyAtProcessCreation: true, applyAtShellIntegration: true });
  }
  collection.description = terminalEnvironmentDescription(origin);
  return true;
}
