// The shape of one event on the wire: a JSON-RPC notification carrying a registered callback's event (zod-free).
import type { DiskOutcome } from '../errors/vir-error.js';
import type { DomainRef } from '../references.js';

/**
 * The JSON-RPC method name of every event notification the daemon sends (libvirt's remote
 * protocol has one procedure per event kind, `REMOTE_PROC_DOMAIN_EVENT_CALLBACK_*`; here the
 * `eventID` says which).
 */
export const DOMAIN_EVENT_NOTIFICATION = 'DomainEvent';

/** What a virtwire snapshot event reports (virtwire extension, event id 1000). */
export type SnapshotEventAction = 'created' | 'deleted' | 'reverted' | 'current-changed' | 'failed';

/** What every event notification carries. */
export interface DomainEventCommon {
  /** The id `ConnectDomainEventRegisterAny` returned. */
  callbackID: number;
  /** Per connection, from 1, one more for each notification sent on it: a gap cannot happen without the connection closing. */
  seq: number;
  /** The domain the event is about. */
  domain: DomainRef;
}

/** `VIR_DOMAIN_EVENT_ID_LIFECYCLE`: `event` is a virDomainEventType, `detail` its detail enum. */
export interface LifecycleEventBody {
  eventID: 0;
  event: number;
  detail: number;
}

/** `VIR_DOMAIN_EVENT_ID_REBOOT`: no payload. */
export interface RebootEventBody {
  eventID: 1;
}

/** `VIR_DOMAIN_EVENT_ID_JOB_COMPLETED`: the completed job's statistics, as `virDomainGetJobStats` gives them. */
export interface JobCompletedEventBody {
  eventID: 21;
  params: Record<string, number | boolean | string>;
}

/**
 * virtwire's snapshot event. `snapshot` names the snapshot (for `current-changed`: the new current
 * one, or null when none is current); `failed` carries libvirt's error number and message and the
 * per-disk report of the attempt.
 */
export interface SnapshotEventBody {
  eventID: 1000;
  action: SnapshotEventAction;
  snapshot: string | null;
  error?: { code: number; message: string; disks?: DiskOutcome[] };
}

/** What a driver emits: an event about one domain, before it is addressed to a callback. */
export type DomainEventBody = LifecycleEventBody | RebootEventBody | JobCompletedEventBody | SnapshotEventBody;

/** The params of one `DomainEvent` notification. */
export type DomainEventParams = DomainEventCommon & DomainEventBody;
