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

/**
 * The target in origin form: an absolute-form target (clients that treat us as an HTTP proxy)
 * without its scheme and authority ("http://127.0.0.1:8787/health?x" → "/health?x").
 */
export function originForm(rawUrl: string): string {
  const m = /^https?:\/\/[^/?#]*/i.exec(rawUrl);
  if (!m) return rawUrl;
  const rest = rawUrl.slice(m[0].length);
  return rest.startsWith('/') ? rest : '/' + rest;
}

/** Splits the raw URL and normalises its path (project prefix, /v1/v1, bare API paths). */
export function normalizePath(rawUrl: string): { path: string; query: string } {
  rawUrl = originForm(rawUrl);
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
  const out = new URL(u.origin + prefix + p + query);
  // The request path is the client's: whatever it holds, the request goes to the configured
  // provider and nowhere else (a path like `*@other.host/` would otherwise turn the base into
  // userinfo and name another host).
  if (out.origin !== u.origin) throw new TargetError(`Request target names another host than the upstream ${u.origin}.`);
  return out;
}

/** A request target the proxy does not serve. */
export class TargetError extends Error {}

/**
 * How a request target is addressed: `origin` for a path ("/v1/messages"), `loopback` for the
 * absolute form naming a loopback host ("http://127.0.0.1:8787/v1/messages", what clients that
 * treat us as an HTTP proxy send), `foreign` for the absolute form naming any other host (which
 * then is the request's real host, whatever the Host header says), `invalid` for anything else
 * (the asterisk form, `*@host/…`, other schemes).
 */
export function targetForm(rawUrl: string): 'origin' | 'loopback' | 'foreign' | 'invalid' {
  if (rawUrl.startsWith('/')) return 'origin';
  const m = /^https?:\/\/([^/?#]*)(?:[/?#]|$)/i.exec(rawUrl);
  if (!m) return 'invalid';
  return isLoopbackHost(m[1]) ? 'loopback' : 'foreign';
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** host[:port], where host is a DNS name, a dotted IPv4 address or a bracketed IPv6 literal. */
const HOST_PORT = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::\d{0,5})?$/;
const LOOPBACK_V4 = /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/;

/**
 * DNS-rebinding guard: the Host header (or a URL's host) must name a loopback address. The whole
 * value is parsed: a port must be digits, and nothing may follow a bracketed address or precede
 * the name (no userinfo).
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = HOST_PORT.exec(host.trim().toLowerCase());
  if (!m) return false;
  let name = m[1];
  if (!name.startsWith('[') && name.endsWith('.')) name = name.slice(0, -1);
  return LOOPBACK_HOSTS.has(name) || (name.endsWith('.localhost') && !name.startsWith('.')) || LOOPBACK_V4.test(name);
}

/** An Origin header passes when absent or naming a loopback host ("null" and other schemes do not). */
export function allowedOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return isLoopbackHost(new URL(origin).host);
  } catch {
    return false;
  }
}
