// One connection's event callbacks (libvirt's per-client callback list): register, deregister, and delivery as numbered notifications.
import {
  DOMAIN_EVENT_NOTIFICATION,
  DOMAIN_EVENT_ID_LAST,
  ErrorDomain,
  ErrorNumber,
  isDomainEventId,
  MAX_EVENT_CALLBACKS_PER_CONNECTION,
  VirError,
  type DomainEventBody,
  type DomainEventParams,
  type DomainRef,
} from '@virtwire/protocol';
import type { DomainEventBus } from './domain-event-bus.js';

/** Sends one JSON-RPC notification on the connection (through its bounded outbound queue). */
export type Notify = (method: string, params: DomainEventParams) => void;

interface Callback {
  readonly eventID: number;
  /** Lower-case UUID of the one domain it is about, or null for every domain. */
  readonly domain: string | null;
}

/**
 * The callbacks one connection registered with `ConnectDomainEventRegisterAny`, at most
 * {@link MAX_EVENT_CALLBACKS_PER_CONNECTION}. Every matching event becomes one `DomainEvent`
 * notification per callback, numbered by `seq` (1, 2, ... on this connection), in the order the
 * host emitted them.
 */
export class EventSubscriptions {
  private readonly callbacks = new Map<number, Callback>();
  private nextCallbackId = 1;
  private seq = 0;
  private unsubscribe: (() => void) | null = null;
  private bus: DomainEventBus | null = null;

  constructor(private readonly notify: Notify) {}

  /** Registered callbacks (for tests and diagnostics). */
  get count(): number {
    return this.callbacks.size;
  }

  /**
   * `virConnectDomainEventRegisterAny`: checks the event id as libvirt's public API does (its own
   * snapshot id, 1000, is also accepted), then listens to `bus` (the host of the open connection).
   */
  register(bus: DomainEventBus, eventID: number, domain: DomainRef | null): number {
    if (eventID < 0) {
      throw VirError.invalidArg(
        ErrorDomain.Domain,
        'virConnectDomainEventRegisterAny',
        'eventID',
        'eventID in virConnectDomainEventRegisterAny must be zero or greater',
      );
    }
    if (!isDomainEventId(eventID)) {
      throw VirError.invalidArg(
        ErrorDomain.Domain,
        'virConnectDomainEventRegisterAny',
        'eventID',
        `eventID in virConnectDomainEventRegisterAny must be less than ${DOMAIN_EVENT_ID_LAST}`,
      );
    }
    if (this.callbacks.size >= MAX_EVENT_CALLBACKS_PER_CONNECTION) {
      throw VirError.report(ErrorNumber.Rpc, ErrorDomain.Rpc, `too many event callbacks on this connection (at most ${MAX_EVENT_CALLBACKS_PER_CONNECTION})`);
    }
    if (this.bus !== bus) {
      this.close();
      this.bus = bus;
      this.unsubscribe = bus.subscribe((ref, body) => this.deliver(ref, body));
    }
    const id = this.nextCallbackId++;
    this.callbacks.set(id, { eventID, domain: domain?.uuid.toLowerCase() ?? null });
    return id;
  }

  /** `virConnectDomainEventDeregisterAny`: libvirt's error for an id this connection does not hold. */
  deregister(callbackID: number): void {
    if (!this.callbacks.delete(callbackID)) {
      throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.None, `could not find event callback ${callbackID} for deletion`);
    }
    if (this.callbacks.size === 0) this.detach();
  }

  /** Drops every callback (ConnectClose, or the socket closed). */
  close(): void {
    this.callbacks.clear();
    this.detach();
  }

  private detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.bus = null;
  }

  private deliver(domain: DomainRef, body: DomainEventBody): void {
    const uuid = domain.uuid.toLowerCase();
    for (const [callbackID, callback] of this.callbacks) {
      if (callback.eventID !== body.eventID) continue;
      if (callback.domain !== null && callback.domain !== uuid) continue;
      this.notify(DOMAIN_EVENT_NOTIFICATION, { callbackID, seq: ++this.seq, domain: { ...domain }, ...body } as DomainEventParams);
    }
  }
}
