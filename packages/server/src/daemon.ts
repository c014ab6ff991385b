// virtwired: drivers, dispatcher and listeners put together, with admission, authentication, limits and heartbeat.
import { SUBPROTOCOL } from '@virtwire/protocol';
import { AdaptivePoll } from '@virtwire/runtime';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { ensureLocalToken } from './auth/local-token.js';
import type { Principal } from './auth/principal.js';
import { TokenStore } from './auth/token-store.js';
import { DEFAULT_LIMITS, DEFAULT_POLL_MAX_US, type DaemonLimits, type DaemonOptions } from './daemon-options.js';
import type { HypervisorDriver } from './drivers/driver.js';
import { builtinDrivers } from './drivers/builtin-drivers.js';
import { DomainJobs } from './jobs/domain-jobs.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { ClientConnection, type CorkableStream } from './rpc/client-connection.js';
import type { Session } from './rpc/session.js';
import { StateDirectoryLock } from './state/state-directory-lock.js';
import { confinementPolicy } from './storage/confinement-policy.js';
import { ConnectionGate, type AdmittedSocket } from './transport/connection-gate.js';
import { answerPlainHttp, openListener, type OpenListener } from './transport/listeners.js';
import { isOwnOrigin } from './transport/own-origin.js';
import { StaticSite } from './web/static-site.js';
import { refuseUpgrade } from './transport/http-reject.js';
import { principalKey, upgradeHandler } from './transport/upgrade-handler.js';
import { rateLimitedLogger } from './rpc/rate-limited-log.js';
import { StreamTickets } from './streams/stream-tickets.js';
import { StreamPaths } from './transport/stream-paths.js';
import { nodePollPlatform } from './rpc/node-poll-platform.js';

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

/** The answer to an upgrade that arrives before the drivers are ready: try again shortly. */
function refuseWhileStarting(_request: unknown, socket: Duplex): void {
  refuseUpgrade(socket, 503, 'Service Unavailable (starting)');
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
 * Starts virtwired with `options`; resolves once every listener accepts connections. The listeners
 * are bound first, before anything is written: a start that cannot listen (address in use, a live
 * socket, a bad TLS key) fails without creating a state directory or a token. Then the state
 * directory's lock (or one handed in, already held): one daemon per state directory, and nothing of
 * it is read or changed before the lock is held. Upgrades that arrive while the drivers still
 * initialize are answered 503.
 */
export async function startDaemon(options: DaemonOptions, extraDrivers: HypervisorDriver[] = []): Promise<Daemon> {
  const limits: DaemonLimits = { ...DEFAULT_LIMITS, ...options.limits };
  checkLimits(limits);
  const log = pino({ level: options.logLevel ?? 'info', base: { service: 'virtwired' } }, options.logStream ?? pino.destination(2));
  const gate = new ConnectionGate(limits, log);
  // Read before anything is bound: a console that cannot be read stops the start, not the first page load.
  const site = options.web ? StaticSite.load(options.web.root) : undefined;
  const listeners: OpenListener[] = [];
  const closeListeners = () => Promise.all(listeners.map((l) => new Promise((resolve) => l.server.close(resolve))));
  try {
    for (const spec of options.listeners) {
      const listener = await openListener(spec);
      listener.server.headersTimeout = limits.handshakeTimeoutMs;
      listener.server.requestTimeout = limits.handshakeTimeoutMs;
      gate.watch(listener);
      listener.server.on('upgrade', refuseWhileStarting);
      if (site && listener.spec.kind === 'tcp') {
        listener.server.off('request', answerPlainHttp);
        listener.server.on('request', (request, response) => site.answer(request, response));
      }
      listener.server.on('tlsClientError', (error: Error, socket: { remoteAddress?: string }) =>
        gate.logFor(socket.remoteAddress ?? 'unknown').info({ reason: error.message }, 'TLS handshake failed'),
      );
      listeners.push(listener);
    }
  } catch (error) {
    await closeListeners();
    throw error;
  }
  let stateLock: StateDirectoryLock;
  try {
    stateLock = options.stateLock ?? StateDirectoryLock.acquire(options.stateDir);
  } catch (error) {
    await closeListeners();
    throw error;
  }

  /** The credentials of each open call connection, by connection id: a stream ticket is only good for them. */
  const connectionPrincipals = new Map<string, string>();
  const streams = new StreamTickets((id) => connectionPrincipals.get(id), log);
  const streamPaths = new StreamPaths();
  const tokens = new TokenStore(options.tokenFile, options.tokens ?? [], (problem) => log.error({ problem }, 'token file'));
  const drivers: HypervisorDriver[] = [];
  try {
    // One policy for every driver: the daemon's roots and the qemu driver's are resolved and vetted alike.
    const confinement = confinementPolicy(
      { storageRoots: [...(options.storageRoots ?? []), ...(options.qemu?.storageRoots ?? [])], nodeFileRoots: options.nodeFileRoots ?? [] },
      (warning) => log.warn(warning),
    );
    const environment = { log, stateDir: options.stateDir, confinement, streams };
    drivers.push(...builtinDrivers(environment, options.qemu ?? {}), ...extraDrivers);
    if (options.localTokenFile && options.tokenFile && listeners.some((l) => l.requiresToken)) {
      const outcome = await ensureLocalToken(options.tokenFile, options.localTokenFile);
      if (outcome !== 'kept') log.info(`read-write token 'local' ${outcome === 'created' ? 'created in' : 'registered from'} ${options.localTokenFile}`);
    }
    tokens.load();
    for (const driver of drivers) await driver.initialize?.();
  } catch (error) {
    await Promise.all(drivers.map((d) => d.shutdown()));
    await closeListeners();
    stateLock.release();
    throw error;
  }
  const jobs = new DomainJobs({ waitMs: limits.jobWaitMs, maxQueued: limits.maxQueuedJobsPerDomain }, options.jobTrace);
  const dispatcher = new Dispatcher(drivers, jobs, { maxSnapshotDisks: limits.maxSnapshotDisks });
  const poll = new AdaptivePoll((options.pollMaxUs ?? DEFAULT_POLL_MAX_US) / 1000, nodePollPlatform);
  /** Open connections and who opened them. */
  const sessions = new Map<ClientConnection, Principal>();
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
    ...(site ? { ownOrigin: isOwnOrigin } : {}),
    maxConnections: limits.maxConnections,
    maxConnectionsPerPrincipal: limits.maxConnectionsPerPrincipal,
    openConnections: () => [...sessions.values()].filter((p) => p.name !== 'unix').length,
    openConnectionsOf: (key: string) => [...sessions.values()].filter((p) => principalKey(p) === key).length,
    log,
    onOpen: (ws: WebSocket, principal: Principal, admitted: AdmittedSocket, stream: Duplex) => {
      const ticket = streamPaths.ticketFor(stream);
      if (ticket !== undefined) {
        void streams.attach(ticket, principalKey(principal), ws);
        return;
      }
      const id = `c${nextConnection++}`;
      // Everything logged for this connection (drivers' call.log included) is rate-limited: a client cannot flood the log.
      const sessionLog = rateLimitedLogger(log.child({ connection: id, principal: principal.name, peer: admitted.peer }));
      const session: Session = {
        id,
        readOnly: principal.readOnly,
        principal: principalKey(principal),
        driver: null,
        opening: false,
        closed: false,
        log: sessionLog,
      };
      const rpc = new ClientConnection(
        ws,
        session,
        dispatcher,
        limits,
        () => {
          sessions.delete(rpc);
          connectionPrincipals.delete(id);
          streams.connectionClosed(id);
        },
        stream as Duplex & CorkableStream,
        poll,
      );
      sessions.set(rpc, principal);
      connectionPrincipals.set(id, principalKey(principal));
      sessionLog.debug('connected');
    },
  };

  for (const listener of listeners) {
    listener.server.off('upgrade', refuseWhileStarting);
    listener.server.on('upgrade', streamPaths.note);
    listener.server.on('upgrade', upgradeHandler(listener, context));
  }
  /** Ends the connections whose token was removed from the token file (or changed role) since they opened. */
  const closeRevoked = () => {
    tokens.reload();
    for (const [rpc, principal] of sessions) if (!tokens.stillAccepts(principal)) rpc.revoke('token revoked');
  };
  const heartbeat = setInterval(() => {
    for (const rpc of sessions.keys()) rpc.heartbeat();
    try {
      closeRevoked();
    } catch (error) {
      log.error({ err: error }, 'checking tokens failed');
    }
  }, limits.heartbeatIntervalMs);
  heartbeat.unref();
  if (tokens.size === 0 && listeners.some((l) => l.requiresToken)) {
    log.warn('TCP listeners need a token and none is configured: every TCP connection will be refused (see `virtwired token add`)');
  }
  log.info({ addresses: listeners.map((l) => l.address), tokens: tokens.size, ...(site ? { webConsoleFiles: site.size } : {}) }, 'virtwired listening');

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
