// virtwired's configuration: listeners, directories and every bound, with safe defaults.
import type { JobTraceEvent } from './jobs/job-trace.js';

/** A place the daemon accepts WebSocket connections. */
export type ListenerSpec =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string; readOnly: boolean };

/** Every bound the daemon enforces; all configurable. */
export interface DaemonLimits {
  /** Largest incoming WebSocket message (ws `maxPayload`); larger closes with 1009. */
  maxMessageBytes: number;
  /** Most requests in one JSON-RPC batch. */
  maxBatchLength: number;
  /** Deepest JSON nesting accepted in a message. */
  maxJsonDepth: number;
  /** Longest string id, in characters. */
  maxIdLength: number;
  /** Open connections in total. */
  maxConnections: number;
  /** Calls being handled at once per connection; past it the daemon stops reading that socket. */
  maxInFlightPerConnection: number;
  /** Bytes queued for a client that is not reading; past it the client is disconnected. */
  maxOutboundBytes: number;
  /** Ping interval; a client silent for two intervals is dropped. */
  heartbeatIntervalMs: number;
  /** Longest wait for a domain's state-change lock (libvirt's `VIR_JOB_WAIT_TIME`); then VIR_ERR_OPERATION_TIMEOUT. */
  jobWaitMs: number;
  /** Most state-changing calls on one domain at once, the running one included (libvirt's `max_queued`). */
  maxQueuedJobsPerDomain: number;
}

/** Defaults chosen for a management daemon: libvirt-sized messages and generous but finite queues. */
export const DEFAULT_LIMITS: DaemonLimits = {
  maxMessageBytes: 1024 * 1024,
  maxBatchLength: 64,
  maxJsonDepth: 32,
  maxIdLength: 128,
  maxConnections: 5000,
  maxInFlightPerConnection: 64,
  maxOutboundBytes: 16 * 1024 * 1024,
  heartbeatIntervalMs: 15_000,
  jobWaitMs: 30_000,
  maxQueuedJobsPerDomain: 256,
};

/** Everything `createDaemon` needs. */
export interface DaemonOptions {
  listeners: ListenerSpec[];
  /** The daemon's state directory (domain definitions, snapshot metadata, job records). */
  stateDir: string;
  /** Directories test-driver node files may be read from. */
  nodeFileRoots?: string[];
  /** Browser origins allowed to connect; none by default. */
  allowedOrigins?: string[];
  limits?: Partial<DaemonLimits>;
  /** pino level; `silent` for tests. */
  logLevel?: string;
  /** Receives every domain job's acquire and release (tests and diagnosis; off by default). */
  jobTrace?: (event: JobTraceEvent) => void;
}
