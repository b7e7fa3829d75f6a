/**
 * The outline of a parsed file: functions and comment blocks found by walking the syntax tree
 * without entering function bodies (what lies inside an elided body goes with it; a kept body is
 * kept whole). A callback or IIFE whose body holds most of the file (describe(), define(), a
 * module wrapper) is walked into instead, so its inner functions become the units.
 */
import type { Node, Tree, TreeCursor } from 'web-tree-sitter';
import type { CodeLanguage } from './languages';
import type { CodeOutline, CodeUnit, CommentBlock } from './units';
import { braceInterior, commentTail, pythonBody, standaloneDocstringTail } from './units';
import { bodyStatements } from './statements';
import { INNER_MIN_LINES } from './inner';

const FUNCTION_TYPES: Record<CodeLanguage, ReadonlySet<string>> = {
  typescript: new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'arrow_function', 'function_expression', 'function', 'generator_function']),
  tsx: new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'arrow_function', 'function_expression', 'function', 'generator_function']),
  javascript: new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'arrow_function', 'function_expression', 'function', 'generator_function']),
  python: new Set(['function_definition']),
  go: new Set(['function_declaration', 'method_declaration', 'func_literal']),
  rust: new Set(['function_item', 'closure_expression']),
  java: new Set(['method_declaration', 'constructor_declaration', 'compact_constructor_declaration', 'lambda_expression']),
  c: new Set(['function_definition']),
  cpp: new Set(['function_definition', 'lambda_expression']),
};

/** Share of the file a function body may span before it is treated as a wrapper and walked into. */
const WRAPPER_SHARE = 0.5;

function isComment(type: string): boolean {
  return type === 'comment' || type === 'line_comment' || type === 'block_comment';
}

/** The name of a C/C++ declarator chain: foo, Class::foo, operator==, ~Class. */
function declaratorName(node: Node | null): string {
  for (let n = node, depth = 0; n && depth < 8; depth++) {
    const t = n.type;
    if (t === 'identifier' || t === 'field_identifier' || t === 'destructor_name' || t === 'operator_name') return n.text;
    if (t === 'qualified_identifier') {
      const name = n.childForFieldName('name');
      return name ? declaratorName(name) : n.text;
    }
    // Pointer and reference declarators (`T &at(…)`) wrap the function declarator unnamed.
    n = n.childForFieldName('declarator') ?? (t === 'reference_declarator' || t === 'pointer_declarator' ? n.namedChild(n.namedChildCount - 1) : null);
  }
  return '';
}

/** The name a function is known by: its own, or the variable/property/key it is assigned to. */
function functionName(fn: Node, lang: CodeLanguage): string {
  if (lang === 'c' || lang === 'cpp') {
    const d = fn.childForFieldName('declarator');
    if (d) return declaratorName(d);
  }
  const own = fn.childForFieldName('name');
  if (own) return own.text;
  const parent = fn.parent;
  if (!parent) return '';
  switch (parent.type) {
    case 'variable_declarator':
    case 'public_field_definition':
    case 'field_definition':
    case 'property_definition':
    case 'let_declaration':
      return (parent.childForFieldName('name') ?? parent.childForFieldName('pattern'))?.text ?? '';
    case 'pair':
      return parent.childForFieldName('key')?.text.replace(/^['"]|['"]$/g, '') ?? '';
    case 'assignment_expression': {
      const left = parent.childForFieldName('left');
      return left ? (left.childForFieldName('property')?.text ?? left.text) : '';
    }
    case 'arguments': {
      // A callback: `it('retries on 503', () => …)`, `app.get('/users', …)` — named by its title or path.
      const title = parent.namedChild(0);
      if (title && (title.type === 'string' || title.type === 'template_string')) return title.text.slice(1, -1);
      return parent.parent?.childForFieldName('function')?.text ?? '';
    }
    default:
      return '';
  }
}

interface Walk {
  lines: readonly string[];
  lang: CodeLanguage;
  fnTypes: ReadonlySet<string>;
  units: CodeUnit[];
  comments: CommentBlock[];
  /** Comment nodes seen since the last non-comment sibling: [startRow, endRow, isBlock]. */
  run: Array<[number, number, boolean]>;
  checkDeadline: () => void;
  visited: number;
}

function flushComments(w: Walk, next: CodeUnit | undefined): void {
  if (w.run.length === 0) return;
  // Consecutive one-line comments form one block; a multi-line block comment stands alone.
  let i = 0;
  const blocks: CommentBlock[] = [];
  while (i < w.run.length) {
    const [s, e, isBlock] = w.run[i];
    let end = e;
    let j = i + 1;
    if (!isBlock) {
      while (j < w.run.length && !w.run[j][2] && w.run[j][0] === end + 1) end = w.run[j++][1];
    }
    blocks.push({ start: s, end, tail: commentTail(w.lines, s, end, w.lang, isBlock && e > s) });
    i = j;
  }
  const last = blocks[blocks.length - 1];
  if (next && last.end + 1 >= next.start - 1 && last.end < next.start) last.doc = next;
  w.comments.push(...blocks);
  w.run = [];
}

function unitFor(fn: Node, w: Walk): CodeUnit {
  const start = fn.startPosition.row;
  const end = fn.endPosition.row;
  const unit: CodeUnit = { name: functionName(fn, w.lang), start, end, body: null };
  const b = fn.childForFieldName('body');
  if (!b || b.hasError) return unit;
  if (w.lang === 'python') {
    if (b.startPosition.row > start) unit.body = pythonBody(w.lines, b.startPosition.row, b.endPosition.row);
    withStatements(unit, b, w);
    return unit;
  }
  const open = b.startPosition.row;
  const close = b.endPosition.row;
  if (close - open < 2 || b.childCount < 2) return unit;
  // Nothing may follow the opening brace on its row (braceInterior checks the closing row).
  const second = b.child(1);
  if (b.child(0)?.type !== '{' || b.child(b.childCount - 1)?.type !== '}') return unit;
  if (second && second.type !== '}' && second.startPosition.row === open) return unit;
  unit.body = braceInterior(w.lines, open, close, w.lang);
  withStatements(unit, b, w);
  return unit;
}

/** Long bodies carry their statement structure for the inner selection. */
function withStatements(unit: CodeUnit, b: Node, w: Walk): void {
  if (unit.body && unit.body.end - unit.body.start + 1 >= INNER_MIN_LINES) unit.inner = bodyStatements(b, unit.body.start, unit.body.end, w.checkDeadline);
}

/** Nodes that hold no function and no comment worth a visit (imports, strings, type annotations). */
const SKIP = new Set(['import_statement', 'import_declaration', 'import_from_statement', 'use_declaration', 'preproc_include', 'string', 'template_string', 'string_literal', 'interpreted_string_literal', 'raw_string_literal', 'type_annotation', 'type_identifier', 'identifier', 'property_identifier', 'number', 'integer', 'float']);

/** Deeper than this, no declaration is worth finding (and the walk's recursion stays bounded). */
const MAX_DEPTH = 200;

function visitChildren(c: TreeCursor, w: Walk, totalRows: number, depth = 0): void {
  if (depth > MAX_DEPTH || !c.gotoFirstChild()) return;
  do {
    if ((++w.visited & 255) === 0) w.checkDeadline();
    const type = c.nodeType;
    if (SKIP.has(type)) continue;
    if (isComment(type)) {
      w.run.push([c.startPosition.row, c.endPosition.row, type !== 'line_comment' && !/^\s*(\/\/|#)/.test(w.lines[c.startPosition.row].slice(c.startPosition.column))]);
      continue;
    }
    if (w.fnTypes.has(type)) {
      const node = c.currentNode;
      const unit = unitFor(node, w);
      const span = unit.end - unit.start + 1;
      const callback = node.parent?.type === 'arguments' || node.parent?.type === 'parenthesized_expression';
      if (callback && span > totalRows * WRAPPER_SHARE && totalRows > 20 && unit.body) {
        flushComments(w, undefined);
        visitChildren(c, w, totalRows, depth + 1);
        continue;
      }
      flushComments(w, unit);
      w.units.push(unit);
      continue;
    }
    if (type === 'expression_statement' && w.lang === 'python' && c.endPosition.row > c.startPosition.row) {
      const start = c.startPosition.row;
      const end = c.endPosition.row;
      const tail = standaloneDocstringTail(w.lines, start, end);
      if (tail) {
        flushComments(w, undefined);
        w.comments.push({ start, end, tail });
        continue;
      }
    }
    // Decorators and attributes stay with the function that follows; other nodes end a comment run.
    if (!/decorat|attribute|annotation/.test(type) || c.startPosition.row !== c.endPosition.row) flushComments(w, undefined);
    visitChildren(c, w, totalRows, depth + 1);
  } while (c.gotoNextSibling());
  flushComments(w, undefined);
  c.gotoParent();
}

/** The outline of a syntax tree; functions inside parse errors get no elidable body. */
export function outlineTree(tree: Tree, lines: readonly string[], lang: CodeLanguage, checkDeadline: () => void): CodeOutline {
  const w: Walk = { lines, lang, fnTypes: FUNCTION_TYPES[lang], units: [], comments: [], run: [], checkDeadline, visited: 0 };
  const cursor = tree.walk();
  try {
    visitChildren(cursor, w, lines.length);
  } finally {
    cursor.delete();
  }
  return { units: w.units, comments: w.comments };
}
