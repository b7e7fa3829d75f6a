/**
 * The outline of a piece of code: from the syntax tree when the grammar is loaded and the input is
 * of reasonable size, else (or when the tree is broken) from the line-based fallback.
 */
import { body } from '../lines';
import type { CodeLanguage } from './languages';
import { parserNow } from './grammars';
import { outlineLines } from './line-units';
import { outlineTree } from './tree-units';
import type { CodeOutline } from './units';

/** Larger inputs skip the parser (its time grows with size; the fallback is linear and cheap). */
export const MAX_TREE_CHARS = 1_500_000;

/** A parse slower than this (a busy machine, a pathological input) gives way to the line-based outline. */
const PARSE_CAP_MS = 60;
const PARSE_CAP_CHARS_PER_MS = 500;

export interface OutlineResult {
  outline: CodeOutline;
  method: 'tree' | 'lines';
}

/** How many lines the elidable bodies cover: the better outline covers more. */
function coverage(o: CodeOutline): number {
  let n = 0;
  for (const u of o.units) if (u.body) n += u.body.end - u.body.start + 1;
  return n;
}

export function outlineCode(lines: readonly string[], lang: CodeLanguage, checkDeadline: () => void, timedOut: () => boolean): OutlineResult {
  const text = lines.join('');
  const parser = text.length <= MAX_TREE_CHARS ? parserNow(lang) : undefined;
  if (parser) {
    let cancelled = false;
    const cap = performance.now() + PARSE_CAP_MS + text.length / PARSE_CAP_CHARS_PER_MS;
    const tree = parser.parse(text, null, {
      progressCallback: () => {
        if (performance.now() > cap || timedOut()) cancelled = true;
        return cancelled;
      },
    } as never);
    if (cancelled || !tree) {
      parser.reset();
      tree?.delete();
      checkDeadline();
    } else {
      try {
        const fromTree = outlineTree(tree, lines, lang, checkDeadline);
        if (!tree.rootNode.hasError) return { outline: fromTree, method: 'tree' };
        // A broken tree may hide functions inside error nodes: use whichever outline finds more.
        const fromLines = outlineLines(lines, lang, checkDeadline);
        return coverage(fromTree) >= coverage(fromLines) ? { outline: fromTree, method: 'tree' } : { outline: fromLines, method: 'lines' };
      } finally {
        tree.delete();
      }
    }
  }
  return { outline: outlineLines(lines, lang, checkDeadline), method: 'lines' };
}

/**
 * Line-number gutters (`cat -n`, agents' file-read tools: `    12\t…` or `    12→…`): the code
 * without them, line for line, or undefined when the text has no such gutter.
 */
export function stripGutter(lines: readonly string[]): string[] | undefined {
  const re = /^\s*\d+(\t|→)/;
  let with_ = 0;
  let nonEmpty = 0;
  for (const l of lines.length > 400 ? lines.slice(0, 400) : lines) {
    if (body(l).trim() === '') continue;
    nonEmpty++;
    if (re.test(l)) with_++;
  }
  if (nonEmpty < 3 || with_ < nonEmpty * 0.9) return undefined;
  return lines.map((l) => l.replace(re, ''));
}
