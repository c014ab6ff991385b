// Acquire and release events of domain jobs, recorded only when a test or a diagnosis asks for them.

/** One job starting (`acquire`) or ending (`release`) on a domain. */
export interface JobTraceEvent {
  readonly kind: 'acquire' | 'release';
  /** The job table's key for the domain. */
  readonly domain: string;
  /** The wire method that owns the job. */
  readonly owner: string;
  /** `performance.now()` of the event. */
  readonly at: number;
}

/** Keeps the first `capacity` events in order; later ones are counted but dropped, so memory stays bounded. */
export class JobTraceRecorder {
  readonly events: JobTraceEvent[] = [];
  dropped = 0;

  constructor(private readonly capacity = 1_000_000) {}

  /** The callback to hand to the daemon (`DaemonOptions.jobTrace`). */
  readonly record = (event: JobTraceEvent): void => {
    if (this.events.length < this.capacity) this.events.push(event);
    else this.dropped++;
  };
}
