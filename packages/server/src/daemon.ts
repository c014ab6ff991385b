// virtwired: drivers, dispatcher and listeners put together, with upgrade checks, limits and heartbeat.
import { SUBPROTOCOL } from '@virtwire/protocol';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEFAULT_LIMITS, type DaemonLimits, type DaemonOptions } from './daemon-options.js';
import type { HypervisorDriver } from './drivers/driver.js';
import { TestDriver } from './drivers/test/test-driver.js';
import { DomainJobs } from './jobs/domain-jobs.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { RpcSession, type CorkableStream } from './rpc/rpc-session.js';
import { openListener, type OpenListener } from './transport/listeners.js';

/** A running daemon. */
export interface Daemon {
  /** Where it listens: `unix:/path`, `ws://127.0.0.1:16520`. */
  readonly addresses: string[];
  readonly log: Logger;
  /** Number of open client connections. */
  connectionCount(): number;
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Starts virtwired with `options`; resolves once every listener accepts connections. */
export async function startDaemon(options: DaemonOptions, extraDrivers: HypervisorDriver[] = []): Promise<Daemon> {
  const limits: DaemonLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = pino({ level: options.logLevel ?? 'info', base: { service: 'virtwired' } }, pino.destination(2));
  const environment = { log, stateDir: options.stateDir, nodeFileRoots: options.nodeFileRoots ?? [] };
  const drivers: HypervisorDriver[] = [new TestDriver(environment), ...extraDrivers];
  const jobs = new DomainJobs({ waitMs: limits.jobWaitMs, maxQueued: limits.maxQueuedJobsPerDomain }, options.jobTrace);
  const dispatcher = new Dispatcher(drivers, jobs);
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const sessions = new Set<RpcSession>();
  let nextConnection = 1;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  const accept = (listener: OpenListener) => (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(SUBPROTOCOL)) return reject(socket, 400, `Bad Request (subprotocol ${SUBPROTOCOL} required)`);
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) return reject(socket, 403, 'Forbidden');
    if (sessions.size >= limits.maxConnections) return reject(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      const id = `c${nextConnection++}`;
      const session = { id, readOnly: listener.readOnly, driver: null, log: log.child({ connection: id }) };
      const rpc = new RpcSession(ws, session, dispatcher, limits, () => sessions.delete(rpc), socket as Duplex & CorkableStream);
      sessions.add(rpc);
    });
  };

  const listeners: OpenListener[] = [];
  try {
    for (const spec of options.listeners) {
      const listener = await openListener(spec);
      listener.server.on('upgrade', accept(listener));
      listeners.push(listener);
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => new Promise((resolve) => l.server.close(resolve))));
    throw error;
  }
  const heartbeat = setInterval(() => sessions.forEach((s) => s.heartbeat()), limits.heartbeatIntervalMs);
  heartbeat.unref();
  log.info({ addresses: listeners.map((l) => l.address) }, 'virtwired listening');

  return {
    addresses: listeners.map((l) => l.address),
    log,
    connectionCount: () => sessions.size,
    async close() {
      clearInterval(heartbeat);
      for (const listener of listeners) listener.server.close();
      for (const client of wss.clients) client.terminate();
      await Promise.all([...sessions].map((s) => s.close()));
      await Promise.all(drivers.map((d) => d.shutdown()));
      await Promise.all(listeners.map((l) => new Promise((resolve) => l.server.close(resolve))));
      log.flush();
    },
  };
}
