import { homedir } from 'node:os';
import { join } from 'node:path';

/** The CLI's store file: `--store`, else `HEADROOM_STORE`, else `~/.headroom/store.sqlite`. */
export function resolveStorePath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag;
  if (env.HEADROOM_STORE) return env.HEADROOM_STORE;
  return join(homedir(), '.headroom', 'store.sqlite');
}
