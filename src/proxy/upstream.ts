/** Requests to the provider over pooled keep-alive connections. */
import * as http from 'node:http';
import * as https from 'node:https';

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' });

export function upstreamRequest(url: URL, method: string, headers: string[]): http.ClientRequest {
  const secure = url.protocol === 'https:';
  const mod = secure ? https : http;
  return mod.request({
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || (secure ? 443 : 80),
    path: url.pathname + url.search,
    method,
    headers: headers as unknown as http.OutgoingHttpHeaders,
    agent: secure ? httpsAgent : httpAgent,
    setHost: false,
  });
}

/** Collects a whole response body (used for the proxy's own retrieval continuations). */
export function readAll(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('upstream aborted')));
  });
}
