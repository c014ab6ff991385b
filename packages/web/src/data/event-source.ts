// A LiveSource that follows the daemon's events (lifecycle and virtwire's snapshot events): a watched value is fetched again only when an event says what it shows changed.
import { DomainEventId, type Connection, type DomainEventParams, type DomainEventSubscription } from '@virtwire/client';
import { ANY_CHANGE, type Changes, type Interest, type LiveChange, type LiveSource, type LiveState } from './live-source.js';

/**
 * How long after an event its watchers wait before fetching, in ms: the daemon writes a call's
 * events together (a revert: stopped, started, reverted, current-changed), but the browser hands
 * each over as its own task, and one fetch for all of them is cheaper than one per event.
 */
const BATCH_MS = 25;

/** Past this many changes waiting for one watcher, it is simply fetched whole ('all'): memory stays bounded whatever the burst. */
const MAX_PENDING_CHANGES = 256;

interface Watcher {
  fetch: (changes: Changes) => Promise<unknown>;
  listener: (state: LiveState<unknown>) => void;
  interest: Interest;
  /** What changed since the last fetch began; undefined when nothing did. */
  pending: LiveChange[] | 'all' | undefined;
  running: boolean;
  /** The last fetch failed: what the fetch remembers may be stale, so the next one is told 'all'. */
  stale: boolean;
  last?: string;
  data?: unknown;
}

/** The change an event notification reports, or undefined for events the console does not follow. */
export function changeOf(event: DomainEventParams): LiveChange | undefined {
  if (event.eventID === DomainEventId.Lifecycle) return { kind: 'lifecycle', domain: event.domain, event: event.event, detail: event.detail };
  if (event.eventID === DomainEventId.Snapshot)
    return { kind: 'snapshot', domain: event.domain, action: event.action, snapshot: event.snapshot, ...(event.error ? { error: event.error } : {}) };
  return undefined;
}

/**
 * A {@link LiveSource} driven by `virConnectDomainEventRegisterAny` callbacks for every domain's
 * lifecycle (`VIR_DOMAIN_EVENT_ID_LIFECYCLE`) and snapshot events. Nothing is polled: each watcher
 * is fetched once, then again only when an event it is interested in arrives, and told which
 * changes those were. Events that arrive while a watcher's fetch runs make it fetch once more
 * afterwards (never two fetches of one watcher at once); events arriving within {@link BATCH_MS}
 * of each other (those of one call) are fetched for together.
 */
export class EventSource implements LiveSource {
  readonly mode = 'events';
  private readonly watchers = new Set<Watcher>();
  private subscriptions: DomainEventSubscription[] = [];
  private closed = false;

  private constructor() {}

  /**
   * Registers the callbacks on `conn`. Rejects with the daemon's error when it or its driver sends
   * no events (`VIR_ERR_NO_SUPPORT`, or a daemon that lacks the method): the caller polls instead.
   */
  static async open(conn: Connection): Promise<EventSource> {
    const source = new EventSource();
    try {
      for (const eventID of [DomainEventId.Lifecycle, DomainEventId.Snapshot]) {
        const subscription = await conn.domainEventRegisterAny(eventID);
        source.subscriptions.push(subscription);
        subscription.on((event) => {
          const change = changeOf(event);
          if (change) source.receive(change);
        });
      }
    } catch (error) {
      source.close();
      throw error;
    }
    return source;
  }

  /** The callback ids the daemon gave this source's subscriptions. */
  get callbackIDs(): number[] {
    return this.subscriptions.map((s) => s.callbackID);
  }

  watch<T>(fetch: (changes: Changes) => Promise<T>, listener: (state: LiveState<T>) => void, interest: Interest = ANY_CHANGE): () => void {
    const watcher: Watcher = { fetch, listener: listener as (state: LiveState<unknown>) => void, interest, pending: 'all', running: false, stale: false };
    this.watchers.add(watcher);
    void this.run(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** This console acted: nothing to do, since the events of a call arrive before its reply. */
  changed(): void {}

  close(): void {
    this.closed = true;
    this.watchers.clear();
    // Deregisters (virConnectDomainEventDeregisterAny) when the connection is still open; a closed one ended them already.
    for (const subscription of this.subscriptions) void subscription.close().catch(() => {});
    this.subscriptions = [];
  }

  private receive(change: LiveChange): void {
    if (this.closed) return;
    for (const watcher of this.watchers) {
      if (!watcher.interest(change)) continue;
      if (watcher.pending === undefined) watcher.pending = [change];
      else if (watcher.pending !== 'all') {
        watcher.pending.push(change);
        if (watcher.pending.length > MAX_PENDING_CHANGES) watcher.pending = 'all';
      }
      // A moment later: the other events of the same call (sent together) join this fetch.
      if (!watcher.running) {
        watcher.running = true;
        setTimeout(() => void this.run(watcher, true), BATCH_MS);
      }
    }
  }

  /** Fetches `watcher` until no change is pending (events that came during a fetch fetch it again). */
  private async run(watcher: Watcher, claimed = false): Promise<void> {
    if (watcher.running && !claimed) return;
    watcher.running = true;
    try {
      while (watcher.pending !== undefined && this.watchers.has(watcher)) {
        const changes = watcher.stale ? 'all' : watcher.pending;
        watcher.pending = undefined;
        watcher.stale = false;
        await this.refresh(watcher, changes);
      }
    } finally {
      watcher.running = false;
    }
  }

  private async refresh(watcher: Watcher, changes: Changes): Promise<void> {
    try {
      const data = await watcher.fetch(changes);
      if (!this.watchers.has(watcher)) return;
      const text = JSON.stringify(data);
      if (text === watcher.last) return;
      watcher.last = text;
      watcher.data = data;
      watcher.listener({ data, loading: false });
    } catch (error) {
      if (!this.watchers.has(watcher)) return;
      watcher.last = undefined;
      watcher.stale = true;
      watcher.listener({ data: watcher.data, error, loading: false });
    }
  }
}
