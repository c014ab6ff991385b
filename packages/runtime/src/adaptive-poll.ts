// Adaptive polling of an event loop after traffic, so that a quick next message finds the process awake.

/** What AdaptivePoll needs from the platform it runs on; Node supplies each (see the daemon and the SDK's Node entry). */
export interface PollPlatform {
  /** Runs a callback on the event loop's next turn without sleeping (Node: `setImmediate`). */
  nextTurn(callback: () => void): void;
  /** A monotonic clock in ms (`performance.now`). */
  now(): number;
  /** How many CPUs this process may run on (`os.availableParallelism`). */
  cpus(): number;
  /**
   * The text of Linux's `/proc/loadavg`, whose fourth field counts the machine's runnable tasks at
   * this moment. Absent, or throwing, where there is no such file: polling then goes by its own
   * turns only.
   */
  loadavg?(): string;
}

/**
 * Keeps an event loop spinning for a short, self-tuning window after each message, the way QEMU's
 * AioContext polls (`poll-max-ns`, grown and shrunk by `adjust_polling_time`) and Linux's haltpoll
 * cpuidle governor do. Waking a process that sleeps in epoll on another (virtual) CPU costs tens of
 * microseconds here, more than a trivial call itself; polling replaces that with a few loop turns.
 *
 * The window adapts to the gaps between messages: a gap longer than the window but under `maxMs`
 * widens it to twice that gap (at least 4 µs), so the next gap like it is caught; a gap beyond
 * `maxMs` — polling could not have caught it — drops it to zero. A busy or idle peer therefore costs
 * no spinning. With `maxMs` of zero, or while the process may run on one CPU only (spinning there
 * would only delay the peer it waits for; the count is re-read every 100 ms since `taskset` can
 * change it), nothing spins.
 *
 * Spinning pays only while a CPU is free for it: on a busy machine a spinning process takes the CPU
 * the peer it waits for would run on. So a spin starts (and goes on) only while the machine's
 * runnable tasks, this process's thread and a spinning peer among them, are no more than its CPUs
 * (`/proc/loadavg`, re-read at most every 10 ms, or 1 ms after it found the machine busy). And where
 * that count is unknown or misleading (a container's share of a larger host), the spin watches
 * itself: when over 20 ms of spinning more than a quarter of the time went in turns longer than
 * 0.5 ms (the process did not run: it was preempted, or busy with work of its own), polling pauses
 * for 100 ms. A single long turn (a garbage collection, a compiler thread taking a CPU for a moment)
 * does not pause it.
 */
export class AdaptivePoll {
  private windowMs = 0;
  private lastActivity = -Infinity;
  private spinning = false;
  private cpusCheckedAt = -Infinity;
  private severalCpus = false;
  private loadCheckedAt = -Infinity;
  private cpuFree = true;
  private loadUnknown = false;
  /** When the spin's last turn ran. */
  private lastTurn = 0;
  /** Time spun, and the part of it lost in long turns, since the last contention verdict. */
  private spunMs = 0;
  private lostMs = 0;
  /** Until when polling pauses after the spin was preempted. */
  private pausedUntil = -Infinity;

  /**
   * @param maxMs longest window (QEMU's `poll-max-ns`); 0 disables polling.
   * @param platform the event loop, clock, CPU count and load this runs with.
   * @param wanted whether spinning can still pay off (e.g. a client with calls pending).
   */
  constructor(
    private readonly maxMs: number,
    private readonly platform: PollPlatform,
    private readonly wanted: () => boolean = () => true,
  ) {}

  /** The current window, in ms (for tests and diagnostics). */
  get currentWindowMs(): number {
    return this.windowMs;
  }

  /** A message arrived: tunes the window by the gap since the last activity, then polls again. */
  received(now = this.platform.now()): void {
    const gap = now - this.lastActivity;
    if (gap > this.maxMs || now < this.pausedUntil) this.windowMs = 0;
    else if (gap > this.windowMs) this.windowMs = Math.min(this.maxMs, Math.max(2 * gap, MIN_WINDOW_MS));
    this.sent(now);
  }

  /** A message left: the answer (or the next request) may follow soon, so poll for the window. */
  sent(now = this.platform.now()): void {
    this.lastActivity = now;
    if (this.windowMs > 0 && !this.spinning && this.mayRunElsewhere(now) && this.machineHasRoom(now)) {
      this.spinning = true;
      this.lastTurn = now;
      this.platform.nextTurn(this.spin);
    }
  }

  /** True when the process may use more than one CPU (re-read at most every {@link CPU_RECHECK_MS}). */
  private mayRunElsewhere(now: number): boolean {
    if (now - this.cpusCheckedAt > CPU_RECHECK_MS) {
      this.severalCpus = this.platform.cpus() > 1;
      this.cpusCheckedAt = now;
    }
    return this.severalCpus;
  }

  /**
   * True unless the machine's runnable tasks outnumber its CPUs: re-read at most every
   * {@link LOAD_RECHECK_MS}, or {@link BUSY_RECHECK_MS} after a busy reading (a task that wanted a CPU
   * for a moment, a compiler or GC thread, should not stop polling for long).
   */
  private machineHasRoom(now: number): boolean {
    if (this.loadUnknown || now - this.loadCheckedAt <= (this.cpuFree ? LOAD_RECHECK_MS : BUSY_RECHECK_MS)) return this.cpuFree;
    this.loadCheckedAt = now;
    const runnable = runnableTasks(this.platform);
    if (runnable === undefined) this.loadUnknown = true;
    this.cpuFree = runnable === undefined || runnable <= this.platform.cpus();
    return this.cpuFree;
  }

  private readonly spin = (): void => {
    const now = this.platform.now();
    const turn = now - this.lastTurn;
    this.lastTurn = now;
    this.spunMs += turn;
    if (turn > LONG_TURN_MS) this.lostMs += turn;
    if (this.spunMs >= VERDICT_SPAN_MS) {
      if (this.lostMs > this.spunMs * CONTENDED_SHARE) {
        this.windowMs = 0;
        this.pausedUntil = now + CONTENDED_PAUSE_MS;
      }
      this.spunMs = 0;
      this.lostMs = 0;
    }
    if (this.wanted() && now - this.lastActivity < this.windowMs && this.machineHasRoom(now)) this.platform.nextTurn(this.spin);
    else this.spinning = false;
  };
}

/** The machine's runnable tasks from `/proc/loadavg` ("0.52 0.58 0.59 3/412 12345": 3), or undefined where unknown. */
function runnableTasks(platform: PollPlatform): number | undefined {
  let text: string;
  try {
    if (!platform.loadavg) return undefined;
    text = platform.loadavg();
  } catch {
    return undefined;
  }
  const match = /^\S+ \S+ \S+ (\d+)\//.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The first non-zero window, as QEMU's first growth step (4 µs). */
const MIN_WINDOW_MS = 0.004;

/** How often the CPU count is re-read. */
const CPU_RECHECK_MS = 100;

/** How often the machine's runnable tasks are re-read while there was room (about 10 µs a read). */
const LOAD_RECHECK_MS = 10;

/** How soon they are re-read after the machine was found busy. */
const BUSY_RECHECK_MS = 1;

/**
 * A turn of the spin longer than this means the process did not run meanwhile (a turn is a few µs;
 * a time slice given to another task is most of a millisecond or more).
 */
const LONG_TURN_MS = 0.5;

/** How much spinning each contention verdict looks back on. */
const VERDICT_SPAN_MS = 20;

/** The share of that spinning lost in long turns beyond which the CPUs count as contended. */
const CONTENDED_SHARE = 0.25;

/** How long polling pauses once the CPUs were found contended. */
const CONTENDED_PAUSE_MS = 100;
