import { openStore, type SqlStore } from '../store/store';
import { resolveStorePath } from '../store/default-path';
import { UsageError, type CliIO } from './io';

/** The store file the command line names; an empty `--store` is a mistake, not "use the default". */
export function cliStorePath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag === '') throw new UsageError('--store needs a file path, not ""');
  return resolveStorePath(flag, env);
}

/** Opens the store the command line names; warnings (e.g. a corrupt file moved aside) go to stderr. */
export function openCliStore(flag: string | undefined, io: CliIO): Promise<SqlStore> {
  return openStore({ path: cliStorePath(flag, io.env), onWarning: (m) => io.writeStderr(`headroom: warning: ${m}\n`) });
}
