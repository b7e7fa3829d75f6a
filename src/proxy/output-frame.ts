/**
 * The frame some agents put around a tool's output, which the model needs verbatim: Codex's
 * metadata header (`Exit code: 1`, `Wall time: …`, then `Output:`), its older JSON wrapper
 * (`{"output":"…","metadata":{"exit_code":1,…}}`), and the ways agents say a command failed.
 */
import { decodeString, member, scanJson } from './json-scan';

const HEADER = /^(?:(?:Chunk ID|Wall time|Process exited with code|Process running with session ID|Exit code|Original token count|Total output lines)\b[^\n]*\n)+Output:\n/;

/** Characters of a leading metadata header ending in an `Output:` line (0 when there is none). */
export function headerLength(text: string): number {
  return HEADER.exec(text)?.[0].length ?? 0;
}

const FAILED = /^(?:Exit code:? [1-9]\d*|Process exited with code [1-9]\d*|Command exited with code [1-9]\d*|The tool execution failed)\b/m;

/** The output says its command failed (a non-zero exit code, or an agent's failure notice). */
export function reportsFailure(text: string): boolean {
  return FAILED.test(text.length > 2000 ? text.slice(0, 2000) : text) || /"exit_code":\s*[1-9]/.test(text.slice(-400));
}

/** A JSON object whose `output` string holds the tool's text: that string, and the bytes around it. */
export function wrappedOutput(text: string): { before: string; inner: string; after: string } | undefined {
  if (!text.startsWith('{"output":')) return undefined;
  try {
    const buf = Buffer.from(text, 'utf8');
    const node = member(scanJson(buf), 'output');
    if (node?.type !== 'string') return undefined;
    return { before: buf.toString('utf8', 0, node.start), inner: decodeString(buf, node), after: buf.toString('utf8', node.end) };
  } catch {
    return undefined;
  }
}
