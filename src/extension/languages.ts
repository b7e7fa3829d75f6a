/** A sensible language mode for an original of a given content kind (pure). */

const BY_KIND: Record<string, string> = {
  json: 'json',
  logs: 'log',
  build: 'log',
  search: 'plaintext',
  diff: 'diff',
  gitlog: 'plaintext',
  dirlist: 'plaintext',
  html: 'html',
  table: 'plaintext',
  prose: 'markdown',
  mixed: 'markdown',
};

/** Cheap guesses for source code, from the first lines. */
const CODE_HINTS: Array<[RegExp, string]> = [
  [/^\s*(import|export) .* from ['"]|:\s*(string|number|boolean)\b|\binterface \w+ \{/m, 'typescript'],
  [/^\s*(const|let|var|function) \w+|=>\s*\{|require\(['"]/m, 'javascript'],
  [/^\s*(def|class) \w+.*:\s*$|^\s*from [\w.]+ import /m, 'python'],
  [/^\s*(fn|impl|pub fn|use [\w:]+;|mod \w+)/m, 'rust'],
  [/^package \w+\s*$|^func \w+\(/m, 'go'],
  [/^\s*#include [<"]/m, 'cpp'],
  [/^\s*(public|private) (static )?(class|void|final)/m, 'java'],
];

export function languageForKind(kind: string | undefined, text: string): string {
  if (kind && BY_KIND[kind]) return BY_KIND[kind];
  if (kind === 'code') {
    const head = text.slice(0, 4000);
    for (const [re, lang] of CODE_HINTS) if (re.test(head)) return lang;
  }
  return 'plaintext';
}
