/** The `headroom` command (bundled to dist/cli.js). */
import { run } from './run';
import { processIO } from './io';

run(process.argv.slice(2), processIO).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`headroom: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
