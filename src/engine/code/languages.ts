/** Which programming language a piece of code is in: from a file name or fence tag, else from its content. */

export const CODE_LANGUAGES = ['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'c', 'cpp'] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

/** Fence tags and file extensions (lowercase, no dot) for each language. */
const ALIASES: Record<string, CodeLanguage> = {
  typescript: 'typescript', ts: 'typescript', mts: 'typescript', cts: 'typescript',
  tsx: 'tsx',
  javascript: 'javascript', js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript', node: 'javascript',
  python: 'python', py: 'python', python3: 'python', pyi: 'python', pyw: 'python',
  go: 'go', golang: 'go',
  rust: 'rust', rs: 'rust',
  java: 'java',
  c: 'c', h: 'c',
  cpp: 'cpp', 'c++': 'cpp', cc: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp', hxx: 'cpp', ino: 'cpp', cu: 'cpp',
};

/** The language named by a file name, path or fence tag; undefined when it names none we know. */
export function languageFromName(name: string | undefined): CodeLanguage | undefined {
  if (!name) return undefined;
  const base = name.trim().toLowerCase().split(/[\\/]/).pop() ?? '';
  if (ALIASES[base]) return ALIASES[base];
  const dot = base.lastIndexOf('.');
  return dot >= 0 ? ALIASES[base.slice(dot + 1)] : undefined;
}

/** Signals per language; each matching line of the sample adds the weight. */
const SIGNALS: Array<[CodeLanguage, RegExp, number]> = [
  ['python', /^\s*(async\s+)?def\s+\w+\s*\(.*\)?.*:\s*(#.*)?$/, 3],
  ['python', /^\s*class\s+\w+(\(.*\))?:\s*$/, 3],
  ['python', /^\s*(from\s+[\w.]+\s+import\s|import\s+[\w.]+(\s+as\s+\w+)?\s*$)/, 2],
  ['python', /^\s*(elif\s.*|else|try|finally|except.*):\s*$|\bself\.\w|^\s*@\w[\w.]*(\(.*\))?\s*$/, 1],
  ['go', /^package\s+\w+\s*$/, 5],
  ['go', /^func\s+(\(\w+\s+\*?\w+\)\s*)?\w+\(/, 4],
  ['go', /:=|^\s*(if\s.+|for\s.+)\{\s*$|\berr\s*!=\s*nil\b/, 1],
  ['rust', /^\s*(pub(\(\w+\))?\s+)?(async\s+|unsafe\s+|const\s+)*fn\s+\w+/, 4],
  ['rust', /^\s*(impl\b|use\s+[\w:]+(::\{.*\})?.*;|#!?\[\w+|let\s+mut\s|mod\s+\w+)/, 2],
  ['rust', /->\s*(Result|Option|Self|&)|::new\(|\?;$/, 1],
  ['java', /^package\s+[\w.]+;\s*$|^import\s+(static\s+)?(java|javax|org|com)\.[\w.*]+;\s*$/, 5],
  ['java', /^\s*(public|private|protected)\s+(static\s+)?(final\s+)?(class|interface|enum|record|[\w<>\[\]]+\s+\w+\s*\()/, 2],
  ['java', /@Override|System\.out\.|\bnew\s+\w+<>\(/, 2],
  ['c', /^#\s*(include|define|ifdef|ifndef|endif|pragma)\b/, 2],
  ['c', /\b(malloc|free|printf|sizeof|NULL|struct\s+\w+\s*\*)\b/, 1],
  ['cpp', /\bstd::|^\s*template\s*<|^\s*namespace\s+\w+|^\s*class\s+\w+\s*(:\s*(public|private)\s+\w+)?\s*\{?$|::\w+\(|\bnullptr\b|\bauto\s+\w+\s*=/, 3],
  ['typescript', /^\s*(export\s+)?(interface|type|enum|namespace|declare)\s+\w+|:\s*(string|number|boolean|void|any|unknown|never)\b|\bas\s+const\b|^\s*(private|public|protected|readonly)\s+\w+/, 3],
  ['javascript', /^\s*(import\s.+\sfrom\s|export\s+(default\s+)?(async\s+)?(function|class|const)|const\s+\w+\s*=\s*require\()|^\s*(const|let|var)\s+\w+\s*=|=>\s*\{?\s*$|^\s*(async\s+)?function\b/, 2],
  ['tsx', /^\s*(return\s*\(?\s*)?<[A-Z]\w*[\s>/]|<\/[A-Za-z][\w.]*>\s*$|className=/, 2],
];

/** Guesses the language of code from its first lines; undefined when nothing looks like code. */
export function detectLanguage(text: string): CodeLanguage | undefined {
  const scores = new Map<CodeLanguage, number>();
  let start = 0;
  for (let n = 0; n < 300 && start < text.length; n++) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const line = text.slice(start, Math.min(nl, start + 400));
    start = nl + 1;
    if (line.trim() === '') continue;
    for (const [lang, re, w] of SIGNALS) if (re.test(line)) scores.set(lang, (scores.get(lang) ?? 0) + w);
  }
  const s = (l: CodeLanguage) => scores.get(l) ?? 0;
  // TypeScript and JSX build on JavaScript; C++ builds on C.
  const js = s('javascript') + s('typescript') + s('tsx');
  const cFamily = s('c') + s('cpp');
  const candidates: Array<[CodeLanguage, number]> = [
    ['python', s('python')], ['go', s('go')], ['rust', s('rust')], ['java', s('java')],
    [s('cpp') > 0 ? 'cpp' : 'c', cFamily],
    [s('tsx') >= 4 ? 'tsx' : s('typescript') > 0 ? 'typescript' : 'javascript', js],
  ];
  candidates.sort((a, b) => b[1] - a[1]);
  return candidates[0][1] >= 3 ? candidates[0][0] : undefined;
}

/** The language of code: the name wins when it names a language, else content detection. */
export function resolveLanguage(text: string, name?: string): CodeLanguage | undefined {
  return languageFromName(name) ?? detectLanguage(text);
}

/** The line-comment opener markers are written with. */
export function lineComment(lang: CodeLanguage): string {
  return lang === 'python' ? '#' : '//';
}
