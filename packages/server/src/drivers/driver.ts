// The interface every hypervisor driver implements: open a connection by URI, then answer driver methods.
import type { DurableRequestOutcomes } from '../state/request-outcome-file.js';
import type { DriverCapabilities, DriverMethodName, Params, Result } from '@virtwire/protocol';
import type { Logger } from 'pino';
import type { DomainEventBus } from '../events/domain-event-bus.js';
import type { JobControl } from '../jobs/job-control.js';
import type { ConfinementPolicy } from '../storage/confinement-policy.js';
import type { StreamTickets } from '../streams/stream-tickets.js';

/** A connection URI split the way libvirt's `virURIParse` does, after the transport was stripped. */
export interface ConnectionUri {
  /** The full URI as given, e.g. `test:///default?atomic=none`. */
  readonly text: string;
  /** Driver name: `test`, `qemu`. */
  readonly scheme: string;
  /** `/default`, `/session`, or an absolute node-file path. */
  readonly path: string;
  readonly query: URLSearchParams;
}

/** Who is calling, and with what rights: carried beside the params, never inside them. */
export interface CallContext {
  readonly connectionId: string;
  readonly readOnly: boolean;
  readonly log: Logger;
  /** The daemon's bounds a driver enforces itself (what a generic check before parsing cannot see). */
  readonly limits: DriverLimits;
  /** The domain job this call runs as (state-changing calls naming a domain): its side of virDomainAbortJob. */
  readonly job?: JobControl;
  /**
   * The call's request key as the driver's durable outcome store knows it (keyed calls on a driver
   * with `requestOutcomes` only): a change the call journals carries it, so that the recovery which
   * completes the change after a crash records the call's answer for its retry.
   */
  readonly request?: DurableCallKey;
}

/** What a state-changing operation takes of its call: its job (virDomainAbortJob) and its durable request key. */
export type OperationCall = Pick<CallContext, 'job' | 'request'>;

/** A keyed call's id in a driver's durable outcome store, and the call it was made for (virtwire extension). */
export interface DurableCallKey {
  /** Principal and request key, stable across daemon restarts. */
  readonly id: string;
  /** The call (method and params without the key) that the key belongs to. */
  readonly fingerprint: string;
}

/** Bounds checked inside drivers. */
export interface DriverLimits {
  /** Most disks one snapshot covers once aligned with its domain's disks (`maxSnapshotDisks`). */
  readonly maxSnapshotDisks: number;
}

/** How a driver answers one method. */
export type DriverHandler<N extends DriverMethodName> = (params: Params<N>, call: CallContext) => Promise<Result<N>> | Result<N>;

/**
 * One method as a driver implements it, a row of libvirt's `virHypervisorDriver` table: the flags
 * its handler accepts (libvirt's `virCheckFlags` mask, refused before the handler runs) and the handler.
 */
export interface DriverMethod<N extends DriverMethodName> {
  readonly flags: number;
  readonly handle: DriverHandler<N>;
}

/**
 * A driver's one table of methods. What it advertises (`DriverCapabilities.methods`) is derived
 * from it ({@link advertisedMethods}); a method left out is VIR_ERR_NO_SUPPORT.
 */
export type DriverMethods = { [N in DriverMethodName]?: DriverMethod<N> };

/** The flag mask of every method in `table`: `DriverCapabilities.methods`, derived, never kept by hand. */
export function advertisedMethods(table: DriverMethods): Partial<Record<DriverMethodName, number>> {
  const masks: Partial<Record<DriverMethodName, number>> = {};
  for (const [name, method] of Object.entries(table) as Array<[DriverMethodName, DriverMethod<DriverMethodName> | undefined]>) {
    if (method) masks[name] = method.flags;
  }
  return masks;
}

/** `table[name]` with its handler wrapped by `wrap` (events around a change); the flags stay the table's. */
export function wrapMethod<N extends DriverMethodName>(table: DriverMethods, name: N, wrap: (handle: DriverHandler<N>) => DriverHandler<N>): DriverMethod<N> {
  const method = table[name] as DriverMethod<N> | undefined;
  if (!method) throw new Error(`wrapMethod: the table has no ${name}`);
  return { flags: method.flags, handle: wrap(method.handle) };
}

/** An open connection to a driver (libvirt's `virConnectPtr` on the daemon side). */
export interface DriverConnection {
  readonly capabilities: DriverCapabilities;
  /** The canonical URI of this connection, as `virConnectGetURI` returns it. */
  readonly uri: string;
  /** The driver's methods for this connection; `capabilities.methods` is derived from it. */
  readonly methods: DriverMethods;
  /**
   * The host whose domains this connection manages: connections with the same scope share each
   * domain's job lock. Left out, every connection of the driver shares one scope.
   */
  readonly jobScope?: object;
  /**
   * The events of this connection's host (libvirt's driver event state); connections to one host
   * share it. A driver without events leaves it out (registering is then VIR_ERR_NO_SUPPORT).
   */
  readonly events?: DomainEventBus;
  /**
   * True when its jobs end with `VIR_DOMAIN_EVENT_ID_JOB_COMPLETED` (snapshot create, revert and
   * delete, as libvirt's qemu driver's asynchronous jobs); libvirt's test driver has none.
   */
  readonly jobCompletedEvents?: boolean;
  /**
   * Where the outcomes of keyed calls (request keys) on this host are kept across daemon restarts;
   * left out, they live in the daemon's memory only.
   */
  readonly requestOutcomes?: DurableRequestOutcomes;
  close(): Promise<void>;
}

/** What a driver may use from the daemon. */
export interface DriverEnvironment {
  readonly log: Logger;
  /** The daemon's state directory. */
  readonly stateDir: string;
  /** The daemon's one confinement policy: every path a driver is given, opens or creates goes through it. */
  readonly confinement: ConfinementPolicy;
  /** Byte streams (consoles): tickets for a second WebSocket of the calling connection. Absent: no streams. */
  readonly streams?: StreamTickets;
}

/** A hypervisor driver (libvirt's `virConnectDriver`), registered by URI scheme. */
export interface HypervisorDriver {
  /** The URI scheme it answers. */
  readonly scheme: string;
  /**
   * Loads state and finishes or undoes interrupted jobs; the daemon awaits it before it serves (its
   * listeners are bound, and answer 503, meanwhile). Drivers without persistent state leave it out.
   */
  initialize?(): Promise<void>;
  /** Opens a connection for `uri`; throws a VirError when the URI is not for it or cannot be served. */
  open(uri: ConnectionUri, readOnly: boolean): Promise<DriverConnection>;
  /** Releases everything (called once when the daemon stops). */
  shutdown(): Promise<void>;
}
