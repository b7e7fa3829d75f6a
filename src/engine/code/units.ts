/**
 * What the code compressor works on: the functions of a file (units) with the line range of the
 * body it may elide, and comment blocks whose tail it may elide. Rows are 0-based line indexes.
 * Every region is chosen so that replacing it by one marker line leaves the code syntactically
 * whole (brace bodies keep their braces, Python bodies keep a statement, comments stay closed).
 */
import { body, indentOf } from '../lines';
import type { CodeLanguage } from './languages';
import { lineComment } from './languages';
import type { Stmt } from './statements';

export interface Region {
  start: number;
  /** Inclusive. */
  end: number;
  /** Written before the marker (after the indentation), e.g. '// ' or '...  # '. */
  prefix: string;
  /** Written after the marker, e.g. the quotes that close a Python docstring. */
  suffix: string;
  indent: string;
  /** For a run that repeats lines shown earlier: those rows, named in the marker. */
  sameAs?: { start: number; end: number };
}

export interface CodeUnit {
  /** The function's name ('' when anonymous). */
  name: string;
  /** First row of the function (signature) and its last row. */
  start: number;
  end: number;
  /** The elidable body, or null when it cannot be elided safely. */
  body: Region | null;
  /** For a long body parsed whole: its statements, so a kept body can still elide what is not needed. */
  inner?: Stmt[];
}

export interface CommentBlock {
  start: number;
  end: number;
  /** The elidable tail (after the first line with text), or null. */
  tail: Region | null;
  /** The unit this comment documents (directly followed by it), if any. */
  doc?: CodeUnit;
}

export interface CodeOutline {
  units: CodeUnit[];
  comments: CommentBlock[];
}

/** The indentation of the first non-blank line in [start, end]. */
export function firstIndent(lines: readonly string[], start: number, end: number): string {
  for (let r = start; r <= end; r++) {
    const b = body(lines[r]);
    if (b.trim() !== '') return indentOf(b);
  }
  return indentOf(body(lines[start] ?? ''));
}

/** The body interior of a brace block opening on `open` and closing on `close`, if it can be elided. */
export function braceInterior(lines: readonly string[], open: number, close: number, lang: CodeLanguage): Region | null {
  if (close - open < 2) return null;
  if (!body(lines[close]).trimStart().startsWith('}')) return null;
  const start = open + 1;
  const end = close - 1;
  return { start, end, prefix: `${lineComment(lang)} `, suffix: '', indent: firstIndent(lines, start, end) };
}

const DOCSTRING_OPEN = /^\s*[rRuUbBfF]{0,2}("""|''')/;

/**
 * The elidable part of a Python body spanning rows [start, end]: keeps a docstring's first line
 * of text. Without a docstring the marker stands as an `...` statement so the block stays valid.
 */
export function pythonBody(lines: readonly string[], start: number, end: number): Region | null {
  const indent = firstIndent(lines, start, end);
  const first = body(lines[start]);
  const m = DOCSTRING_OPEN.exec(first);
  if (!m) return { start, end, prefix: '...  # ', suffix: '', indent };
  const quote = m[1];
  const afterOpen = first.slice(m[0].length);
  if (afterOpen.includes(quote)) {
    // One-line docstring: it is the block's statement; elide what follows.
    return start + 1 <= end ? { start: start + 1, end, prefix: '# ', suffix: '', indent } : null;
  }
  return docstringTail(lines, start, end, quote, afterOpen, indent);
}

/** After a docstring's first line with text, up to `end`; the marker line closes the string. */
function docstringTail(lines: readonly string[], start: number, end: number, quote: string, afterOpen: string, indent: string): Region | null {
  let keep = start;
  if (afterOpen.trim() === '' && start + 1 <= end && !body(lines[start + 1]).includes(quote)) keep = start + 1;
  return keep + 1 <= end ? { start: keep + 1, end, prefix: '', suffix: quote, indent } : null;
}

/** The tail of a module or class docstring spanning rows [start, end], or null. */
export function standaloneDocstringTail(lines: readonly string[], start: number, end: number): Region | null {
  const first = body(lines[start]);
  const m = DOCSTRING_OPEN.exec(first);
  if (!m || end <= start) return null;
  const afterOpen = first.slice(m[0].length);
  if (afterOpen.includes(m[1])) return null;
  // The string must end the statement: the closing quotes end its last line.
  if (!body(lines[end]).trimEnd().endsWith(m[1])) return null;
  return docstringTail(lines, start, end, m[1], afterOpen, firstIndent(lines, start + 1, end));
}

function commentText(line: string): string {
  return body(line).trim().replace(/^(\/\*+!?|\*+\/?|\/\/[/!]?|#+)/, '').replace(/\*+\/$/, '').trim();
}

/**
 * The tail of a comment block [start, end] after its first line with text. A block comment keeps
 * its closing line, so the marker sits inside the comment.
 */
export function commentTail(lines: readonly string[], start: number, end: number, lang: CodeLanguage, isBlock: boolean): Region | null {
  let first = start;
  while (first < end && commentText(lines[first]) === '') first++;
  const tailStart = first + 1;
  const tailEnd = isBlock ? end - 1 : end;
  if (tailStart > tailEnd) return null;
  const indent = firstIndent(lines, tailStart, tailEnd);
  if (isBlock) {
    const star = body(lines[tailStart]).trimStart().startsWith('*');
    return { start: tailStart, end: tailEnd, prefix: star ? '* ' : '', suffix: '', indent };
  }
  const opener = /^\s*(\/\/[/!]?|#)/.exec(body(lines[tailStart]))?.[1] ?? lineComment(lang);
  return { start: tailStart, end: tailEnd, prefix: `${opener} `, suffix: '', indent };
}
