// virtwired's configuration: listeners, identities, directories and every bound, with safe defaults.
import type { DestinationStream } from 'pino';
import type { TokenEntry } from './auth/token-format.js';

/** TLS for a TCP listener (PEM text). Required on every non-loopback address. */
export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** When set, clients must present a certificate signed by this CA (libvirt's `tls_no_verify_certificate = 0`). */
  clientCa?: string | Buffer;
}
import type { QemuDriverOptions } from './drivers/qemu/qemu-driver-options.js';
import type { JobTraceEvent } from './jobs/job-trace.js';
import type { StateDirectoryLock } from './state/state-directory-lock.js';

/** A place the daemon accepts WebSocket connections. */
export type ListenerSpec = { kind: 'tcp'; host: string; port: number; tls?: TlsOptions } | { kind: 'unix'; path: string; readOnly: boolean };

/** Every bound the daemon enforces; all configurable, each with a safe default in {@link DEFAULT_LIMITS}. */
export interface DaemonLimits {
  /** Largest incoming WebSocket message (ws `maxPayload`); larger closes with 1009. */
  maxMessageBytes: number;
  /** Most fragments one message may arrive in (ws `maxFragments`); more closes with 1008. */
  maxFragments: number;
  /** Most requests in one JSON-RPC batch. */
  maxBatchLength: number;
  /** Deepest JSON nesting accepted in a message. */
  maxJsonDepth: number;
  /** Longest string id, in characters (numeric ids must be safe integers). */
  maxIdLength: number;
  /** Largest XML document in any `xml` parameter, in characters. */
  maxXmlBytes: number;
  /** Deepest element nesting in any `xml` parameter. */
  maxXmlDepth: number;
  /** Most disks one snapshot covers: `<disk>` elements in its XML, and the domain disks it aligns with. */
  maxSnapshotDisks: number;
  /** Most `<disk>` elements in one domain definition (DomainDefineXML, and a redefined snapshot's `<domain>`). */
  maxDomainDisks: number;
  /** Open WebSocket connections in total, on the TCP listeners and the read-only socket (the read-write socket's owner has its own). */
  maxConnections: number;
  /** Open connections of one principal: one token, the read-only socket's users together, the read-write socket's owner. */
  maxConnectionsPerPrincipal: number;
  /** Connections (pending and open) from one remote IP address (not loopback: locally an address says nothing). */
  maxConnectionsPerAddress: number;
  /** Accepted sockets that have not finished the WebSocket upgrade, per listener (libvirt's max_anonymous_clients); when full, the busiest peer's oldest is closed. */
  maxPendingConnections: number;
  /** Pending sockets of one remote IP address. */
  maxPendingPerPeer: number;
  /** A socket that sends no byte within this time after accept is closed. */
  silentSocketTimeoutMs: number;
  /** Time from accept to a completed, authenticated upgrade; slower sockets are destroyed. */
  handshakeTimeoutMs: number;
  /** Calls being handled at once per connection; past it the daemon stops reading that socket. */
  maxInFlightPerConnection: number;
  /** Sustained calls per second per connection (token bucket refill); past it calls fail with -32029. */
  maxCallsPerSecond: number;
  /** Calls a connection may make in a burst (token bucket size). */
  callBurst: number;
  /** Bytes queued for a client that is not reading; past it the client is disconnected. */
  maxOutboundBytes: number;
  /** Ping interval; a client silent for two intervals is dropped. */
  heartbeatIntervalMs: number;
  /** A connection that sends nothing (no call, no app-level PING) for this long is closed; 0 turns it off. */
  idleTimeoutMs: number;
  /** Longest wait for a domain's state-change lock (libvirt's `VIR_JOB_WAIT_TIME`); then VIR_ERR_OPERATION_TIMEOUT. */
  jobWaitMs: number;
  /** Most state-changing calls on one domain at once, the running one included (libvirt's `max_queued`). */
  maxQueuedJobsPerDomain: number;
}

/** Defaults chosen for a management daemon: libvirt-sized budgets, small messages, finite queues. */
export const DEFAULT_LIMITS: DaemonLimits = {
  maxMessageBytes: 1024 * 1024,
  maxFragments: 1024,
  maxBatchLength: 64,
  maxJsonDepth: 32,
  maxIdLength: 128,
  maxXmlBytes: 256 * 1024,
  maxXmlDepth: 32,
  maxSnapshotDisks: 64,
  maxDomainDisks: 256,
  maxConnections: 1000,
  maxConnectionsPerPrincipal: 100,
  maxConnectionsPerAddress: 100,
  maxPendingConnections: 20,
  maxPendingPerPeer: 5,
  silentSocketTimeoutMs: 5_000,
  handshakeTimeoutMs: 10_000,
  maxInFlightPerConnection: 64,
  maxCallsPerSecond: 50_000,
  callBurst: 50_000,
  maxOutboundBytes: 16 * 1024 * 1024,
  heartbeatIntervalMs: 15_000,
  idleTimeoutMs: 0,
  jobWaitMs: 30_000,
  maxQueuedJobsPerDomain: 256,
};

/**
 * Longest adaptive polling window after traffic, in µs (QEMU's `poll-max-ns`, see AdaptivePoll):
 * long enough to cover a client's turn-around between calls on this kind of machine.
 */
export const DEFAULT_POLL_MAX_US = 200;

/** Everything `startDaemon` needs. */
export interface DaemonOptions {
  listeners: ListenerSpec[];
  /** The daemon's state directory (domain definitions, snapshot metadata, intent records). */
  stateDir: string;
  /** The state directory's lock, when the caller took it first (virtwired does, before its token file); else startDaemon takes it. */
  stateLock?: StateDirectoryLock;
  /** Directories test-driver node files may be read from. */
  nodeFileRoots?: string[];
  /**
   * Directories every file the daemon creates or opens for a client must lie in, after resolving
   * symlinks (overlays, memory images). Empty: drivers keep their own policy (the test driver's
   * simulated storage then accepts any absolute path).
   */
  storageRoots?: string[];
  /** A token file (`sha256:<hex> <ro|rw> <name>` lines), re-read when it changes. */
  tokenFile?: string;
  /**
   * A client token file for the local user (virtwired's `~/.config/virtwire/token`). When set, and the
   * token file does not exist yet while a TCP listener needs tokens, the first start creates the
   * token file with one read-write token named `local` and writes that token here (0600).
   */
  localTokenFile?: string;
  /** Tokens given directly (embedding, tests); used together with the token file. */
  tokens?: TokenEntry[];
  /** Browser origins allowed to connect (exact `scheme://host[:port]`); none by default. */
  allowedOrigins?: string[];
  /**
   * The web console: its built files (`root`, holding index.html and assets/) are served at `/` on
   * every TCP listener, and pages of the listener's own origin may connect without `allowedOrigins`.
   * Absent: no console, plain HTTP is answered 426 as before.
   */
  web?: { root: string };
  limits?: Partial<DaemonLimits>;
  /** pino level; `silent` for tests. */
  logLevel?: string;
  /** Where the log goes (default: stderr). */
  logStream?: DestinationStream;
  /** The qemu driver's storage roots, runtime directory and binaries. */
  qemu?: QemuDriverOptions;
  /** Longest adaptive polling window in µs ({@link DEFAULT_POLL_MAX_US}); 0 never spins. Off with one CPU. */
  pollMaxUs?: number;
  /** Receives every domain job's acquire and release (tests and diagnosis; off by default). */
  jobTrace?: (event: JobTraceEvent) => void;
}
