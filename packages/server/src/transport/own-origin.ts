// Decides whether a browser Origin is the listener's own (the page virtwired served), so the console needs no --allow-origin.
import type { IncomingMessage } from 'node:http';
import { isLoopback, type OpenListener } from './listeners.js';

/**
 * True when `origin` is the origin of pages this TCP listener serves itself. On plain `ws://`
 * (loopback only) that is `http://` with a loopback host (127.x, localhost, [::1]) and the
 * listener's port; a name that merely resolves to this machine (DNS rebinding) is not. On TLS it is
 * `https://` plus the request's Host: a rebound name cannot present this daemon's certificate, so the
 * browser never gets that far. Unix sockets serve no pages.
 */
export function isOwnOrigin(listener: OpenListener, request: IncomingMessage, origin: string): boolean {
  if (listener.spec.kind !== 'tcp') return false;
  const bound = listener.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : undefined;
  if (listener.spec.tls) {
    const host = request.headers.host;
    return typeof host === 'string' && host.length > 0 && origin === `https://${host}`;
  }
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && url.origin === origin && Number(url.port || 80) === port && isLoopback(url.hostname);
}
