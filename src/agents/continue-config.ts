/**
 * Points Continue's models at the proxy by changing only their `apiBase`, in
 * `~/.continue/config.yaml` (comments and layout kept by the yaml Document API) or the legacy
 * `config.json` (JSONC, minimal edits with jsonc-parser). Connecting returns the previous values so
 * disconnecting restores exactly what was there; without that record, any loopback apiBase is removed.
 */
import { parseDocument, isMap, isScalar, isSeq, type Document } from 'yaml';
// The ESM build: esbuild cannot follow the UMD build's dynamic requires (./impl/format).
import { applyEdits, modify, parse as parseJsonc, type ParseError, type FormattingOptions } from 'jsonc-parser/lib/esm/main.js';
import { MalformedConfigError } from './errors';
import { isLoopbackUrl } from './proxy-urls';

/** Providers whose apiBase speaks a wire format our proxy serves. */
const PROXIED_PROVIDERS = new Set(['anthropic', 'openai']);

export interface ContinueModel {
  index: number;
  name: string;
  provider: string;
  apiBase?: string;
}

/** What connect changed: per model name, the apiBase it had before (null = none). */
export type ContinueUndo = Array<{ name: string; previous: string | null }>;

export interface ContinueEdit {
  text: string;
  changed: string[];
  undo: ContinueUndo;
}

type Format = 'yaml' | 'json';

export function formatOf(fileName: string): Format {
  return fileName.endsWith('.json') ? 'json' : 'yaml';
}

function yamlDoc(text: string, file: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new MalformedConfigError(file, doc.errors[0].message.split('\n')[0]);
  return doc;
}

function jsonValue(text: string, file: string): { models?: unknown } {
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length > 0 || typeof value !== 'object' || value === null) throw new MalformedConfigError(file, 'invalid JSON');
  return value as { models?: unknown };
}

export function listModels(text: string, format: Format, file = 'config'): ContinueModel[] {
  const raw = format === 'yaml' ? (yamlDoc(text, file).toJS() as { models?: unknown } | null) : jsonValue(text, file);
  const models = Array.isArray(raw?.models) ? (raw!.models as Array<Record<string, unknown>>) : [];
  return models.map((m, index) => ({
    index,
    name: String(m?.name ?? m?.model ?? `model ${index + 1}`),
    provider: String(m?.provider ?? ''),
    apiBase: typeof m?.apiBase === 'string' ? m.apiBase : undefined,
  }));
}

/** The models Connect offers by default: those whose provider the proxy can serve. */
export function proxiableModels(models: ContinueModel[]): ContinueModel[] {
  return models.filter((m) => PROXIED_PROVIDERS.has(m.provider));
}

export function connect(text: string, format: Format, apiBase: string, chosen: string[], file = 'config'): ContinueEdit {
  const models = listModels(text, format, file).filter((m) => chosen.includes(m.name) && m.apiBase !== apiBase);
  const undo: ContinueUndo = models.map((m) => ({ name: m.name, previous: m.apiBase ?? null }));
  const out = setApiBases(text, format, file, new Map(models.map((m) => [m.index, apiBase])));
  return { text: out, changed: models.map((m) => m.name), undo };
}

export function disconnect(text: string, format: Format, undo: ContinueUndo | undefined, file = 'config'): ContinueEdit {
  const models = listModels(text, format, file);
  const changes = new Map<number, string | null>();
  for (const m of models) {
    if (m.apiBase === undefined || !isLoopbackUrl(m.apiBase)) continue;
    const recorded = undo?.find((u) => u.name === m.name);
    changes.set(m.index, recorded ? recorded.previous : null);
  }
  const out = setApiBases(text, format, file, changes);
  return { text: out, changed: models.filter((m) => changes.has(m.index)).map((m) => m.name), undo: [] };
}

/** Sets (or, for null, removes) the apiBase of the models at the given indices; nothing else changes. */
function setApiBases(text: string, format: Format, file: string, changes: Map<number, string | null>): string {
  if (changes.size === 0) return text;
  if (format === 'yaml') return setYamlApiBases(text, file, changes);
  const formatting: FormattingOptions = { insertSpaces: !/^\t/m.test(text), tabSize: detectIndent(text), eol: text.includes('\r\n') ? '\r\n' : '\n' };
  let out = text;
  for (const [index, value] of changes) {
    out = applyEdits(out, modify(out, ['models', index, 'apiBase'], value === null ? undefined : value, { formattingOptions: formatting }));
  }
  return out;
}

function detectIndent(text: string): number {
  const m = /^( +)\S/m.exec(text);
  return m ? m[1].length : 2;
}

/**
 * Text edits at the node ranges the yaml parser reports, applied from the end backwards, so every
 * byte outside the apiBase lines (comments, flow style, spacing) stays as the user wrote it.
 */
function setYamlApiBases(text: string, file: string, changes: Map<number, string | null>): string {
  const seq = yamlDoc(text, file).get('models');
  if (!isSeq(seq)) return text;
  const edits: Array<{ start: number; end: number; insert: string }> = [];
  for (const [index, value] of changes) {
    const model = seq.items[index];
    if (!isMap(model) || model.flow || model.items.length === 0) continue;
    const pair = model.items.find((p) => isScalar(p.key) && p.key.value === 'apiBase');
    if (pair && isScalar(pair.value) && pair.value.range) {
      const [vStart, vEnd] = pair.value.range;
      if (value === null) {
        const lineStart = text.lastIndexOf('\n', (pair.key as { range: [number] }).range[0]) + 1;
        const nl = text.indexOf('\n', vEnd);
        edits.push({ start: lineStart, end: nl < 0 ? text.length : nl + 1, insert: '' });
      } else {
        const quoted = pair.value.type === 'QUOTE_DOUBLE' || pair.value.type === 'QUOTE_SINGLE';
        edits.push({ start: vStart, end: vEnd, insert: quoted ? JSON.stringify(value) : value });
      }
    } else if (value !== null) {
      const firstKey = model.items[0].key as { range?: [number, number, number] };
      const last = model.items[model.items.length - 1];
      const end = (last.value as { range?: [number, number, number] } | null)?.range?.[1] ?? firstKey.range![1];
      const column = firstKey.range![0] - (text.lastIndexOf('\n', firstKey.range![0]) + 1);
      const nl = text.indexOf('\n', end);
      const eol = text.includes('\r\n') ? '\r\n' : '\n';
      const at = nl < 0 ? text.length : nl + 1;
      edits.push({ start: at, end: at, insert: (nl < 0 ? eol : '') + ' '.repeat(column) + 'apiBase: ' + value + eol });
    }
  }
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.insert + out.slice(e.end);
  yamlDoc(out, file);
  return out;
}
