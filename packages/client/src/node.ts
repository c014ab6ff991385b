// @virtwire/client for Node: the core SDK with ws injected, unix sockets, TLS, and the local daemon's socket and token.
/**
 * The SDK for Node: the browser build plus `ws`, unix sockets, TLS, and the local daemon's socket and token.
 * @module @virtwire/client
 */
import { ErrorNumber, VirError } from '@virtwire/protocol';
import { localSocketPaths, localTokenPath, type PollPlatform } from '@virtwire/runtime';
import { readFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import WebSocket from 'ws';
import { Connection, type ConnectOptions } from './core/connection.js';
import { ReplyPolling } from './core/reply-polling.js';
import type { WebSocketFactory, WebSocketLike } from './core/web-socket-like.js';

export * from './index.js';

/** Largest reply the SDK accepts (snapshot lists of 100,000 entries are large). */
const MAX_REPLY_BYTES = 256 * 1024 * 1024;

/** The SDK's default reply-polling window in µs (the daemon's default is the same). */
export const DEFAULT_REPLY_POLL_MAX_US = 200;

/** TLS settings for `wss://` (PEM text): a private CA, and a client certificate if the daemon asks for one. */
export interface NodeTlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** Node-only options of {@link connect}. */
export interface NodeConnectOptions extends ConnectOptions {
  /** Extra handshake headers. */
  headers?: Record<string, string>;
  /**
   * Longest window in µs the SDK keeps the event loop turning while it awaits a reply, instead of
   * sleeping (adaptive, like the daemon's `--poll-max-us`; {@link DEFAULT_REPLY_POLL_MAX_US}); 0 never
   * spins. Off while the process may only use one CPU.
   */
  pollMaxUs?: number;
  tls?: NodeTlsOptions;
}

/**
 * A `ws` factory: compression off, extra headers (Node can send `Authorization`, browsers
 * cannot), and TLS options for `wss://`.
 */
export function nodeWebSocketWith(headers: Record<string, string> = {}, tls: NodeTlsOptions = {}): WebSocketFactory {
  return (url, protocols) =>
    new WebSocket(url, protocols, { perMessageDeflate: false, maxPayload: MAX_REPLY_BYTES, headers, ...tls }) as unknown as WebSocketLike;
}

/** Opens WebSockets with `ws`, compression off, over TCP or unix sockets. */
export const nodeWebSocket: WebSocketFactory = nodeWebSocketWith();

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

/** The user's client token file: `$XDG_CONFIG_HOME/virtwire/token`, else `~/.config/virtwire/token`. */
export function tokenFilePath(env: Environment = process.env): string {
  return localTokenPath({ xdgConfigHome: env.XDG_CONFIG_HOME, home: env.HOME ?? homedir() });
}

/** A token the SDK found by itself, and where: `$VIRTWIRE_TOKEN` or the token file's path. */
export interface FoundToken {
  token: string;
  source: string;
}

/** The token in `$VIRTWIRE_TOKEN`, or in the {@link tokenFilePath} file, with where it was found. */
export function findToken(env: Environment = process.env): FoundToken | undefined {
  if (env.VIRTWIRE_TOKEN) return { token: env.VIRTWIRE_TOKEN, source: '$VIRTWIRE_TOKEN' };
  const path = tokenFilePath(env);
  try {
    const token = readFileSync(path, 'utf8').trim();
    return token ? { token, source: path } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The token in `$VIRTWIRE_TOKEN`, or in `~/.config/virtwire/token` (a 0600 file that virtwired
 * writes on first start, as kubectl and docker keep theirs).
 */
export function defaultToken(env: Environment = process.env): string | undefined {
  return findToken(env)?.token;
}

/** Says where the SDK looked for the token the daemon refused (or found none), in libvirt's VIR_ERR_AUTH_FAILED. */
function explainRefusedToken(error: unknown, found: FoundToken | undefined, env: Environment): unknown {
  if (!VirError.is(error) || error.code !== ErrorNumber.AuthFailed) return error;
  const detail = found
    ? `the daemon did not accept the token from ${found.source} (unknown or revoked)`
    : `no token: none in options.token, $VIRTWIRE_TOKEN is not set, and ${tokenFilePath(env)} does not exist or is empty ` +
      '(virtwired writes it on its first start; `virtwired token add` makes more)';
  return VirError.report(ErrorNumber.AuthFailed, error.domain, detail);
}

/** What reply polling needs from Node (see PollPlatform). */
const nodePollPlatform: PollPlatform = {
  nextTurn: setImmediate,
  now: () => performance.now(),
  cpus: availableParallelism,
  loadavg: () => readFileSync('/proc/loadavg', 'latin1'),
};

/** One reply poller per window size for the whole process: its connections share one event loop. */
const replyPollers = new Map<number, ReplyPolling>();
function processReplyPolling(maxUs: number): ReplyPolling {
  let polling = replyPollers.get(maxUs);
  if (!polling) {
    polling = new ReplyPolling(maxUs, nodePollPlatform);
    replyPollers.set(maxUs, polling);
  }
  return polling;
}

/**
 * Opens a connection from Node: `test:///default` reaches the local daemon's socket (the read-only
 * one with `readOnly`), `test+ws://host:port/default` a TCP daemon. Over TCP the token
 * (`options.token`, else {@link defaultToken}) travels in an `Authorization: Bearer` header, which
 * unlike a subprotocol entry is never part of the WebSocket protocol negotiation. Socket and token
 * are found through `env` (vwsh passes the environment it was given).
 */
export function connect(uri: string, options: NodeConnectOptions = {}, env: Environment = process.env): Promise<Connection> {
  const sockets = localSockets(env);
  const { headers = {}, tls, token: given, pollMaxUs = DEFAULT_REPLY_POLL_MAX_US, ...withoutNodeOptions } = options;
  const rest = pollMaxUs > 0 ? { replyPolling: processReplyPolling(pollMaxUs), ...withoutNodeOptions } : withoutNodeOptions;
  const tcp = /^[a-z][a-z0-9]*\+wss?:/i.test(uri);
  const found = given !== undefined || !tcp ? undefined : findToken(env);
  const token = given ?? found?.token;
  const defaultSocketPath = options.readOnly ? sockets.readOnly : sockets.readWrite;
  // A refused token the SDK chose itself (or the lack of one) is explained: where it looked.
  const explained = (opening: Promise<Connection>) =>
    given !== undefined || !tcp ? opening : opening.catch((error: unknown) => Promise.reject(explainRefusedToken(error, found, env)));
  if (rest.webSocket) {
    // A caller-supplied factory cannot be given headers: the token goes in the subprotocol instead.
    return explained(Connection.open(uri, { defaultSocketPath, ...rest, ...(token ? { token } : {}) }));
  }
  const allHeaders = token ? { ...headers, authorization: `Bearer ${token}` } : headers;
  return explained(Connection.open(uri, { webSocket: nodeWebSocketWith(allHeaders, tls), defaultSocketPath, ...rest }));
}
