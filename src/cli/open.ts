import { openStore, type SqlStore } from '../store/store';
import { resolveStorePath } from '../store/default-path';
import type { CliIO } from './io';

/** Opens the store the command line names; warnings (e.g. a corrupt file moved aside) go to stderr. */
export function openCliStore(flag: string | undefined, io: CliIO): Promise<SqlStore> {
  const path = resolveStorePath(flag, io.env);
  return openStore({ path, onWarning: (m) => io.writeStderr(`headroom: warning: ${m}\n`) });
}
