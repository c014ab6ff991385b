// @virtwire/client for Node: the core SDK with ws injected, unix sockets, and the local daemon's socket and token.
import { localSocketPaths } from '@virtwire/protocol';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Connection, type ConnectOptions } from './core/connection.js';
import type { WebSocketFactory, WebSocketLike } from './core/web-socket-like.js';

export * from './index.js';

/** Largest reply the SDK accepts (snapshot lists of 100,000 entries are large). */
const MAX_REPLY_BYTES = 256 * 1024 * 1024;

/** Opens WebSockets with `ws`, compression off, over TCP or unix sockets. */
export const nodeWebSocket: WebSocketFactory = (url, protocols) =>
  new WebSocket(url, protocols, { perMessageDeflate: false, maxPayload: MAX_REPLY_BYTES }) as unknown as WebSocketLike;

/** The local daemon's sockets for this user. */
export function localSockets(): { readWrite: string; readOnly: string } {
  return localSocketPaths({
    runtimeDirOverride: process.env.VIRTWIRE_RUNTIME_DIR,
    xdgRuntimeDir: process.env.XDG_RUNTIME_DIR,
    uid: process.getuid?.() ?? 1000,
  });
}

/** The token in `$VIRTWIRE_TOKEN` or `~/.config/virtwire/token` (a 0600 file, as kubectl and docker keep theirs). */
export function defaultToken(): string | undefined {
  if (process.env.VIRTWIRE_TOKEN) return process.env.VIRTWIRE_TOKEN;
  const file = join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'virtwire', 'token');
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens a connection from Node: `test:///default` reaches the local daemon's socket (the read-only
 * one with `readOnly`), `test+ws://host:port/default` a TCP daemon.
 */
export function connect(uri: string, options: ConnectOptions = {}): Promise<Connection> {
  const sockets = localSockets();
  const token = options.token ?? (uri.includes('+ws') ? defaultToken() : undefined);
  return Connection.open(uri, {
    webSocket: nodeWebSocket,
    defaultSocketPath: options.readOnly ? sockets.readOnly : sockets.readWrite,
    ...options,
    ...(token ? { token } : {}),
  });
}
