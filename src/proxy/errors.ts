/** Errors the proxy raises itself, in the error shape of the API the client is talking to. */
import type { Api } from './extract';

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
  413: 'request_too_large', 415: 'invalid_request_error', 421: 'permission_error', 429: 'rate_limit_error',
  500: 'api_error', 502: 'api_error', 504: 'api_error', 529: 'overloaded_error',
};

export interface ProxyError {
  status: number;
  body: string;
}

export function providerError(api: Api | 'anthropic-like' | 'openai-like', status: number, message: string): ProxyError {
  if (api === 'anthropic' || api === 'anthropic-like') {
    const type = ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    return { status, body: JSON.stringify({ type: 'error', error: { type, message } }) };
  }
  const type = status >= 500 ? 'server_error' : status === 429 ? 'rate_limit_error' : 'invalid_request_error';
  return { status, body: JSON.stringify({ error: { message, type, param: null, code: null } }) };
}

/** An error carrying the HTTP status it should produce. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
