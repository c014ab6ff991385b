// Routes the daemon's DomainEvent notifications to the connection's subscriptions by callback id, holding those that outrun their registration's reply.
import { DOMAIN_EVENT_NOTIFICATION, type DomainEventParams, type DomainRef } from '@virtwire/protocol';
import type { DomainEventSubscription } from './domain-event-subscription.js';

/** Most notifications held while a registration's reply is awaited (the daemon can send a callback's first event just before the reply). */
const MAX_EARLY_EVENTS = 1_024;

/**
 * The connection's subscriptions by callback id. A notification is routed to its subscription in
 * arrival order; one for an id not known yet is held while a registration is in flight (the
 * daemon queues events of a new callback as soon as it exists, possibly before the reply naming it)
 * and delivered when that registration completes; otherwise it is for a callback already
 * deregistered, and dropped.
 */
export class EventRouter {
  private readonly subscriptions = new Map<number, DomainEventSubscription>();
  private registering = 0;
  private early: DomainEventParams[] = [];

  /** Handles one id-less JSON-RPC message; false for a method it does not know. */
  receive(method: string, params: unknown): boolean {
    if (method !== DOMAIN_EVENT_NOTIFICATION || typeof params !== 'object' || params === null) return false;
    const event = params as DomainEventParams;
    const subscription = this.subscriptions.get(event.callbackID);
    if (subscription) subscription.deliver(event);
    else if (this.registering > 0 && this.early.length < MAX_EARLY_EVENTS) this.early.push(event);
    return true;
  }

  /** Runs a registration; its subscription is routed to (with any events that arrived before its reply) once it resolves. */
  async register(run: () => Promise<DomainEventSubscription>): Promise<DomainEventSubscription> {
    this.registering++;
    try {
      const subscription = await run();
      this.subscriptions.set(subscription.callbackID, subscription);
      const mine = this.early.filter((e) => e.callbackID === subscription.callbackID);
      if (mine.length > 0) this.early = this.early.filter((e) => e.callbackID !== subscription.callbackID);
      for (const event of mine) subscription.deliver(event);
      return subscription;
    } finally {
      if (--this.registering === 0) this.early = [];
    }
  }

  /**
   * Registers every subscription again on a new socket (after a reconnection), each under its new
   * id; one the daemon refuses now ends with that error.
   */
  async reregister(register: (eventID: number, domain: DomainRef | null) => Promise<number>): Promise<void> {
    const previous = [...this.subscriptions.values()];
    this.subscriptions.clear();
    this.early = [];
    this.registering++;
    try {
      for (const subscription of previous) {
        try {
          const id = await register(subscription.eventID, subscription.domain);
          this.subscriptions.set(id, subscription);
          subscription.rebind(id);
          const mine = this.early.filter((e) => e.callbackID === id);
          if (mine.length > 0) this.early = this.early.filter((e) => e.callbackID !== id);
          for (const event of mine) subscription.deliver(event);
        } catch (error) {
          subscription.end(error instanceof Error ? error : new Error(String(error)));
        }
      }
    } finally {
      if (--this.registering === 0) this.early = [];
    }
  }

  /** Stops routing to a callback (deregistered). */
  forget(callbackID: number): void {
    this.subscriptions.get(callbackID)?.end();
    this.subscriptions.delete(callbackID);
  }

  /** Ends every subscription (the connection closed or the driver connection was closed). */
  endAll(error?: Error): void {
    for (const subscription of this.subscriptions.values()) subscription.end(error);
    this.subscriptions.clear();
    this.early = [];
  }
}
