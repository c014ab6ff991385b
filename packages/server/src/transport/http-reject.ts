// Refuses a WebSocket upgrade with a bare HTTP status and closes the socket, whatever the peer does next.
import type { Duplex } from 'node:stream';

/** Extra response headers a refusal may carry (e.g. `WWW-Authenticate`). */
export type RefusalHeaders = Readonly<Record<string, string>>;

/**
 * Writes `HTTP/1.1 <status> <reason>` and destroys the socket once it is flushed, so a peer that
 * never closes its side cannot keep the connection (and its pending slot) open.
 */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, headers: RefusalHeaders = {}): void {
  if (socket.destroyed) return;
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`, () => socket.destroy());
}
