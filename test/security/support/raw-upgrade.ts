// Sends a hand-written HTTP upgrade request (any header, repeated or odd) and reports the status line the daemon answers with.
import { connect as connectTcp, type Socket } from 'node:net';

/** A header as sent on the wire, repeats and case kept. */
export type RawHeader = [name: string, value: string];

/** Where to send it: `ws://host:port` or a unix socket path. */
export type UpgradeTarget = { url: string } | { socketPath: string };

/**
 * Writes `GET / HTTP/1.1` with the WebSocket upgrade headers and `extra` (in that order, exactly as
 * given), and resolves with the HTTP status of the answer (101 when the upgrade was accepted).
 */
export function rawUpgradeStatus(target: UpgradeTarget, extra: readonly RawHeader[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket: Socket =
      'url' in target ? connectTcp(Number(new URL(target.url).port), new URL(target.url).hostname) : connectTcp({ path: target.socketPath });
    let answer = '';
    socket.setTimeout(10_000, () => {
      socket.destroy();
      reject(new Error('no answer to the upgrade'));
    });
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      const line = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (line) {
        socket.destroy();
        resolve(Number(line[1]));
      }
    });
    socket.on('close', () => reject(new Error(`closed without a status line: ${JSON.stringify(answer.slice(0, 100))}`)));
    const headers: RawHeader[] = [
      ['Host', 'localhost'],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
      ['Sec-WebSocket-Version', '13'],
      ...extra,
    ];
    socket.write(`GET / HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`);
  });
}
