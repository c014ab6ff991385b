// One host's domain events (libvirt's virObjectEventState): drivers emit, each subscribed connection hears every event synchronously, in order.
import type { DomainEventBody, DomainRef } from '@virtwire/protocol';

/** Hears one event: the domain it is about and what happened. */
export type DomainEventListener = (domain: DomainRef, body: DomainEventBody) => void;

/**
 * The events of one host (a test-driver node, a qemu host). Emission is synchronous: every
 * listener has the event, in emission order, before `emit` returns, so an event emitted before a
 * call's reply is queued before that reply on every connection. Listeners are connections (at most
 * one per connection and host), so their number is bounded by the daemon's connection limit.
 */
export class DomainEventBus {
  private readonly listeners = new Set<DomainEventListener>();

  /** Adds a listener; the function returned removes it. */
  subscribe(listener: DomainEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Number of listeners (for tests and diagnostics). */
  get size(): number {
    return this.listeners.size;
  }

  /** Tells every listener. A listener that throws does not stop the others (it is a bug there, not here). */
  emit(domain: DomainRef, body: DomainEventBody): void {
    for (const listener of this.listeners) {
      try {
        listener(domain, body);
      } catch {
        // A connection's delivery never throws; nothing else listens.
      }
    }
  }
}
