// Opens the daemon's HTTP listeners (unix sockets with their modes, TCP with TLS off loopback) for WebSocket upgrades.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { ListenerSpec } from '../daemon-options.js';

/** A listener that is accepting connections, and the address it really got. */
export interface OpenListener {
  readonly spec: ListenerSpec;
  readonly server: Server;
  /** `unix:/path`, `ws://host:port` or `wss://host:port`. */
  readonly address: string;
  /** Connections on it are read-only whatever they ask for. */
  readonly readOnly: boolean;
  /** Connections must present a token at the upgrade (every TCP listener). */
  readonly requiresToken: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** True for addresses that never leave the machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

/** Headers a WebSocket upgrade needs, with room to spare; CVE-2024-37890 was a flood of them. */
const MAX_HEADERS_COUNT = 100;

/** The answer to plain HTTP where no web console is served: WebSocket only. */
export function answerPlainHttp(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('virtwire speaks WebSocket only\n');
}

function listen(server: Server, bind: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    bind(() => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Checks the directory a socket lives in: a real directory (not a symlink), owned by us and not
 * writable by anyone else, so nobody can swap our socket for theirs (think `/tmp/virtwire-1000`).
 */
function checkSocketDirectory(dir: string): void {
  // Traversable by all, so the 0666 read-only socket is reachable like libvirt's; the read-write socket is 0600 itself.
  if (mkdirSync(dir, { recursive: true, mode: 0o755 }) !== undefined) chmodSync(dir, 0o755);
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`socket directory ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) throw new Error(`socket directory ${dir} belongs to uid ${stat.uid}, not to us (uid ${uid})`);
  if ((stat.mode & 0o022) !== 0) throw new Error(`socket directory ${dir} is writable by group or others`);
}

/** True when another process accepts connections on the unix socket `path`. */
function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Removes a stale socket left by a previous run; refuses to touch a live socket or anything that is not a socket. */
async function clearStaleSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await socketInUse(path)) throw new Error(`${path} is in use by another daemon`);
  unlinkSync(path);
}

/**
 * Starts one listener. Unix sockets get their mode before any client can connect (0600 read-write,
 * 0666 read-only, like libvirt). TCP listeners always require a token; plain `ws://` is allowed on
 * loopback addresses only, anything else needs TLS (`wss://`), optionally with client certificates.
 */
export async function openListener(spec: ListenerSpec): Promise<OpenListener> {
  if (spec.kind === 'tcp') {
    if (!spec.tls && !isLoopback(spec.host)) {
      throw new Error(`refusing plain ws:// on non-loopback address ${spec.host}; listen on 127.0.0.1 or configure TLS`);
    }
    const server = spec.tls
      ? createTlsServer(
          {
            cert: spec.tls.cert,
            key: spec.tls.key,
            minVersion: 'TLSv1.2',
            ...(spec.tls.clientCa ? { ca: spec.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
          },
          answerPlainHttp,
        )
      : createServer(answerPlainHttp);
    server.maxHeadersCount = MAX_HEADERS_COUNT;
    await listen(server, (done) => server.listen(spec.port, spec.host, done));
    const bound = server.address();
    const port = typeof bound === 'object' && bound ? bound.port : spec.port;
    const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
    return { spec, server, address: `${spec.tls ? 'wss' : 'ws'}://${host}:${port}`, readOnly: false, requiresToken: true };
  }
  const server = createServer(answerPlainHttp);
  server.maxHeadersCount = MAX_HEADERS_COUNT;
  checkSocketDirectory(dirname(spec.path));
  await clearStaleSocket(spec.path);
  const previousUmask = process.umask(spec.readOnly ? 0o111 : 0o177);
  try {
    await listen(server, (done) => server.listen(spec.path, done));
  } finally {
    process.umask(previousUmask);
  }
  chmodSync(spec.path, spec.readOnly ? 0o666 : 0o600);
  return { spec, server, address: `unix:${spec.path}`, readOnly: spec.readOnly, requiresToken: false };
}
