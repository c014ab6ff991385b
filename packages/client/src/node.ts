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

/** Environment variables the Node entry point reads (`process.env` unless a caller passes its own). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The local daemon's sockets for this user (`$VIRTWIRE_RUNTIME_DIR`, `$XDG_RUNTIME_DIR` from `env`). */
export function localSockets(env: Environment = process.env): { readWrite: string; readOnly: string } {
  return localSocketPaths({
    runtimeDirOverride: env.VIRTWIRE_RUNTIME_DIR,
    xdgRuntimeDir: env.XDG_RUNTIME_DIR,
    uid: process.getuid?.() ?? 1000,
  });
}

/** The token in `$VIRTWIRE_TOKEN` or `~/.config/virtwire/token` (a 0600 file, as kubectl and docker keep theirs). */
export function defaultToken(env: Environment = process.env): string | undefined {
  if (env.VIRTWIRE_TOKEN) return env.VIRTWIRE_TOKEN;
  const file = join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'virtwire', 'token');
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens a connection from Node: `test:///default` reaches the local daemon's socket (the read-only
 * one with `readOnly`), `test+ws://host:port/default` a TCP daemon. Socket and token are found
 * through `env` (vwsh passes the environment it was given).
 */
export function connect(uri: string, options: ConnectOptions = {}, env: Environment = process.env): Promise<Connection> {
  const sockets = localSockets(env);
  const token = options.token ?? (uri.includes('+ws') ? defaultToken(env) : undefined);
  return Connection.open(uri, {
    webSocket: nodeWebSocket,
    defaultSocketPath: options.readOnly ? sockets.readOnly : sockets.readWrite,
    ...options,
    ...(token ? { token } : {}),
  });
}
