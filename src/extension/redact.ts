/** Scrubs secrets from anything written to the log (pure). The proxy never logs keys; this is the second belt. */

const PATTERNS: Array<[RegExp, string]> = [
  [/\b(sk-(?:ant-)?[A-Za-z0-9_-]{6})[A-Za-z0-9_-]{8,}/g, '$1…'],
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[redacted]'],
  [/((?:x-api-key|api-key|authorization|x-goog-api-key)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1[redacted]'],
];

export function redact(line: string): string {
  let out = line;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
