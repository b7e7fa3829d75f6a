/**
 * Shell commands that print a source file (`cat src/a.ts`, `sed -n '1,200p' src/a.ts`, `nl -ba
 * a.py`, also under `bash -lc`): agents without a read tool (Codex) read files this way, and what
 * they read feeds exact-match edits, so such an output counts as a file read, never compressed.
 * Logs and other data printed the same way (`tail -n 500 app.log`) are not file reads.
 */
const PRINTS_FILE = /^\s*(?:cat|nl(?:\s+-\w+)*|head(?:\s+-n?\s*\d+)?|sed\s+-n\s+(?:'[^']*'|"[^"]*"|\S+))\s+(?:'[^']+'|"[^"]+"|[^\s|;&<>`$()]+)\s*$/;
const SOURCE_FILE = /\.(?:[cm]?[jt]sx?|py|go|rs|java|kt|kts|scala|swift|c|cc|cpp|cxx|h|hh|hpp|cs|rb|php|lua|dart|ex|exs|erl|hs|ml|clj|vue|svelte|sh|bash|zsh|sql|proto|graphql|toml|ya?ml|gradle|cmake|mk|tf)['"]?\s*$/i;

/** The name such an output is filed under: a file-read tool of the default exclusion list. */
export const FILE_READ_TOOL = 'read_file';

/** Whether a tool call's command (a string, or an argv whose last element is the script) prints one source file. */
export function printsSourceFile(command: unknown): boolean {
  const c = Array.isArray(command) ? command[command.length - 1] : command;
  return typeof c === 'string' && c.length < 500 && PRINTS_FILE.test(c) && SOURCE_FILE.test(c);
}

/** The name a tool call's output is filed under: FILE_READ_TOOL when its command prints a source file. */
export function toolNameFor(name: string, command: unknown): string {
  return printsSourceFile(command) ? FILE_READ_TOOL : name;
}

/** The command in a tool call's JSON arguments (`{"command": …}` or `{"cmd": …}`), if any. */
export function commandOf(argumentsJson: string | undefined): unknown {
  if (!argumentsJson || argumentsJson.length > 4000) return undefined;
  try {
    const a = JSON.parse(argumentsJson) as { command?: unknown; cmd?: unknown };
    return a.command ?? a.cmd;
  } catch {
    return undefined;
  }
}
