/** The proxy's own routes: /health, /stats, POST /v1/compress, GET /v1/retrieve/HASH. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HASH_PATTERN } from '../engine/hash';
import { ENGINE_VERSION } from '../engine/compress';
import { decodeBody, readBody } from './body';
import { HttpError, providerError } from './errors';
import type { Api } from './extract';
import { JsonSyntaxError, JsonTooComplexError } from './json-scan';
import { originForm } from './routes';
import type { ProxyState } from './server';

function json(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra }).end(JSON.stringify(value));
}

/** Answers the proxy's own routes; returns false for anything else. */
export async function handleInternal(state: ProxyState, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  // The caller let through only loopback absolute-form targets: they name these routes too.
  const url = originForm(req.url ?? '/');
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';
  if (method === 'GET' && path === '/health') {
    let store: unknown;
    try {
      const s = state.store.summary();
      store = { state: 'ok', path: s.path, entries: s.entries, bytes: s.bytes, memoEntries: s.memoEntries };
    } catch (e) {
      store = { state: 'error', error: (e as Error).message };
    }
    json(res, 200, {
      service: 'headroom', status: 'ok', version: (await import('./server')).PROXY_VERSION, engineVersion: ENGINE_VERSION,
      uptimeS: Math.round((Date.now() - state.startedAt) / 1000), bypass: state.bypass, store,
    });
    return true;
  }
  if (method === 'GET' && path === '/stats') {
    json(res, 200, state.stats.snapshot());
    return true;
  }
  if (path.startsWith('/v1/retrieve/') && method === 'GET') {
    // Hashes are lower-case hex, as the headroom_retrieve tool reads them; anything else is not echoed.
    const hash = path.slice('/v1/retrieve/'.length).toLowerCase();
    const valid = HASH_PATTERN.test(hash);
    const hit = valid ? state.store.get(hash) : undefined;
    if (!valid) json(res, 404, { error: { type: 'not_found', message: 'Not a Headroom hash: expected 24 hexadecimal characters.' } });
    else if (!hit) json(res, 404, { error: { type: 'not_found', message: `No stored original for hash=${hash}. Re-run the command or re-read the file.` } });
    else json(res, 200, { hash, kind: hit.kind, size: hit.size, text: hit.text });
    return true;
  }
  if (path === '/v1/compress' && method === 'POST') {
    await compressEndpoint(state, req, res, url.slice(path.length));
    return true;
  }
  return false;
}

function detectApi(query: string, body: Buffer): Api {
  const explicit = /[?&]api=(anthropic|chat|responses)\b/.exec(query);
  if (explicit) return explicit[1] as Api;
  const head = body.toString('utf8', 0, Math.min(body.length, 1 << 20));
  if (/"input"\s*:/.test(head) && !/"messages"\s*:/.test(head)) return 'responses';
  if (/"role"\s*:\s*"tool"/.test(head) || /"tool_calls"\s*:/.test(head)) return 'chat';
  return 'anthropic';
}

async function compressEndpoint(state: ProxyState, req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
  const release = state.tokens.hold();
  try {
    const raw = await readBody(req, state.config.maxBodyBytes);
    const body = decodeBody(raw, req.headers['content-encoding'], state.config.maxBodyBytes);
    const api = detectApi(query, body);
    const result = state.rewriter.rewrite(api, body, { injectRetrieveTool: false });
    if (!result) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(providerError('openai-like', 400, 'Body must be a JSON object').body);
      return;
    }
    const summary = result.outputs.map((o) => ({ tool: o.tool, kind: o.kind, bytesIn: o.bytesIn, bytesOut: o.bytesOut, reason: o.reason }));
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-headroom-api': api,
      // Tool names come from the request: header values must stay ASCII (Node refuses other characters).
      'x-headroom-outputs': asciiJson(summary).slice(0, 8000),
    }).end(result.body);
  } catch (e) {
    const status = e instanceof HttpError ? e.status : e instanceof JsonSyntaxError ? 400 : e instanceof JsonTooComplexError ? 413 : 500;
    const err = providerError('openai-like', status, (e as Error).message);
    res.writeHead(status, { 'content-type': 'application/json' }).end(err.body);
  } finally {
    release();
  }
}

/** JSON with every non-ASCII or control character escaped, fit for a header value. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0000-\u001f\u007f-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}
