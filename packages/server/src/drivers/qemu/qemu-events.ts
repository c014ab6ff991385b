// The qemu driver's events: lifecycle events from run-state changes (called by guest-lifecycle.ts), define/undefine and snapshot events around its handlers.
import {
  DomainEventDefinedDetail as Defined,
  DomainEventId,
  DomainEventResumedDetail as Resumed,
  DomainEventStartedDetail as Started,
  DomainEventStoppedDetail as Stopped,
  DomainEventSuspendedDetail as Suspended,
  DomainEventType as Type,
  DomainEventUndefinedDetail as Undefined,
  type DomainRef,
} from '@virtwire/protocol';
import { wrapMethod, type DriverMethods } from '../driver.js';
import { requestedName, snapshotChanges, snapshotFailure, snapshotView } from '../common/snapshot-events.js';
import { Reason, type QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';

/** Emits one `VIR_DOMAIN_EVENT_ID_LIFECYCLE` event about `domain` on its host's bus. */
export function emitLifecycle(host: QemuHost, domain: DomainRef, event: number, detail: number): void {
  host.events.emit(domain, { eventID: DomainEventId.Lifecycle, event, detail });
}

/** Emits one `VIR_DOMAIN_EVENT_ID_REBOOT` event about `domain`. */
export function emitReboot(host: QemuHost, domain: DomainRef): void {
  host.events.emit(domain, { eventID: DomainEventId.Reboot });
}

/** The STARTED detail of a start with this state reason. */
export function startedDetail(reason: number): number {
  return reason === Reason.RunningFromSnapshot || reason === Reason.PausedFromSnapshot ? Started.FromSnapshot : Started.Booted;
}

/** The SUSPENDED detail of a pause with this state reason. */
export function suspendedDetail(reason: number): number {
  if (reason === Reason.PausedIoError) return Suspended.IoError;
  return reason === Reason.PausedFromSnapshot ? Suspended.FromSnapshot : Suspended.Paused;
}

/** The RESUMED detail of a resume with this state reason. */
export function resumedDetail(reason: number): number {
  return reason === Reason.RunningFromSnapshot ? Resumed.FromSnapshot : Resumed.Unpaused;
}

/**
 * The STOPPED detail of a stop with this shut-off reason. As libvirt's qemuProcessHandleMonitorEOF:
 * QEMU gone without a SHUTDOWN event (state reason CRASHED) is STOPPED FAILED.
 */
export function stoppedDetail(reason: number): number {
  switch (reason) {
    case Reason.ShutoffShutdown:
      return Stopped.Shutdown;
    case Reason.ShutoffDestroyed:
      return Stopped.Destroyed;
    case Reason.ShutoffFromSnapshot:
      return Stopped.FromSnapshot;
    default:
      return Stopped.Failed;
  }
}

/**
 * Wraps the qemu handlers so that define and undefine emit DEFINED and UNDEFINED once they
 * succeeded, and each snapshot call emits what it changed in the snapshot tree (or `failed` with
 * its per-disk report). Run-state events come from guest-lifecycle.ts, where every run-state
 * change happens.
 */
export function withQemuEvents(host: QemuHost, methods: DriverMethods): DriverMethods {
  const snapshotCall = async <T>(domain: QemuDomain, name: () => string | null, change: () => Promise<T>, reverted: boolean): Promise<T> => {
    const before = snapshotView(domain.snapshots);
    try {
      const result = await change();
      for (const event of snapshotChanges(before, domain.snapshots, reverted ? (name() ?? undefined) : undefined)) host.events.emit(domain.ref(), event);
      return result;
    } catch (error) {
      for (const event of snapshotChanges(before, domain.snapshots)) host.events.emit(domain.ref(), event);
      const failed = snapshotFailure(error, name);
      if (failed) host.events.emit(domain.ref(), failed);
      throw error;
    }
  };
  return {
    ...methods,
    DomainDefineXML: wrapMethod(methods, 'DomainDefineXML', (handle) => async (params, call) => {
      // the call runs under its domain's job: no other define of the same domain runs meanwhile
      const existing = new Set(host.domains().map((d) => d.uuid));
      const ref = await handle(params, call);
      emitLifecycle(host, ref, Type.Defined, existing.has(ref.uuid) ? Defined.Updated : Defined.Added);
      return ref;
    }),
    DomainUndefine: wrapMethod(methods, 'DomainUndefine', (handle) => async (params, call) => {
      const domain = host.resolve(params.domain);
      const result = await handle(params, call);
      emitLifecycle(host, domain.ref(), Type.Undefined, Undefined.Removed);
      return result;
    }),
    DomainSnapshotCreateXML: wrapMethod(
      methods,
      'DomainSnapshotCreateXML',
      (handle) => (params, call) =>
        snapshotCall(
          host.resolve(params.domain),
          () => requestedName(params.xml),
          () => Promise.resolve(handle(params, call)),
          false,
        ),
    ),
    DomainRevertToSnapshot: wrapMethod(
      methods,
      'DomainRevertToSnapshot',
      (handle) => (params, call) =>
        snapshotCall(
          host.resolve(params.snapshot.domain),
          () => params.snapshot.name,
          () => Promise.resolve(handle(params, call)),
          true,
        ),
    ),
    DomainSnapshotDelete: wrapMethod(
      methods,
      'DomainSnapshotDelete',
      (handle) => (params, call) =>
        snapshotCall(
          host.resolve(params.snapshot.domain),
          () => params.snapshot.name,
          () => Promise.resolve(handle(params, call)),
          false,
        ),
    ),
  };
}
