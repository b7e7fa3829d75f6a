/**
 * Points Continue's models at the proxy by changing only their `apiBase`, in
 * `~/.continue/config.yaml` (comments and layout kept by the yaml Document API) or the legacy
 * `config.json` (JSONC, minimal edits with jsonc-parser). Connecting returns the previous values so
 * disconnecting restores exactly what was there. Only models in that record whose apiBase is still
 * the one we wrote are ever changed again: other local servers (Ollama, LM Studio) and values the
 * user edited since are theirs.
 */
import { parseDocument, isMap, isScalar, isSeq, type Document } from 'yaml';
// The ESM build: esbuild cannot follow the UMD build's dynamic requires (./impl/format).
import { applyEdits, modify, parse as parseJsonc, type ParseError, type FormattingOptions } from 'jsonc-parser/lib/esm/main.js';
import { MalformedConfigError } from './errors';
import { isLoopbackUrl, sameUpstream, type ProxyUpstreams } from './proxy-urls';

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

/**
 * Whether a model's requests would reach the same place through the proxy: its provider is one the
 * proxy serves, and it has no apiBase of its own, or one naming the proxy's upstream for that
 * provider, or the proxy itself (`ours`). A model with another apiBase (a gateway, OpenRouter, a
 * local server) would have its requests and key sent to the proxy's upstream instead.
 */
export function routesThroughProxy(m: ContinueModel, upstreams: ProxyUpstreams, ours?: string): boolean {
  if (!PROXIED_PROVIDERS.has(m.provider)) return false;
  if (m.apiBase === undefined || m.apiBase === ours) return true;
  return sameUpstream(m.apiBase, upstreams[m.provider as keyof ProxyUpstreams]);
}

/** The models whose provider the proxy serves (routable or not, see routesThroughProxy). */
export function proxiableModels(models: ContinueModel[]): ContinueModel[] {
  return models.filter((m) => PROXIED_PROVIDERS.has(m.provider));
}

export function connect(text: string, format: Format, apiBase: string, chosen: string[], file = 'config'): ContinueEdit {
  const models = listModels(text, format, file).filter((m) => chosen.includes(m.name) && m.apiBase !== apiBase);
  const undo: ContinueUndo = models.map((m) => ({ name: m.name, previous: m.apiBase ?? null }));
  const out = setApiBases(text, format, file, new Map(models.map((m) => [m.index, apiBase])));
  return { text: out, changed: models.map((m) => m.name), undo };
}

/**
 * The recorded models whose apiBase is still the one we wrote (`pointedAt`; records from before it
 * was kept match any loopback apiBase): the only ones a re-point or a disconnect may change.
 */
function stillOurs(models: ContinueModel[], undo: ContinueUndo, pointedAt: string | undefined): ContinueModel[] {
  return models.filter((m) => m.apiBase !== undefined && undo.some((u) => u.name === m.name)
    && (pointedAt !== undefined ? m.apiBase === pointedAt : isLoopbackUrl(m.apiBase)));
}

/** Moves the recorded models still pointing at `pointedAt` to `apiBase` (the proxy's port changed). */
export function repoint(text: string, format: Format, undo: ContinueUndo, pointedAt: string | undefined, apiBase: string, file = 'config'): ContinueEdit {
  const models = stillOurs(listModels(text, format, file), undo, pointedAt).filter((m) => m.apiBase !== apiBase);
  const out = setApiBases(text, format, file, new Map(models.map((m) => [m.index, apiBase])));
  return { text: out, changed: models.map((m) => m.name), undo };
}

/** Puts back the recorded previous apiBase of each recorded model still pointing at `pointedAt`. */
export function disconnect(text: string, format: Format, undo: ContinueUndo, pointedAt: string | undefined, file = 'config'): ContinueEdit {
  const models = stillOurs(listModels(text, format, file), undo, pointedAt);
  const changes = new Map(models.map((m) => [m.index, undo.find((u) => u.name === m.name)!.previous]));
  const out = setApiBases(text, format, file, changes);
  return { text: out, changed: models.map((m) => m.name), undo: [] };
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
        // The file's last line, with no line break of its own: the one before it goes instead.
        const start = nl < 0 && lineStart > 0 ? lineStart - (text[lineStart - 2] === '\r' ? 2 : 1) : lineStart;
        edits.push({ start, end: nl < 0 ? text.length : nl + 1, insert: '' });
      } else {
        const quoted = pair.value.type === 'QUOTE_DOUBLE' || pair.value.type === 'QUOTE_SINGLE';
        edits.push({ start: vStart, end: vEnd, insert: quoted ? JSON.stringify(value) : value });
      }
    } else if (value !== null) {
      // A new last key of the model's map: after the end of its last value, which for a block
      // collection or block scalar already includes the line break (the next line is not ours).
      const firstKey = model.items[0].key as { range?: [number, number, number] };
      const last = model.items[model.items.length - 1];
      const end = (last.value as { range?: [number, number, number] } | null)?.range?.[1] ?? (last.key as { range: [number, number, number] }).range[1];
      const column = firstKey.range![0] - (text.lastIndexOf('\n', firstKey.range![0]) + 1);
      const eol = text.includes('\r\n') ? '\r\n' : '\n';
      const nl = text[end - 1] === '\n' ? end - 1 : text.indexOf('\n', end);
      const at = nl < 0 ? text.length : nl + 1;
      const line = ' '.repeat(column) + 'apiBase: ' + value;
      edits.push({ start: at, end: at, insert: nl < 0 ? eol + line : line + eol });
    }
  }
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.insert + out.slice(e.end);
  yamlDoc(out, file);
  return out;
}
