/**
 * A local stand-in for a corporate HTTP proxy: answers CONNECT by opening a tunnel to the loopback
 * port that `route` gives for the requested host:port, and records every CONNECT it saw.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SeenConnect {
  target: string;
  proxyAuthorization: string | undefined;
}

export interface FakeConnectProxy {
  url: string;
  port: number;
  connects: SeenConnect[];
  close(): Promise<void>;
}

/** `route` maps host:port to a loopback port (undefined: 502); `auth`, when set, is the Proxy-Authorization required. */
export async function startFakeConnectProxy(route: (target: string) => number | undefined, auth?: string): Promise<FakeConnectProxy> {
  const server = http.createServer((_req, res) => res.writeHead(405).end('CONNECT only'));
  const sockets = new Set<net.Socket>();
  const fake: FakeConnectProxy = { url: '', port: 0, connects: [], close: async () => {} };
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const target = req.url ?? '';
    fake.connects.push({ target, proxyAuthorization: req.headers['proxy-authorization'] });
    if (auth !== undefined && req.headers['proxy-authorization'] !== auth) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 13\r\n\r\nlogin needed\n');
      return;
    }
    const port = route(target);
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const up = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  fake.close = () => new Promise((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  });
  return fake;
}
