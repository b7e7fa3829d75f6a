/**
 * The statement structure of a long function body, from its syntax tree: the body's statements
 * with their rows, and for each the statements of the blocks nested in it (if/for/switch bodies,
 * case clauses, callbacks). Lets a kept long body elide the statements the question does not need
 * while every remaining construct stays whole. Rows are 0-based.
 */
import type { Node } from 'web-tree-sitter';

export interface Stmt {
  start: number;
  /** Inclusive. */
  end: number;
  /** The blocks nested in this statement, each as its list of statements (none for a simple statement). */
  blocks: Stmt[][];
}

/** Nodes whose named children are statements. */
const BLOCKS = new Set([
  'block', 'statement_block', 'compound_statement', 'statement_list', 'switch_body', 'switch_block',
  'expression_case', 'default_case', 'type_case', 'communication_case', 'switch_case', 'switch_default',
  'switch_block_statement_group', 'case_statement', 'match_block', 'constructor_body',
]);

const COMMENTS = new Set(['comment', 'line_comment', 'block_comment']);

const MAX_NESTING = 4;
/** How far below a statement its nested blocks are looked for. */
const MAX_SEARCH_DEPTH = 5;

function isStatement(n: Node): boolean {
  return n.isNamed && !n.isExtra && n.type !== 'ERROR' && !n.isMissing && !n.hasError;
}

/** The statements of block `c` that lie on rows of their own within [lo, hi]. */
function blockStatements(c: Node, lo: number, hi: number, depth: number, checkDeadline: () => void): Stmt[] {
  const first = c.child(0);
  const last = c.child(c.childCount - 1);
  // A block opening with `{` or `case …:` holds statements only after its first row.
  const from = Math.max(lo, first && !first.isNamed ? c.startPosition.row + 1 : c.startPosition.row);
  const to = Math.min(hi, last && last.type === '}' ? c.endPosition.row - 1 : c.endPosition.row);
  const out: Stmt[] = [];
  for (let i = 0; i < c.namedChildCount; i++) {
    const n = c.namedChild(i);
    if (!n || !(isStatement(n) || COMMENTS.has(n.type))) continue;
    // Go wraps a block's statements in a statement_list (which runs on to the closing brace).
    if (BLOCKS.has(n.type)) {
      out.push(...blockStatements(n, from, to, depth, checkDeadline));
      continue;
    }
    const start = n.startPosition.row;
    const end = n.endPosition.row;
    if (start < from || end > to) continue;
    out.push({ start, end, blocks: depth < MAX_NESTING ? nestedBlocks(n, depth + 1, checkDeadline) : [] });
  }
  return out;
}

/** The blocks found below statement `s` (not in `s`'s first row), each as its statements. */
function nestedBlocks(s: Node, depth: number, checkDeadline: () => void): Stmt[][] {
  if (s.endPosition.row - s.startPosition.row < 2) return [];
  checkDeadline();
  const out: Stmt[][] = [];
  const lo = s.startPosition.row + 1;
  const visit = (n: Node, d: number) => {
    for (let i = 0; i < n.namedChildCount; i++) {
      const c = n.namedChild(i);
      if (!c || c.endPosition.row < lo) continue;
      if (BLOCKS.has(c.type)) {
        const stmts = blockStatements(c, lo, s.endPosition.row, depth, checkDeadline);
        if (stmts.length > 0) out.push(stmts);
      }
      else if (d < MAX_SEARCH_DEPTH && c.endPosition.row > c.startPosition.row) visit(c, d + 1);
    }
  };
  visit(s, 0);
  return out;
}

/** The statements of a function body node whose elidable interior is rows [lo, hi]. */
export function bodyStatements(body: Node, lo: number, hi: number, checkDeadline: () => void): Stmt[] {
  // Python's block starts on its first statement; brace blocks on their `{`.
  return BLOCKS.has(body.type) ? blockStatements(body, lo, hi, 1, checkDeadline) : [];
}
