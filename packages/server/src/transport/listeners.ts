// Opens the daemon's HTTP listeners (unix sockets with their modes, loopback TCP) for WebSocket upgrades.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import type { ListenerSpec } from '../daemon-options.js';

/** A listener that is accepting connections, and the address it really got. */
export interface OpenListener {
  readonly spec: ListenerSpec;
  readonly server: Server;
  /** `unix:/path` or `ws://host:port`. */
  readonly address: string;
  /** Connections on it are read-only whatever they ask for. */
  readonly readOnly: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** True for addresses that never leave the machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

/**
 * Starts one listener. Unix sockets get their mode before any client can connect (0600 read-write,
 * 0666 read-only, like libvirt); plain TCP is only allowed on loopback addresses.
 */
export async function openListener(spec: ListenerSpec): Promise<OpenListener> {
  const server = createServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('virtwire speaks WebSocket only\n');
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  if (spec.kind === 'tcp') {
    if (!isLoopback(spec.host)) {
      throw new Error(`refusing plain ws:// on non-loopback address ${spec.host}; listen on 127.0.0.1 or configure TLS`);
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.host, () => resolve());
    });
    const bound = server.address();
    const port = typeof bound === 'object' && bound ? bound.port : spec.port;
    const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
    return { spec, server, address: `ws://${host}:${port}`, readOnly: false };
  }
  mkdirSync(dirname(spec.path), { recursive: true, mode: 0o700 });
  rmSync(spec.path, { force: true });
  const previousUmask = process.umask(spec.readOnly ? 0o111 : 0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.path, () => resolve());
    });
  } finally {
    process.umask(previousUmask);
  }
  chmodSync(spec.path, spec.readOnly ? 0o666 : 0o600);
  return { spec, server, address: `unix:${spec.path}`, readOnly: spec.readOnly };
}
