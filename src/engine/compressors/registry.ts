import type { Ctx } from '../context';
import type { ContentKind } from '../types';
import { foldRepeats } from './generic';
import type { Compressed, Compressor } from './types';
import { compressJson } from './json';
import { compressLogs } from './logs';
import { compressSearch } from './search';
import { compressDiff } from './diff';
import { compressGitlog } from './gitlog';
import { compressBuild } from './build';
import { compressDirlist } from './dirlist';
import { compressCode } from './code';
import { compressHtml } from './html';
import { compressTable } from './table';
import { compressProse } from './prose';
import { compressMixed } from './mixed';

export const COMPRESSORS: Record<ContentKind, Compressor> = {
  json: compressJson,
  logs: compressLogs,
  search: compressSearch,
  diff: compressDiff,
  gitlog: compressGitlog,
  build: compressBuild,
  dirlist: compressDirlist,
  code: compressCode,
  html: compressHtml,
  table: compressTable,
  prose: compressProse,
  mixed: compressMixed,
};

/** Runs the compressor of a kind, falling back to the generic one. Mixed content calls it per part. */
export function compressAs(kind: ContentKind, text: string, ctx: Ctx): Compressed | null {
  return COMPRESSORS[kind](text, ctx) ?? foldRepeats(text, ctx);
}
