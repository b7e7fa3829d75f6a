/** The `headroom` command (bundled to dist/cli.js). */
import { run } from './run';
import { processIO } from './io';

// Diagnostics are best effort: when the terminal or pipe behind stderr goes away, a write fails
// with an 'error' event that would end the process (a running proxy, before it saved its store).
process.stderr.on('error', () => {});
// A reader that stops early (`headroom retrieve … | head`) closes stdout: the write callback in io.ts
// already ends that quietly, and the stream's own 'error' event must not crash the process either.
process.stdout.on('error', () => {});

run(process.argv.slice(2), processIO).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`headroom: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
