import { compressSourceCode } from '../code/compress-code';
import type { Compressor } from './types';

/** Source code: AST-aware (web-tree-sitter) with a line-based fallback; see src/engine/code/. */
export const compressCode: Compressor = (text, ctx) => compressSourceCode(text, ctx);
