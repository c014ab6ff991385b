// The console's one source of live data: every view watches through it; EventSource follows daemon events, PollingSource is the fallback for a daemon or driver without them.
import type { DomainRef, SnapshotEventAction, SnapshotEventBody } from '@virtwire/client';

/** What a watcher sees: the latest value, or the error of the latest fetch (the last good value is kept). */
export interface LiveState<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
}

/**
 * One change the daemon reported: a `VIR_DOMAIN_EVENT_ID_LIFECYCLE` event (virDomainEventType and
 * its detail) or one of virtwire's snapshot events.
 */
export type LiveChange =
  | { kind: 'lifecycle'; domain: DomainRef; event: number; detail: number }
  | { kind: 'snapshot'; domain: DomainRef; action: SnapshotEventAction; snapshot: string | null; error?: SnapshotEventBody['error'] };

/** What a fetch is told: anything may have changed (the first fetch, a poll), or only these changes did. */
export type Changes = 'all' | readonly LiveChange[];

/** Which changes make a watched value stale. */
export type Interest = (change: LiveChange) => boolean;

/** Every change: the safe default. */
export const ANY_CHANGE: Interest = () => true;

/** How a source follows the daemon: its events, or polling (a daemon or driver without events). */
export type LiveMode = 'events' | 'polling';

/** A source of values that follow the daemon. Views depend on this interface only. */
export interface LiveSource {
  readonly mode: LiveMode;
  /**
   * Fetches now, and again whenever the daemon may have changed what `interest` selects (a poll
   * ignores it); `fetch` is told what changed. Returns the function that stops watching.
   */
  watch<T>(fetch: (changes: Changes) => Promise<T>, listener: (state: LiveState<T>) => void, interest?: Interest): () => void;
  /** Something changed (this console acted): refetch everything soon. */
  changed(): void;
  /** Stops all watching. */
  close(): void;
}

/** Bounds of the polling interval, in ms: quick after a change, backing off to the slowest while nothing changes. */
export interface PollingBounds {
  fastestMs: number;
  slowestMs: number;
}

/** Fast enough that a change made elsewhere shows within about two seconds, slow enough to cost the daemon nothing. */
export const DEFAULT_POLLING: PollingBounds = { fastestMs: 300, slowestMs: 2_000 };

interface Watcher {
  fetch: (changes: Changes) => Promise<unknown>;
  listener: (state: LiveState<unknown>) => void;
  last?: string;
  data?: unknown;
}

/**
 * A {@link LiveSource} that polls: every watched fetch is repeated, in turn, on an adaptive
 * interval — back to the fastest after any change (seen or made), doubled after each round that
 * changed nothing, up to the slowest. Hidden tabs do not poll; showing the tab refetches at once.
 * One round runs at a time, so a slow daemon is never asked twice for the same thing.
 */
export class PollingSource implements LiveSource {
  readonly mode = 'polling';
  private readonly watchers = new Set<Watcher>();
  private intervalMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private again = false;
  private closed = false;

  constructor(private readonly bounds: PollingBounds = DEFAULT_POLLING) {
    this.intervalMs = bounds.fastestMs;
    document.addEventListener('visibilitychange', this.onVisibility);
    this.schedule(this.intervalMs);
  }

  watch<T>(fetch: (changes: Changes) => Promise<T>, listener: (state: LiveState<T>) => void): () => void {
    const watcher: Watcher = { fetch, listener: listener as (state: LiveState<unknown>) => void };
    this.watchers.add(watcher);
    // No 'loading' state here: a view that watches anew (its domain's id changed) keeps showing what it had until the new value arrives.
    void this.refresh(watcher);
    return () => this.watchers.delete(watcher);
  }

  changed(): void {
    this.intervalMs = this.bounds.fastestMs;
    this.schedule(0);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.watchers.clear();
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  private readonly onVisibility = (): void => {
    if (!document.hidden) this.changed();
  };

  /** Fetches one watcher's value; true when it differs from what the watcher had. */
  private async refresh(watcher: Watcher): Promise<boolean> {
    try {
      const data = await watcher.fetch('all');
      if (!this.watchers.has(watcher)) return false;
      const text = JSON.stringify(data);
      if (text === watcher.last) return false;
      watcher.last = text;
      watcher.data = data;
      watcher.listener({ data, loading: false });
      return true;
    } catch (error) {
      if (!this.watchers.has(watcher)) return false;
      watcher.last = undefined;
      watcher.listener({ data: watcher.data, error, loading: false });
      return true;
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.round(), delayMs);
  }

  private async round(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    if (document.hidden) return;
    this.running = true;
    let changed = false;
    for (const watcher of [...this.watchers]) changed = (await this.refresh(watcher)) || changed;
    this.running = false;
    if (this.again) {
      this.again = false;
      this.intervalMs = this.bounds.fastestMs;
    } else {
      this.intervalMs = changed ? this.bounds.fastestMs : Math.min(this.bounds.slowestMs, this.intervalMs * 2);
    }
    this.schedule(this.intervalMs);
  }
}
