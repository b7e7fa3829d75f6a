import type { Ctx } from '../context';

export interface Compressed {
  text: string;
  /** Short name of what was done, e.g. "json-table", "log-templates". */
  strategy: string;
}

/**
 * A compressor for one kind of content. Returns null when it has nothing to offer (the engine then
 * tries the generic compressor). It must keep every kept line verbatim, store an original before
 * emitting a marker that names it (ctx.store), and call ctx.checkDeadline() in long loops.
 */
export type Compressor = (text: string, ctx: Ctx) => Compressed | null;
