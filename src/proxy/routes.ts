/** Path normalisation and routing: which API a request speaks and which upstream gets it. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Api } from './extract';

export type Provider = 'anthropic' | 'openai';
export type RouteKind = 'messages' | 'count_tokens' | 'chat' | 'responses' | 'passthrough';

export interface Route {
  kind: RouteKind;
  provider: Provider;
  /** The API whose body we may compress (null: pass through untouched). */
  api: Api | null;
  /** Normalised path plus the raw query string, exactly as received. */
  path: string;
  query: string;
}

const BARE = /^\/(messages|chat\/completions|responses|models|completions|embeddings)(\/|$)/;
const RESPONSES_PATHS = new Set(['/v1/responses', '/v1/codex/responses', '/backend-api/responses', '/backend-api/codex/responses']);

/** Splits the raw URL and normalises its path (project prefix, /v1/v1, bare API paths). */
export function normalizePath(rawUrl: string): { path: string; query: string } {
  // Absolute-form targets (clients that treat us as an HTTP proxy) carry the origin: drop it.
  if (/^https?:\/\//i.test(rawUrl)) {
    const slash = rawUrl.indexOf('/', rawUrl.indexOf('//') + 2);
    rawUrl = slash === -1 ? '/' : rawUrl.slice(slash);
  }
  const q = rawUrl.indexOf('?');
  let path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const query = q === -1 ? '' : rawUrl.slice(q);
  path = path.replace(/^\/p\/[^/]+(?=\/)/, '');
  while (path.startsWith('/v1/v1/') || path === '/v1/v1') path = path.slice(3);
  if (BARE.test(path)) path = '/v1' + path;
  return { path, query };
}

export function providerFromHeaders(headers: IncomingHttpHeaders): Provider {
  return headers['x-api-key'] !== undefined || headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}

export function route(rawUrl: string, method: string, headers: IncomingHttpHeaders): Route {
  const { path, query } = normalizePath(rawUrl);
  const post = method === 'POST';
  if (path === '/v1/messages') return { kind: 'messages', provider: 'anthropic', api: post ? 'anthropic' : null, path, query };
  if (path === '/v1/messages/count_tokens') return { kind: 'count_tokens', provider: 'anthropic', api: null, path, query };
  if (path === '/v1/chat/completions') return { kind: 'chat', provider: 'openai', api: post ? 'chat' : null, path, query };
  if (RESPONSES_PATHS.has(path)) return { kind: 'responses', provider: 'openai', api: post ? 'responses' : null, path, query };
  return { kind: 'passthrough', provider: providerFromHeaders(headers), api: null, path, query };
}

export const DEFAULT_ANTHROPIC_UPSTREAM = 'https://api.anthropic.com';
export const DEFAULT_OPENAI_UPSTREAM = 'https://api.openai.com';

/** Joins an upstream base (which may carry a path prefix, with or without /v1) with a request path. */
export function upstreamUrl(base: string, path: string, query: string): URL {
  const u = new URL(base);
  let prefix = u.pathname.replace(/\/+$/, '');
  let p = path;
  if (prefix.endsWith('/v1') && (p.startsWith('/v1/') || p === '/v1')) p = p.slice(3);
  if (prefix === '/') prefix = '';
  return new URL(u.origin + prefix + p + query);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** DNS-rebinding guard: the Host header must name a loopback address. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    if (end === -1) return false;
    name = name.slice(0, end + 1);
  } else {
    const colon = name.lastIndexOf(':');
    if (colon !== -1) name = name.slice(0, colon);
  }
  if (name.endsWith('.')) name = name.slice(0, -1);
  return LOOPBACK_HOSTS.has(name) || name.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
