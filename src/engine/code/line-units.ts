/**
 * The outline of code without a syntax tree (grammar not loaded yet, parse errors, huge input):
 * function signatures by regular expression per language, bodies by brace matching (braces in
 * strings and comments skipped) or, for Python, by indentation. Comment blocks as runs of lines.
 */
import { body, indentOf } from '../lines';
import type { CodeLanguage } from './languages';
import type { CodeOutline, CodeUnit, CommentBlock } from './units';
import { braceInterior, commentTail, pythonBody, standaloneDocstringTail } from './units';

/** Words that look like a call in patterns without a keyword (`if (`, `new Foo(`): never a function name. */
const CONTROL = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'return', 'else', 'do', 'try', 'sizeof', 'new', 'throw', 'typeof', 'await', 'function', 'case', 'delete', 'void', 'super', 'this']);

/** Signature patterns; group 1 is the name. */
const SIGNATURES: Record<Exclude<CodeLanguage, 'python'>, RegExp[]> = {
  typescript: [
    /^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/,
    /^\s*(?:(?:public|private|protected|static|async|override|readonly|abstract|get|set)\s+)*\*?\s*#?([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\(/,
    /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\([^)]*\)?|[A-Za-z_$][\w$]*\s*=>)/,
    /^\s*(?:(?:public|private|protected|static|readonly)\s+)*([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?\(/,
  ],
  tsx: [],
  javascript: [],
  go: [/^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/],
  rust: [/^\s*(?:pub(?:\([^)]*\))?\s+)?(?:default\s+)?(?:const\s+|async\s+|unsafe\s+|extern\s+"[^"]*"\s+)*fn\s+([A-Za-z_]\w*)/],
  java: [/^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|protected|static|final|abstract|synchronized|native|default|strictfp)\s+)*(?:<[^>]*>\s+)?(?:[\w.$]+(?:<.*>)?(?:\[\])*\s+)?([A-Za-z_$][\w$]*)\s*\(/],
  c: [/^(?:[A-Za-z_][\w\s*&]*?[\s*&])?([A-Za-z_]\w*)\s*\(/],
  cpp: [/^\s*(?:template\s*<.*>\s*)?(?:[A-Za-z_][\w\s*&:<>,]*?[\s*&])?((?:[A-Za-z_]\w*(?:<[^<>()]*>)?::)*~?[A-Za-z_]\w*|operator\S+)\s*\(/],
};
SIGNATURES.tsx = SIGNATURES.typescript;
SIGNATURES.javascript = SIGNATURES.typescript;

/** Per line: net brace depth change and whether a brace opens/closes, skipping strings and comments. */
class BraceScanner {
  private inBlockComment = false;
  private inTemplate = false;

  /** Returns the depth change of the line. */
  scan(line: string): number {
    let d = 0;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (this.inBlockComment) {
        if (ch === '*' && line[i + 1] === '/') {
          this.inBlockComment = false;
          i++;
        }
        continue;
      }
      if (this.inTemplate) {
        if (ch === '\\') i++;
        else if (ch === '`') this.inTemplate = false;
        continue;
      }
      if (ch === '/' && line[i + 1] === '/') break;
      if (ch === '/' && line[i + 1] === '*') {
        this.inBlockComment = true;
        i++;
      } else if (ch === '`') this.inTemplate = true;
      else if (ch === '"' || ch === "'") {
        for (i++; i < line.length && line[i] !== ch; i++) if (line[i] === '\\') i++;
      } else if (ch === '{') d++;
      else if (ch === '}') d--;
    }
    return d;
  }

  get inMultiline(): boolean {
    return this.inBlockComment || this.inTemplate;
  }
}

function braceUnits(lines: readonly string[], lang: Exclude<CodeLanguage, 'python'>, checkDeadline: () => void): CodeUnit[] {
  const units: CodeUnit[] = [];
  const patterns = SIGNATURES[lang];
  const scanner = new BraceScanner();
  const depthBefore: number[] = new Array(lines.length);
  let depth = 0;
  const inMultiline: boolean[] = new Array(lines.length);
  for (let r = 0; r < lines.length; r++) {
    if ((r & 1023) === 0) checkDeadline();
    depthBefore[r] = depth;
    inMultiline[r] = scanner.inMultiline;
    depth += scanner.scan(body(lines[r]));
  }
  let r = 0;
  while (r < lines.length) {
    const line = body(lines[r]);
    let name: string | undefined;
    if (!inMultiline[r] && !/^\s*(\/\/|\*|\/\*|#)/.test(line)) {
      for (const re of patterns) {
        const m = re.exec(line);
        if (m && !(CONTROL.has(m[1]) && !/\b(fn|func|function)\s/.test(m[0])) && !/;\s*$/.test(line)) {
          name = m[1];
          break;
        }
      }
    }
    if (name === undefined) {
      r++;
      continue;
    }
    // The body opens on the signature line or within the next few (multi-line signatures).
    let open = -1;
    for (let k = r; k < Math.min(lines.length, r + 8); k++) {
      const b = body(lines[k]);
      if (/\{\s*(\/\/.*)?$/.test(b) && depthBefore[k + 1] === depthBefore[r] + 1) {
        open = k;
        break;
      }
      // A complete statement or an empty body (`{}`) first: not a function with a body here.
      if (/[;}]\s*$/.test(b)) break;
    }
    if (open < 0) {
      r++;
      continue;
    }
    const target = depthBefore[r];
    let close = -1;
    for (let k = open + 1; k < lines.length; k++) {
      if (depthBefore[k + 1] === target || (k + 1 === lines.length && depth === target)) {
        close = k;
        break;
      }
      if (depthBefore[k + 1] < target) break;
    }
    if (close < 0) {
      r++;
      continue;
    }
    units.push({ name: name.split('::').pop() ?? name, start: r, end: close, body: braceInterior(lines, open, close, lang) });
    r = close + 1;
  }
  return units;
}

function pythonUnits(lines: readonly string[], checkDeadline: () => void): CodeUnit[] {
  const units: CodeUnit[] = [];
  let r = 0;
  while (r < lines.length) {
    if ((r & 1023) === 0) checkDeadline();
    const m = /^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)/.exec(body(lines[r]));
    if (!m) {
      r++;
      continue;
    }
    const indent = m[1].length;
    // The header ends on the line whose parentheses balance and that ends with ':'.
    let depth = 0;
    let headerEnd = -1;
    for (let k = r; k < Math.min(lines.length, r + 40); k++) {
      const b = body(lines[k]).replace(/#.*$/, '');
      for (const ch of b) {
        if (ch === '(' || ch === '[' || ch === '{') depth++;
        else if (ch === ')' || ch === ']' || ch === '}') depth--;
      }
      if (depth <= 0) {
        // A one-line def (`def f(): return 1`) has no block to elide.
        if (/:\s*$/.test(b)) headerEnd = k;
        break;
      }
    }
    if (headerEnd < 0) {
      r++;
      continue;
    }
    let end = headerEnd;
    for (let k = headerEnd + 1; k < lines.length; k++) {
      const b = body(lines[k]);
      if (b.trim() === '') continue;
      if (indentOf(b).length <= indent) break;
      end = k;
    }
    const unit: CodeUnit = { name: m[2], start: r, end, body: null };
    if (end > headerEnd) unit.body = pythonBody(lines, headerEnd + 1, end);
    units.push(unit);
    r = end + 1;
  }
  return units;
}

function commentBlocks(lines: readonly string[], lang: CodeLanguage, units: CodeUnit[]): CommentBlock[] {
  const blocks: CommentBlock[] = [];
  const lineRe = lang === 'python' ? /^\s*#/ : /^\s*\/\//;
  const unitAt = new Map(units.map((u) => [u.start, u]));
  let r = 0;
  while (r < lines.length) {
    const b = body(lines[r]);
    let end = -1;
    let isBlock = false;
    if (lineRe.test(b)) {
      end = r;
      while (end + 1 < lines.length && lineRe.test(body(lines[end + 1]))) end++;
    } else if (lang !== 'python' && /^\s*\/\*/.test(b) && !b.includes('*/')) {
      isBlock = true;
      end = r;
      while (end + 1 < lines.length && !body(lines[end]).includes('*/')) end++;
    }
    if (end < 0 && lang === 'python') {
      const doc = pythonDocstringAt(lines, r);
      if (doc) {
        blocks.push(doc);
        r = doc.end + 1;
        continue;
      }
    }
    if (end < 0) {
      r++;
      continue;
    }
    const block: CommentBlock = { start: r, end, tail: commentTail(lines, r, end, lang, isBlock) };
    const doc = unitAt.get(end + 1) ?? unitAt.get(end + 2);
    if (doc) block.doc = doc;
    blocks.push(block);
    r = end + 1;
  }
  // Comments inside function bodies go with the body (units are in order and do not nest).
  let u = 0;
  return blocks.filter((c) => {
    while (u < units.length && units[u].end < c.start) u++;
    return !(u < units.length && c.start > units[u].start && c.start <= units[u].end);
  });
}

/** A module docstring (first statement) or class docstring starting on row r, with its tail. */
function pythonDocstringAt(lines: readonly string[], r: number): CommentBlock | undefined {
  const m = /^\s*[rRuU]?("""|''')/.exec(body(lines[r]));
  if (!m) return undefined;
  let prev = r - 1;
  while (prev >= 0 && body(lines[prev]).trim() === '') prev--;
  const opensClass = prev >= 0 && /^\s*class\s.*:\s*(#.*)?$/.test(body(lines[prev]));
  if (prev >= 0 && !opensClass) return undefined;
  let end = r;
  if (!body(lines[r]).slice(m[0].length).includes(m[1])) {
    end = r + 1;
    while (end < lines.length && !body(lines[end]).includes(m[1])) end++;
    if (end >= lines.length) return undefined;
  }
  return { start: r, end, tail: standaloneDocstringTail(lines, r, end) };
}

export function outlineLines(lines: readonly string[], lang: CodeLanguage, checkDeadline: () => void): CodeOutline {
  const units = lang === 'python' ? pythonUnits(lines, checkDeadline) : braceUnits(lines, lang, checkDeadline);
  return { units, comments: commentBlocks(lines, lang, units) };
}
