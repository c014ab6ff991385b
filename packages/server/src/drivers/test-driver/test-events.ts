// The test driver's events: libvirt's lifecycle events for each run-state change (as libvirt 9.0's test driver sends them) and virtwire's snapshot events.
import {
  DomainCreateFlags,
  DomainEventDefinedDetail as Defined,
  DomainEventId,
  DomainEventStartedDetail as Started,
  DomainEventStoppedDetail as Stopped,
  DomainEventSuspendedDetail as Suspended,
  DomainEventResumedDetail as Resumed,
  DomainEventType as Type,
  DomainEventUndefinedDetail as Undefined,
  DomainState,
  type DomainRef,
} from '@virtwire/protocol';
import { wrapMethod, type DriverMethods } from '../driver.js';
import { requestedName, snapshotChanges, snapshotFailure, snapshotView } from '../common/snapshot-events.js';
import type { TestDomain } from './test-domain.js';
import type { TestNode } from './test-node.js';

/**
 * Wraps a test-driver connection's handlers so that each call that changes a domain's run state or
 * snapshots emits its events on the node's bus once it succeeded (a refused or failed call emits
 * none, except a snapshot `failed` event with its per-disk report). Every handler is synchronous,
 * so the events of one call are emitted together, before its reply.
 */
export function withTestEvents(node: TestNode, methods: DriverMethods): DriverMethods {
  const bus = node.events;
  const lifecycle = (domain: DomainRef, event: number, detail: number) => bus.emit(domain, { eventID: DomainEventId.Lifecycle, event, detail });
  /** Runs `change` on `domain`, then emits what it did to the domain's run state (Stopped `stopped` when it stopped). */
  const stateChange = <T>(domain: TestDomain, stopped: number, change: () => T): T => {
    const wasActive = domain.active;
    const result = change();
    if (wasActive && !domain.active) lifecycle(domain.ref(), Type.Stopped, stopped);
    return result;
  };
  /** Runs a snapshot call on `domain` and emits what it changed, or its failure with the per-disk report. */
  const snapshotCall = <T>(domain: TestDomain, name: () => string | null, change: () => T, options: { revert?: boolean } = {}): T => {
    const before = snapshotView(domain.snapshots);
    const wasActive = domain.active;
    let result: T;
    try {
      result = change();
    } catch (error) {
      for (const event of snapshotChanges(before, domain.snapshots)) bus.emit(domain.ref(), event);
      const failed = snapshotFailure(error, name);
      if (failed) bus.emit(domain.ref(), failed);
      throw error;
    }
    if (options.revert) {
      // libvirt 9.0's test driver, as recorded (test/fixtures/virsh-events): an active domain is
      // stopped first, started again when the revert leaves it active, then paused if it ends paused.
      if (wasActive) lifecycle(domain.ref(), Type.Stopped, Stopped.FromSnapshot);
      if (domain.active) lifecycle(domain.ref(), Type.Started, Started.FromSnapshot);
      if (domain.state === DomainState.Paused) lifecycle(domain.ref(), Type.Suspended, Suspended.FromSnapshot);
    } else if (wasActive && !domain.active) {
      lifecycle(domain.ref(), Type.Stopped, Stopped.FromSnapshot);
    }
    for (const event of snapshotChanges(before, domain.snapshots, options.revert ? (name() ?? undefined) : undefined)) bus.emit(domain.ref(), event);
    return result;
  };
  return {
    ...methods,
    DomainDefineXML: wrapMethod(methods, 'DomainDefineXML', (handle) => (params, call) => {
      const existing = new Set(node.domains().map((d) => d.uuid));
      const ref = handle(params, call) as DomainRef;
      lifecycle(ref, Type.Defined, existing.has(ref.uuid) ? Defined.Updated : Defined.Added);
      return ref;
    }),
    DomainUndefine: wrapMethod(methods, 'DomainUndefine', (handle) => (params, call) => {
      const domain = node.resolve(params.domain);
      const ref = domain.ref();
      const result = handle(params, call);
      lifecycle(domain.active ? domain.ref() : ref, Type.Undefined, Undefined.Removed);
      return result;
    }),
    DomainCreate: wrapMethod(methods, 'DomainCreate', (handle) => (params, call) => {
      const domain = node.resolve(params.domain);
      const result = handle(params, call);
      lifecycle(domain.ref(), Type.Started, Started.Booted);
      if (params.flags & DomainCreateFlags.StartPaused) lifecycle(domain.ref(), Type.Suspended, Suspended.Paused);
      return result;
    }),
    DomainDestroy: wrapMethod(
      methods,
      'DomainDestroy',
      (handle) => (params, call) => stateChange(node.resolve(params.domain), Stopped.Destroyed, () => handle(params, call)),
    ),
    DomainShutdown: wrapMethod(
      methods,
      'DomainShutdown',
      (handle) => (params, call) => stateChange(node.resolve(params.domain), Stopped.Shutdown, () => handle(params, call)),
    ),
    DomainReboot: wrapMethod(
      methods,
      'DomainReboot',
      (handle) => (params, call) => stateChange(node.resolve(params.domain), Stopped.Shutdown, () => handle(params, call)),
    ),
    DomainSuspend: wrapMethod(methods, 'DomainSuspend', (handle) => (params, call) => {
      const domain = node.resolve(params.domain);
      const result = handle(params, call);
      lifecycle(domain.ref(), Type.Suspended, Suspended.Paused);
      return result;
    }),
    DomainResume: wrapMethod(methods, 'DomainResume', (handle) => (params, call) => {
      const domain = node.resolve(params.domain);
      const result = handle(params, call);
      lifecycle(domain.ref(), Type.Resumed, Resumed.Unpaused);
      return result;
    }),
    DomainSnapshotCreateXML: wrapMethod(
      methods,
      'DomainSnapshotCreateXML',
      (handle) => (params, call) =>
        snapshotCall(
          node.resolve(params.domain),
          () => requestedName(params.xml),
          () => handle(params, call),
        ),
    ),
    DomainRevertToSnapshot: wrapMethod(
      methods,
      'DomainRevertToSnapshot',
      (handle) => (params, call) =>
        snapshotCall(
          node.resolve(params.snapshot.domain),
          () => params.snapshot.name,
          () => handle(params, call),
          { revert: true },
        ),
    ),
    DomainSnapshotDelete: wrapMethod(
      methods,
      'DomainSnapshotDelete',
      (handle) => (params, call) =>
        snapshotCall(
          node.resolve(params.snapshot.domain),
          () => params.snapshot.name,
          () => handle(params, call),
        ),
    ),
  };
}
