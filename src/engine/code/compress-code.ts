/**
 * Source code compression: keeps imports, declarations, every signature and the bodies that matter
 * to the question; elides other function bodies and long comment tails behind one marker each.
 */
import type { Ctx } from '../context';
import { splitLines } from '../lines';
import type { Compressed } from '../compressors/types';
import { resolveLanguage } from './languages';
import { outlineCode, stripGutter } from './outline';
import { renderCode, worthEliding } from './render';
import { codeIdentifiers, regionText, selectBodies } from './select';
import type { Region } from './units';
import { innerRegions } from './inner';
import { repeatedParameterRegions } from './repeats';

export function compressSourceCode(text: string, ctx: Ctx): Compressed | null {
  const lines = splitLines(text);
  if (lines.length < 6) return null;
  const code = stripGutter(lines) ?? lines;
  const lang = resolveLanguage(code === lines ? text : code.join(''), ctx.fileName);
  if (!lang) return null;
  const timedOut = () => {
    try {
      ctx.checkDeadline();
      return false;
    } catch {
      return true;
    }
  };
  const { outline, method } = outlineCode(code, lang, () => ctx.checkDeadline(), timedOut);
  const { keep, relevant } = selectBodies(outline, code, ctx.query);
  const regions: Region[] = [];
  // Long comments that are no function's doc stay whole only when they name what the question names.
  const idents = [...codeIdentifiers(ctx.query.text)].map((i) => new RegExp(`(?<![\\w$])${i.replace(/[$]/g, '\\$')}(?![\\w$])`, 'i'));
  const namesIdent = (t: string) => idents.some((re) => re.test(t));
  for (const u of outline.units) if (u.body && !keep.has(u) && worthEliding(code, u.body)) regions.push(u.body);
  for (const u of relevant) if (u.inner) regions.push(...innerRegions(u.inner, code, lang, ctx.query.terms));
  for (const c of outline.comments) {
    if (!c.tail || !worthEliding(code, c.tail)) continue;
    if (c.doc ? relevant.has(c.doc) : namesIdent(regionText(code, c))) continue;
    regions.push(c.tail);
  }
  regions.push(...repeatedParameterRegions(outline, code, lang, regions));
  if (regions.length === 0) return null;
  ctx.checkDeadline();
  return { text: renderCode(lines, regions, ctx), strategy: `code-${method}:${lang}` };
}
