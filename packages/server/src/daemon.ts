// virtwired: drivers, dispatcher and listeners put together, with admission, authentication, limits and heartbeat.
import { SUBPROTOCOL } from '@virtwire/protocol';
import { AdaptivePoll } from '@virtwire/runtime';
import { availableParallelism } from 'node:os';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from './auth/principal.js';
import { TokenStore } from './auth/token-store.js';
import { DEFAULT_LIMITS, DEFAULT_POLL_MAX_US, type DaemonLimits, type DaemonOptions } from './daemon-options.js';
import type { HypervisorDriver } from './drivers/driver.js';
import { QemuDriver } from './drivers/qemu/qemu-driver.js';
import { TestDriver } from './drivers/test-driver/test-driver.js';
import { DomainJobs } from './jobs/domain-jobs.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { ClientConnection, type CorkableStream } from './rpc/client-connection.js';
import { StateDirectoryLock } from './state/state-directory-lock.js';
import { resolveStorageRoots } from './storage/confined-path.js';
import { ConnectionGate, type AdmittedSocket } from './transport/connection-gate.js';
import { openListener, type OpenListener } from './transport/listeners.js';
import { upgradeHandler } from './transport/upgrade-handler.js';

/** A running daemon. */
export interface Daemon {
  /** Where it listens: `unix:/path`, `ws://127.0.0.1:16520`, `wss://0.0.0.0:16521`. */
  readonly addresses: string[];
  readonly log: Logger;
  /** The bounds in force (defaults merged with the options). */
  readonly limits: DaemonLimits;
  /** Number of open client connections. */
  connectionCount(): number;
  close(): Promise<void>;
}

function checkLimits(limits: DaemonLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    const allowZero = name === 'idleTimeoutMs';
    if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
      throw new Error(`limit ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`);
    }
  }
}

/**
 * Starts virtwired with `options`; resolves once every listener accepts connections. The state
 * directory's lock comes first (or is handed in, already held): nothing is read or changed before it.
 */
export async function startDaemon(options: DaemonOptions, extraDrivers: HypervisorDriver[] = []): Promise<Daemon> {
  const limits: DaemonLimits = { ...DEFAULT_LIMITS, ...options.limits };
  checkLimits(limits);
  const stateLock = options.stateLock ?? StateDirectoryLock.acquire(options.stateDir);
  try {
    return await startLocked(options, limits, stateLock, extraDrivers);
  } catch (error) {
    stateLock.release();
    throw error;
  }
}

async function startLocked(options: DaemonOptions, limits: DaemonLimits, stateLock: StateDirectoryLock, extraDrivers: HypervisorDriver[]): Promise<Daemon> {
  const log = pino({ level: options.logLevel ?? 'info', base: { service: 'virtwired' } }, options.logStream ?? pino.destination(2));
  const storageRoots = resolveStorageRoots(options.storageRoots ?? [], (warning) => log.warn(warning));
  const tokens = new TokenStore(options.tokenFile, options.tokens ?? [], (problem) => log.error({ problem }, 'token file'));
  await tokens.load();
  const environment = { log, stateDir: options.stateDir, nodeFileRoots: options.nodeFileRoots ?? [], storageRoots };
  const qemuOptions = { ...options.qemu, storageRoots: [...(options.qemu?.storageRoots ?? []), ...(options.storageRoots ?? [])] };
  const drivers: HypervisorDriver[] = [new TestDriver(environment), new QemuDriver(environment, qemuOptions), ...extraDrivers];
  try {
    for (const driver of drivers) await driver.initialize?.();
  } catch (error) {
    await Promise.all(drivers.map((d) => d.shutdown()));
    throw error;
  }
  const jobs = new DomainJobs({ waitMs: limits.jobWaitMs, maxQueued: limits.maxQueuedJobsPerDomain }, options.jobTrace);
  const dispatcher = new Dispatcher(drivers, jobs);
  const poll = new AdaptivePoll((options.pollMaxUs ?? DEFAULT_POLL_MAX_US) / 1000, setImmediate, () => performance.now(), availableParallelism);
  /** Open connections and who opened them. */
  const sessions = new Map<ClientConnection, Principal>();
  const gate = new ConnectionGate(limits, log);
  let nextConnection = 1;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    maxFragments: limits.maxFragments,
    perMessageDeflate: false,
    skipUTF8Validation: false,
    clientTracking: false,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  const context = {
    wss,
    gate,
    tokens,
    allowedOrigins: new Set(options.allowedOrigins ?? []),
    maxConnections: limits.maxConnections,
    openConnections: () => sessions.size,
    log,
    onOpen: (ws: WebSocket, principal: Principal, admitted: AdmittedSocket, stream: Duplex) => {
      const id = `c${nextConnection++}`;
      const sessionLog = log.child({ connection: id, principal: principal.name, peer: admitted.peer });
      const session = { id, readOnly: principal.readOnly, driver: null, log: sessionLog };
      const rpc = new ClientConnection(ws, session, dispatcher, limits, () => sessions.delete(rpc), stream as Duplex & CorkableStream, poll);
      sessions.set(rpc, principal);
      sessionLog.debug('connected');
    },
  };

  const listeners: OpenListener[] = [];
  try {
    for (const spec of options.listeners) {
      const listener = await openListener(spec);
      listener.server.headersTimeout = limits.handshakeTimeoutMs;
      listener.server.requestTimeout = limits.handshakeTimeoutMs;
      gate.watch(listener);
      listener.server.on('upgrade', upgradeHandler(listener, context));
      listener.server.on('tlsClientError', (error: Error) => log.info({ reason: error.message }, 'TLS handshake failed'));
      listeners.push(listener);
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => new Promise((resolve) => l.server.close(resolve))));
    await Promise.all(drivers.map((d) => d.shutdown()));
    throw error;
  }
  /** Ends the connections whose token was removed from the token file (or changed role) since they opened. */
  const closeRevoked = async () => {
    await tokens.reload();
    for (const [rpc, principal] of sessions) if (!tokens.stillAccepts(principal)) rpc.revoke('token revoked');
  };
  const heartbeat = setInterval(() => {
    for (const rpc of sessions.keys()) rpc.heartbeat();
    closeRevoked().catch((error: unknown) => log.error({ err: error }, 'checking tokens failed'));
  }, limits.heartbeatIntervalMs);
  heartbeat.unref();
  if (tokens.size === 0 && listeners.some((l) => l.requiresToken)) {
    log.warn('TCP listeners need a token and none is configured: every TCP connection will be refused (see `virtwired token add`)');
  }
  log.info({ addresses: listeners.map((l) => l.address), tokens: tokens.size }, 'virtwired listening');

  return {
    addresses: listeners.map((l) => l.address),
    log,
    limits,
    connectionCount: () => sessions.size,
    async close() {
      clearInterval(heartbeat);
      for (const listener of listeners) {
        listener.server.close();
        listener.server.closeAllConnections();
      }
      await Promise.all([...sessions.keys()].map((s) => s.terminate()));
      await Promise.all(drivers.map((d) => d.shutdown()));
      await Promise.all(listeners.map((l) => new Promise((resolve) => l.server.close(resolve))));
      stateLock.release();
      log.flush();
    },
  };
}
