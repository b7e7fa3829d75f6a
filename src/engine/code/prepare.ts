/**
 * The asynchronous side of code support, for callers that can await before the synchronous
 * compress(): the proxy, the CLI and the benchmarks. Without it the first code of a language is
 * compressed by the line-based fallback while its grammar loads in the background.
 */
import { ensureGrammar, initRuntime, runtimeReady, parserNow } from './grammars';
import type { CodeLanguage } from './languages';
import { resolveLanguage } from './languages';

export { warmCodeSupport, ensureGrammar, setGrammarDir } from './grammars';

/**
 * Detects the language of `text` (from `fileName` or fence tag when given) and waits until its
 * grammar is loaded. Returns the language, or undefined when the text is not code we parse or the
 * grammar cannot be loaded. Cheap when the grammar is already there; never rejects.
 */
export async function prepareCode(text: string, fileName?: string): Promise<CodeLanguage | undefined> {
  const lang = resolveLanguage(text, fileName);
  if (!lang) return undefined;
  if (runtimeReady() && parserNow(lang)) return lang;
  try {
    await ensureGrammar(lang);
    return lang;
  } catch {
    return undefined;
  }
}

/**
 * Starts the tree-sitter runtime only (no grammar): once it is up, a grammar loads synchronously
 * on the first code of its language (a few milliseconds), so nothing falls back for lack of it.
 * Cheap to call at start-up; never rejects.
 */
export async function initCodeRuntime(): Promise<boolean> {
  try {
    await initRuntime();
    return true;
  } catch {
    return false;
  }
}
