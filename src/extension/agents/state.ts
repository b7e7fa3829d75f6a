/**
 * The record of what Connect changed, per agent, kept in the extension's global storage
 * (`agents/state.json`), so Disconnect can undo exactly that and a port change can re-point it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../agents/backup';
import type { ContinueUndo } from '../../agents/continue-config';

export interface FileChange {
  file: string;
  /** Copy of the file taken before our first edit (null: the file did not exist). */
  backup: string | null;
  at: number;
}

export interface ContinueChange extends FileChange {
  undo: ContinueUndo;
  /** The apiBase we last wrote (absent in records from before it was kept). */
  apiBase?: string;
}

export interface RooChange {
  profile: string;
  /** The profile that was active before we activated ours. */
  previousProfile: string | null;
  /** Our profile existed before connect (then disconnect leaves it, only re-activating the previous one). */
  profileExisted: boolean;
  at: number;
}

export interface AgentState {
  continue?: ContinueChange;
  copilotEndpoint?: FileChange;
  roo?: RooChange;
  /** When the user last went through Cline's guided setup. */
  cline?: { at: number; provider: 'anthropic' | 'openai' };
  /** The user turned the terminal variables off. */
  terminalOptOut?: boolean;
}

export class StateFile {
  readonly file: string;
  readonly backupDir: string;

  constructor(readonly dir: string) {
    this.file = join(dir, 'state.json');
    this.backupDir = join(dir, 'backups');
  }

  async read(): Promise<AgentState> {
    try {
      const value = JSON.parse(await readFile(this.file, 'utf8'));
      return typeof value === 'object' && value !== null ? (value as AgentState) : {};
    } catch {
      return {};
    }
  }

  async update(change: (state: AgentState) => void): Promise<AgentState> {
    const state = await this.read();
    change(state);
    await writeFileAtomic(this.file, JSON.stringify(state, null, 2) + '\n');
    return state;
  }
}
