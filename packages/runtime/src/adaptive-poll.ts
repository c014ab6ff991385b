// Adaptive polling of an event loop after traffic, so that a quick next message finds the process awake.

/**
 * Keeps an event loop spinning for a short, self-tuning window after each message, the way QEMU's
 * AioContext polls (`poll-max-ns`, grown and shrunk by `adjust_polling_time`) and Linux's haltpoll
 * cpuidle governor do. Waking a process that sleeps in epoll on another (virtual) CPU costs tens of
 * microseconds here, more than a trivial call itself; polling replaces that with a few loop turns.
 *
 * The window adapts to the gaps between messages: a gap shorter than the window is a hit; a gap
 * longer than the window but under `maxMs` doubles it (from 4 µs); a gap beyond `maxMs` — polling
 * could not have caught it — drops it to zero. A busy or idle peer therefore costs no spinning.
 * With `maxMs` of zero, or while the process may run on one CPU only (spinning there would only
 * delay the peer it waits for; the count is re-read every 100 ms since `taskset` can change it),
 * nothing spins.
 *
 * Spinning pays only while a CPU is free for it. On a busy machine a spinning process competes
 * with the peer it waits for and is preempted itself, which turns a saved wake-up into a lost time
 * slice. So when one turn of the spin took longer than 1 ms (the process did not run meanwhile:
 * the CPUs are contended), the window drops to zero and polling pauses for 100 ms; then it starts
 * over from the smallest window.
 */
export class AdaptivePoll {
  private windowMs = 0;
  private lastActivity = -Infinity;
  private spinning = false;
  private cpusCheckedAt = -Infinity;
  private severalCpus = false;
  /** When the spin's last turn ran. */
  private lastTurn = 0;
  /** Until when polling pauses after the spin was preempted. */
  private pausedUntil = -Infinity;

  /**
   * @param maxMs longest window (QEMU's `poll-max-ns`); 0 disables polling.
   * @param nextTurn runs a callback on the event loop's next turn without sleeping (Node: `setImmediate`).
   * @param now a monotonic clock in ms (`performance.now`).
   * @param cpus how many CPUs this process may run on (Node: `os.availableParallelism`).
   * @param wanted whether spinning can still pay off (e.g. a client with calls pending).
   */
  constructor(
    private readonly maxMs: number,
    private readonly nextTurn: (callback: () => void) => void,
    private readonly now: () => number,
    private readonly cpus: () => number,
    private readonly wanted: () => boolean = () => true,
  ) {}

  /** The current window, in ms (for tests and diagnostics). */
  get currentWindowMs(): number {
    return this.windowMs;
  }

  /** A message arrived: tunes the window by the gap since the last activity, then polls again. */
  received(now = this.now()): void {
    const gap = now - this.lastActivity;
    if (gap > this.maxMs || now < this.pausedUntil) this.windowMs = 0;
    else if (gap > this.windowMs) this.windowMs = Math.min(this.maxMs, this.windowMs > 0 ? this.windowMs * 2 : MIN_WINDOW_MS);
    this.sent(now);
  }

  /** A message left: the answer (or the next request) may follow soon, so poll for the window. */
  sent(now = this.now()): void {
    this.lastActivity = now;
    if (this.windowMs > 0 && !this.spinning && this.mayRunElsewhere(now)) {
      this.spinning = true;
      this.lastTurn = now;
      this.nextTurn(this.spin);
    }
  }

  /** True when the process may use more than one CPU (re-read at most every {@link CPU_RECHECK_MS}). */
  private mayRunElsewhere(now: number): boolean {
    if (now - this.cpusCheckedAt > CPU_RECHECK_MS) {
      this.severalCpus = this.cpus() > 1;
      this.cpusCheckedAt = now;
    }
    return this.severalCpus;
  }

  private readonly spin = (): void => {
    const now = this.now();
    if (now - this.lastTurn > PREEMPTED_MS) {
      this.windowMs = 0;
      this.pausedUntil = now + CONTENDED_PAUSE_MS;
    }
    this.lastTurn = now;
    if (this.wanted() && now - this.lastActivity < this.windowMs) this.nextTurn(this.spin);
    else this.spinning = false;
  };
}

/** The first non-zero window, as QEMU's first growth step (4 µs). */
const MIN_WINDOW_MS = 0.004;

/** How often the CPU count is re-read. */
const CPU_RECHECK_MS = 100;

/**
 * A turn of the spin longer than this means the process was preempted (a turn is a few µs; a
 * scheduler time slice given to another task is a millisecond or more).
 */
const PREEMPTED_MS = 1;

/** How long polling pauses once the spin was preempted. */
const CONTENDED_PAUSE_MS = 100;
