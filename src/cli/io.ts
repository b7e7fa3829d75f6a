/** The CLI's streams, behind a small interface so commands stay testable and exit codes explicit. */
export interface CliIO {
  readStdin(): Promise<Buffer>;
  /** Writes bytes or text to stdout and resolves once they are handed to the OS. */
  writeStdout(data: string | Uint8Array): Promise<void>;
  writeStderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

export const processIO: CliIO = {
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
  writeStdout(data) {
    return new Promise((resolve, reject) => {
      process.stdout.write(data, (err) => {
        // A closed pipe (`headroom retrieve … | head`) is not an error worth a stack trace.
        if (err && (err as NodeJS.ErrnoException).code !== 'EPIPE') reject(err);
        else resolve();
      });
    });
  },
  writeStderr(text) {
    process.stderr.write(text);
  },
  env: process.env,
};

/** Exit codes: 0 success, 1 the command failed, 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command-line mistake: reported with the usage hint and exit code 2. */
export class UsageError extends Error {}
