import type { Server } from 'node:http';
import type { ProxyState } from './server';

/** Responses WebSocket mode: not wired yet (upgrade requests are refused). */
export function attachWebSocket(server: Server, state: ProxyState): void {
  void state;
  server.on('upgrade', (_req, socket) => {
    socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
}
