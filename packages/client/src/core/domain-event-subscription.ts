// One registered event callback on the SDK side: an EventTarget of its events and an async iterator over them, deregistered by close().
import type { DomainEventParams, DomainRef } from '@virtwire/protocol';

/** Most events an async iterator holds for a consumer that has not pulled them yet (then it fails rather than grow). */
export const MAX_BUFFERED_EVENTS = 10_000;

/** The DOM event a {@link DomainEventSubscription} dispatches (`type` is `'event'`); `detail` is the notification's params. */
export class DomainEventMessage extends Event {
  constructor(readonly detail: DomainEventParams) {
    super('event');
  }
}

/** Raised by an iterator whose consumer fell more than {@link MAX_BUFFERED_EVENTS} events behind. */
export class EventBufferOverflowError extends Error {
  constructor() {
    super(`more than ${MAX_BUFFERED_EVENTS} events waiting for this iterator: it fell too far behind`);
    this.name = 'EventBufferOverflowError';
  }
}

/**
 * A callback registered with `virConnectDomainEventRegisterAny` (libvirt's callback id), as an
 * `EventTarget` dispatching a {@link DomainEventMessage} per event, and an `AsyncIterable` of the
 * events' params. Events arrive in the daemon's order (their `seq` grows by one per notification of
 * the connection). `close()` deregisters it; the connection closing ends it too.
 */
export class DomainEventSubscription extends EventTarget implements AsyncIterable<DomainEventParams> {
  private readonly iterators = new Set<EventQueue>();
  private ended = false;

  /** @internal */
  constructor(
    private id: number,
    /** The `virDomainEventID` (or virtwire's snapshot id, 1000) it listens to. */
    readonly eventID: number,
    /** The one domain it is about, or null for every domain. */
    readonly domain: DomainRef | null,
    private readonly deregister: (callbackID: number) => Promise<void>,
  ) {
    super();
  }

  /** The id the daemon gave this callback (a new one after a reconnection). */
  get callbackID(): number {
    return this.id;
  }

  /**
   * @internal Registered again after a reconnection: it now has `id`, and dispatches a plain
   * `'reconnect'` Event, since the events of the gap are lost (refetch).
   */
  rebind(id: number): void {
    this.id = id;
    this.dispatchEvent(new Event('reconnect'));
  }

  /** True once closed or once its connection closed. */
  get closed(): boolean {
    return this.ended;
  }

  /** Calls `listener` with each event's params; the function returned removes it. */
  on(listener: (event: DomainEventParams) => void): () => void {
    const handler = (event: Event) => listener((event as DomainEventMessage).detail);
    this.addEventListener('event', handler);
    return () => this.removeEventListener('event', handler);
  }

  /** Iterates over the events from now on, until the subscription or its connection closes. */
  [Symbol.asyncIterator](): AsyncIterator<DomainEventParams> {
    const queue = new EventQueue(() => this.iterators.delete(queue));
    if (this.ended) queue.end();
    else this.iterators.add(queue);
    return queue;
  }

  /** `virConnectDomainEventDeregisterAny`: no event reaches this subscription afterwards. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.end();
    await this.deregister(this.callbackID);
  }

  /** @internal Delivers one event (called by the connection's router, in arrival order). */
  deliver(event: DomainEventParams): void {
    if (this.ended) return;
    for (const queue of this.iterators) queue.push(event);
    this.dispatchEvent(new DomainEventMessage(event));
  }

  /** @internal Ends it without deregistering (the connection is gone). */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    for (const queue of this.iterators) queue.end(error);
    this.iterators.clear();
  }
}

/** The events one iterator has not been given yet, and the consumer waiting for the next. */
class EventQueue implements AsyncIterator<DomainEventParams> {
  private readonly buffered: DomainEventParams[] = [];
  private waiting: { resolve: (result: IteratorResult<DomainEventParams>) => void; reject: (error: Error) => void } | null = null;
  private done = false;
  private failure: Error | undefined;

  constructor(private readonly detach: () => void) {}

  push(event: DomainEventParams): void {
    if (this.done) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: event, done: false });
      return;
    }
    if (this.buffered.length >= MAX_BUFFERED_EVENTS) {
      this.end(new EventBufferOverflowError());
      this.detach();
      return;
    }
    this.buffered.push(event);
  }

  end(error?: Error): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    if (this.waiting) {
      const { resolve, reject } = this.waiting;
      this.waiting = null;
      if (error) reject(error);
      else resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<DomainEventParams>> {
    const event = this.buffered.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.done) {
      const failure = this.failure;
      this.failure = undefined;
      return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<DomainEventParams>> {
    this.buffered.length = 0;
    this.end();
    this.detach();
    return Promise.resolve({ value: undefined, done: true });
  }
}
