/**
 * Tree-sitter grammars, loaded lazily from .wasm files on disk (dist/ when bundled, node_modules
 * in development), never fetched. The runtime initialises asynchronously once; after that a
 * grammar can also be loaded synchronously on first use (WebAssembly.Module compiles synchronously
 * in Node), so a synchronous compress() call can still use tree-sitter for a new language.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Language, Parser } from 'web-tree-sitter';
import type { CodeLanguage } from './languages';
import { WARM_SNIPPETS } from './warm-snippets';

type TreeSitter = typeof import('web-tree-sitter');
type WasmModule = Parameters<TreeSitter['Language']['loadSync']>[0];

/** The WebAssembly global (not in the ES2022 lib typings this project compiles against). */
const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule } }).WebAssembly;

const RUNTIME_WASM = 'web-tree-sitter.wasm';

/** Where each .wasm file lives inside node_modules (development and tests). */
const PACKAGE_DIRS = [join('@vscode', 'tree-sitter-wasm', 'wasm'), 'tree-sitter-c', 'web-tree-sitter'];

let explicitDir: string | undefined;
let searchDirs: string[] | undefined;

/** Makes the loader look in this folder first (e.g. the extension's dist/). */
export function setGrammarDir(dir: string): void {
  explicitDir = dir;
  searchDirs = undefined;
}

function moduleDir(): string | undefined {
  return typeof __dirname === 'string' ? __dirname : undefined;
}

function dirsToSearch(): string[] {
  if (searchDirs) return searchDirs;
  const dirs: string[] = [];
  if (explicitDir) dirs.push(explicitDir);
  if (process.env.HEADROOM_GRAMMAR_DIR) dirs.push(process.env.HEADROOM_GRAMMAR_DIR);
  const here = moduleDir();
  if (here) dirs.push(here);
  for (const start of [here, process.cwd()]) {
    for (let d = start; d; ) {
      for (const p of PACKAGE_DIRS) dirs.push(join(d, 'node_modules', p));
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  searchDirs = [...new Set(dirs)];
  return searchDirs;
}

/** The path of a .wasm file, or undefined when no known folder has it. */
export function locateWasm(file: string): string | undefined {
  for (const d of dirsToSearch()) {
    const p = join(d, file);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function grammarFile(lang: CodeLanguage): string {
  return `tree-sitter-${lang}.wasm`;
}

let ts: TreeSitter | undefined;
let runtime: Promise<TreeSitter> | undefined;
const languages = new Map<CodeLanguage, Language>();
const pending = new Map<CodeLanguage, Promise<Language>>();
const parsers = new Map<CodeLanguage, Parser>();
const failed = new Set<CodeLanguage>();

export function initRuntime(): Promise<TreeSitter> {
  runtime ??= (async () => {
    // require() makes bundlers take the CommonJS build, which finds its files without import.meta.
    const mod = (typeof require === 'function' ? require('web-tree-sitter') : await import('web-tree-sitter')) as TreeSitter;
    const wasm = locateWasm(RUNTIME_WASM);
    await mod.Parser.init(wasm ? { locateFile: () => wasm } : undefined);
    ts = mod;
    return mod;
  })();
  return runtime;
}

/** Loads (once) and returns the grammar of a language; rejects when its .wasm is missing or broken. */
export function ensureGrammar(lang: CodeLanguage): Promise<Language> {
  const have = languages.get(lang);
  if (have) return Promise.resolve(have);
  let p = pending.get(lang);
  if (!p) {
    p = (async () => {
      const mod = await initRuntime();
      const have2 = languages.get(lang);
      if (have2) return have2;
      const path = locateWasm(grammarFile(lang));
      if (!path) throw new Error(`grammar ${grammarFile(lang)} not found`);
      const language = await mod.Language.load(new Uint8Array(readFileSync(path)));
      languages.set(lang, language);
      warmParser(lang);
      return language;
    })();
    p.catch(() => failed.add(lang));
    pending.set(lang, p);
  }
  return p;
}

/** Loads the runtime and the given grammars (all by default) ahead of use. Never rejects. */
export async function warmCodeSupport(langs: readonly CodeLanguage[] = ['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'c', 'cpp']): Promise<CodeLanguage[]> {
  const results = await Promise.allSettled(langs.map((l) => ensureGrammar(l)));
  return langs.filter((_, i) => results[i].status === 'fulfilled');
}

/**
 * A parser for the language if tree-sitter can be used right now, else undefined (and the runtime
 * starts loading in the background so that a later call can use it). Loads the grammar
 * synchronously when the runtime is ready but the grammar is not.
 */
export function parserNow(lang: CodeLanguage): Parser | undefined {
  const cached = parsers.get(lang);
  if (cached) return cached;
  if (failed.has(lang)) return undefined;
  if (!ts) {
    // Off the caller's path: even requiring the runtime's glue code takes milliseconds.
    setImmediate(() => void ensureGrammar(lang).catch(() => undefined));
    return undefined;
  }
  let language = languages.get(lang);
  if (!language) {
    const path = locateWasm(grammarFile(lang));
    if (!path) {
      failed.add(lang);
      return undefined;
    }
    try {
      language = ts.Language.loadSync(new wasm.Module(readFileSync(path)));
      languages.set(lang, language);
    } catch {
      failed.add(lang);
      return undefined;
    }
  }
  const parser = new ts.Parser();
  parser.setLanguage(language);
  parsers.set(lang, parser);
  return parser;
}

/** Enough text for the engine to compile its hot paths. */
const WARM_REPEAT = 60;

/** Parses a small sample once so the first real parse does not pay for compiling the grammar. */
function warmParser(lang: CodeLanguage): void {
  try {
    parserNow(lang)?.parse(WARM_SNIPPETS[lang].repeat(WARM_REPEAT))?.delete();
  } catch {
    // warming is best effort
  }
}

/** Whether the tree-sitter runtime has finished initialising. */
export function runtimeReady(): boolean {
  return ts !== undefined;
}
