import { version } from '../../package.json';
import { compressCommand } from './commands/compress';
import { retrieveCommand } from './commands/retrieve';
import { statsCommand } from './commands/stats';
import { proxyCommand } from './commands/proxy';
import { mcpCommand } from './commands/mcp';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliIO } from './io';
import { USAGE } from './usage';

const COMMANDS: Record<string, (args: string[], io: CliIO) => Promise<number>> = {
  compress: compressCommand,
  retrieve: retrieveCommand,
  stats: statsCommand,
  proxy: proxyCommand,
  mcp: mcpCommand,
};

/** Runs one command line and returns the exit code. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.writeStderr(USAGE);
    return EXIT_USAGE;
  }
  if (command === 'help' || command === '-h' || command === '--help') {
    await io.writeStdout(USAGE);
    return EXIT_OK;
  }
  if (command === '-v' || command === '--version' || command === 'version') {
    await io.writeStdout(`headroom ${version}\n`);
    return EXIT_OK;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    io.writeStderr(`headroom: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    await io.writeStdout(USAGE);
    return EXIT_OK;
  }
  try {
    return await handler(rest, io);
  } catch (e) {
    const err = e as Error & { code?: string };
    // node:util parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes.
    if (e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS')) {
      io.writeStderr(`headroom ${command}: ${err.message}\nRun "headroom --help" for usage.\n`);
      return EXIT_USAGE;
    }
    io.writeStderr(`headroom ${command}: ${err.message}\n`);
    return EXIT_FAILURE;
  }
}
