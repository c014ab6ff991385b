// One state-changing job per domain at a time: a bounded wait, a bounded queue, and the table of running jobs.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { cancelledJobError, JobControl } from './job-control.js';
import { jobOperation, SNAPSHOT_JOB_OPERATIONS } from './job-stats.js';
import type { JobTraceEvent } from './job-trace.js';

/** How long a job waits for its domain and how many may queue on one domain. */
export interface DomainJobLimits {
  /** Longest wait for a domain's job, in ms (libvirt's `VIR_JOB_WAIT_TIME`, 30 s). */
  readonly waitMs: number;
  /** Most jobs on one domain at once, the running one included (libvirt's qemu.conf `max_queued`). */
  readonly maxQueued: number;
}

/** libvirt's wait (30 s) and a queue long enough for every in-flight call of a few busy clients. */
export const DEFAULT_JOB_LIMITS: DomainJobLimits = { waitMs: 30_000, maxQueued: 256 };

/** The job a domain is running (libvirt's `virDomainJobObj` active job: its owner API and start). */
export interface RunningJob {
  /** The wire method that owns it, e.g. `DomainSnapshotCreateXML`. */
  readonly owner: string;
  /** `performance.now()` when it started. */
  readonly startedAt: number;
  /** Its side of virDomainAbortJob (absent in the record of a completed job). */
  readonly control?: JobControl;
}

/** A job that ended: its owner, when it ran, and how it ended (for `VIR_DOMAIN_JOB_STATS_COMPLETED`). */
export interface CompletedJob extends RunningJob {
  /** `performance.now()` when it ended. */
  readonly endedAt: number;
  readonly success: boolean;
  /** libvirt's message of the error it failed with. */
  readonly errorMessage?: string;
}

/** Most domains whose last completed job is remembered (the oldest is forgotten first). */
const MAX_COMPLETED = 4096;

interface Waiter {
  readonly owner: string;
  readonly start: () => void;
  readonly fail: (error: VirError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface DomainSlot {
  running: RunningJob | null;
  readonly waiters: Waiter[];
}

/** libvirt's name of an asynchronous job, as its abort message says it (`snapshot job: canceled by client`). */
function jobName(owner: string): string {
  return SNAPSHOT_JOB_OPERATIONS.has(jobOperation(owner)) ? 'snapshot' : 'domain';
}

/** libvirt's name for the API holding a job: the RPC dispatcher of the method. */
const blockerOf = (slot: DomainSlot) => (slot.running ? ` (held by monitor=remoteDispatch${slot.running.owner})` : '');

/**
 * The per-domain job lock of libvirt's `virDomainObjBeginJob`/`virDomainObjEndJob`: jobs on one
 * domain run one at a time in arrival order, jobs on different domains run in parallel. A job that
 * waits longer than `waitMs` fails with VIR_ERR_OPERATION_TIMEOUT, one that would make the queue
 * longer than `maxQueued` fails at once with VIR_ERR_OPERATION_FAILED, both with libvirt's text.
 * Domains are opaque keys chosen by the caller.
 */
export class DomainJobs {
  private readonly slots = new Map<string, DomainSlot>();
  private readonly completedJobs = new Map<string, CompletedJob>();

  constructor(
    readonly limits: DomainJobLimits = DEFAULT_JOB_LIMITS,
    private readonly trace?: (event: JobTraceEvent) => void,
  ) {}

  /**
   * Runs `job` as `domain`'s one state-changing job, once the jobs before it have ended;
   * `onCompleted` is told how it ended before the next job on the domain starts. `signal` is the
   * call's cancellation (`$/cancelRequest`): aborted while the job waits for its turn or before it
   * starts, the job is refused (VIR_ERR_OPERATION_ABORTED) and never runs; aborted while it runs,
   * the job is cancelled (`JobControl.cancel`).
   */
  async run<T>(
    domain: string,
    owner: string,
    job: (control: JobControl) => T | Promise<T>,
    onCompleted?: (job: CompletedJob) => void,
    signal?: AbortSignal,
  ): Promise<Awaited<T>> {
    if (signal?.aborted) throw cancelledJobError(jobName(owner));
    let slot = this.slots.get(domain);
    if (slot === undefined) {
      slot = { running: null, waiters: [] };
      this.slots.set(domain, slot);
    }
    if (slot.running !== null || slot.waiters.length > 0) await this.wait(domain, slot, owner, signal);
    else this.start(domain, slot, owner);
    const control = slot.running!.control!;
    const cancel = () => control.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const result = await job(control);
      onCompleted?.(this.complete(domain, slot, true));
      return result;
    } catch (error) {
      onCompleted?.(this.complete(domain, slot, false, error));
      throw error;
    } finally {
      signal?.removeEventListener('abort', cancel);
      control.end();
      this.end(domain, slot);
    }
  }

  /** The last job `domain` completed, if remembered (for `virDomainGetJobStats` with COMPLETED). */
  lastCompleted(domain: string): CompletedJob | undefined {
    return this.completedJobs.get(domain);
  }

  /** Forgets the last job `domain` completed (a COMPLETED read without KEEP_COMPLETED, as libvirt's drivers do). */
  forgetCompleted(domain: string): void {
    this.completedJobs.delete(domain);
  }

  private complete(domain: string, slot: DomainSlot, success: boolean, error?: unknown): CompletedJob {
    const running = slot.running!;
    const job: CompletedJob = { owner: running.owner, startedAt: running.startedAt, endedAt: performance.now(), success };
    const done = success ? job : { ...job, errorMessage: error instanceof Error ? error.message : String(error) };
    this.completedJobs.delete(domain);
    this.completedJobs.set(domain, done);
    if (this.completedJobs.size > MAX_COMPLETED) this.completedJobs.delete(this.completedJobs.keys().next().value!);
    return done;
  }

  /** The job `domain` is running, if any (for `virDomainGetJobInfo`). */
  current(domain: string): RunningJob | undefined {
    return this.slots.get(domain)?.running ?? undefined;
  }

  /** Jobs running or waiting on `domain`. */
  queued(domain: string): number {
    const slot = this.slots.get(domain);
    return slot ? (slot.running ? 1 : 0) + slot.waiters.length : 0;
  }

  private wait(domain: string, slot: DomainSlot, owner: string, signal?: AbortSignal): Promise<void> {
    if (this.queued(domain) + 1 > this.limits.maxQueued) {
      return Promise.reject(
        VirError.report(ErrorNumber.OperationFailed, ErrorDomain.None, `cannot acquire state change lock${blockerOf(slot)} due to max_queued limit`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const leave = (error: VirError) => {
        clearTimeout(waiter.timer);
        signal?.removeEventListener('abort', cancelled);
        slot.waiters.splice(slot.waiters.indexOf(waiter), 1);
        waiter.fail(error);
      };
      const cancelled = () => leave(cancelledJobError(jobName(owner)));
      const waiter: Waiter = {
        owner,
        start: () => {
          signal?.removeEventListener('abort', cancelled);
          resolve();
        },
        fail: reject,
        timer: undefined,
      };
      waiter.timer = setTimeout(
        () => leave(VirError.report(ErrorNumber.OperationTimeout, ErrorDomain.None, `cannot acquire state change lock${blockerOf(slot)}`)),
        this.limits.waitMs,
      );
      waiter.timer.unref(); // a wait alone never keeps the daemon running
      signal?.addEventListener('abort', cancelled, { once: true });
      slot.waiters.push(waiter);
    });
  }

  private start(domain: string, slot: DomainSlot, owner: string): void {
    slot.running = { owner, startedAt: performance.now(), control: new JobControl(jobName(owner)) };
    this.trace?.({ kind: 'acquire', domain, owner, at: slot.running.startedAt });
  }

  /** Ends the running job and hands the domain straight to the next waiter, so no newcomer can overtake it. */
  private end(domain: string, slot: DomainSlot): void {
    const ended = slot.running!;
    slot.running = null;
    this.trace?.({ kind: 'release', domain, owner: ended.owner, at: performance.now() });
    const next = slot.waiters.shift();
    if (next === undefined) {
      this.slots.delete(domain);
      return;
    }
    clearTimeout(next.timer);
    this.start(domain, slot, next.owner);
    next.start();
  }
}
