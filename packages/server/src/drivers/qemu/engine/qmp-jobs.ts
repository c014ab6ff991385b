// Runs QEMU jobs (blockdev-create, snapshot-save/load/delete, block-commit) to completion over QMP.
import { QemuJobError, QmpError, asError } from './errors.js';
import type { EventWaiter, QmpClient } from './qmp-client.js';
import type { QmpEvent, QueryJobsEntry } from './qmp-types.js';
import { queryJobsProbe, type JobProgressHook } from './job-progress.js';

/** A job-starting QMP command. `args['job-id']` must be unique among live jobs (see newJobId). */
export interface JobRequest {
  command: string;
  args: Record<string, unknown> & { 'job-id': string };
  /** For jobs that pause in "ready" (active block-commit, mirror): send job-complete when ready. */
  completeWhenReady?: boolean;
  /** Runs when the job is ready, just before job-complete (e.g. to pause the guest around a pivot). */
  beforeComplete?: () => Promise<void>;
}

/** How one job ended. `error` is QEMU's text from query-jobs (or the QMP error that refused to start it). */
export interface JobOutcome {
  jobId: string;
  type: string;
  started: boolean;
  error?: string;
}

/** Options of runJobs/runJob. */
export interface JobRunOptions {
  /** Bound on the whole run (start to dismissal). Default 60 s. */
  timeoutMs?: number;
  /** Given a probe of the jobs' query-jobs progress while they run, and `undefined` once they ended. */
  onProgress?: JobProgressHook;
}

let jobCounter = 0;

/** Returns a job id unique within this process and unlikely to clash with one a previous daemon left behind. */
export function newJobId(prefix: string): string {
  jobCounter += 1;
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${jobCounter.toString(36)}`;
}

/**
 * Starts all `jobs` (pipelined, so QEMU runs them concurrently), waits until each concluded, and
 * dismisses them. A job that went through "aborting" failed: its error text is read from
 * query-jobs (skipped when every job succeeded). Never throws for a job failure: the outcome array
 * (same order as `jobs`) carries each error. Throws only on connection loss or timeout, leaving
 * the jobs in QEMU.
 */
export async function runJobs(qmp: QmpClient, jobs: readonly JobRequest[], options: JobRunOptions = {}): Promise<JobOutcome[]> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const history = recordJobStatuses(qmp, jobs);
  const waits = jobs.map((job) => armJobWaits(qmp, job, timeoutMs));
  options.onProgress?.(
    queryJobsProbe(
      qmp,
      jobs.map((job) => job.args['job-id']),
    ),
  );
  try {
    const starts = await Promise.allSettled(jobs.map((job) => qmp.execute(job.command, job.args)));
    await Promise.all(jobs.map((job, index) => untilSettled(qmp, starts[index], waits[index])));
    const started = jobs.filter((_, index) => starts[index]?.status === 'fulfilled');
    const needTable = started.some((job) => !history.succeeded(job.args['job-id']));
    const [table] = await Promise.all([
      needTable ? qmp.execute<QueryJobsEntry[]>('query-jobs') : Promise.resolve([]),
      ...started.map((job) => qmp.execute('job-dismiss', { id: job.args['job-id'] })),
    ]);
    return jobs.map((job, index) => outcomeOf(job, starts[index], table, history));
  } finally {
    for (const wait of waits) wait.cancelAll();
    history.stop();
    options.onProgress?.(undefined);
  }
}

/** Runs one job to completion; throws QemuJobError (or the QmpError that refused it) on failure. */
export async function runJob(qmp: QmpClient, job: JobRequest, options: JobRunOptions = {}): Promise<void> {
  const [outcome] = await runJobs(qmp, [job], options);
  if (outcome?.error !== undefined) throw new QemuJobError(outcome.jobId, outcome.type, outcome.error);
}

/** Returns the outcomes that failed, as QemuJobErrors. */
export function failedJobs(outcomes: readonly JobOutcome[]): QemuJobError[] {
  return outcomes.filter((o) => o.error !== undefined).map((o) => new QemuJobError(o.jobId, o.type, o.error ?? ''));
}

async function untilSettled(qmp: QmpClient, start: PromiseSettledResult<unknown> | undefined, wait: JobWaits | undefined): Promise<void> {
  if (!start || !wait) return;
  if (start.status === 'rejected') {
    wait.cancelAll();
    throwUnlessQmpError(start.reason);
    return;
  }
  await wait.untilConcluded(qmp);
}

function outcomeOf(job: JobRequest, start: PromiseSettledResult<unknown> | undefined, table: readonly QueryJobsEntry[], history: JobStatusHistory): JobOutcome {
  const jobId = job.args['job-id'];
  if (start?.status === 'rejected') {
    const reason: unknown = start.reason;
    return { jobId, type: job.command, started: false, error: reason instanceof QmpError ? reason.desc : asError(reason).message };
  }
  if (history.succeeded(jobId)) return { jobId, type: job.command, started: true };
  const entry = table.find((row) => row.id === jobId);
  if (entry?.error === undefined) return { jobId, type: entry?.type ?? job.command, started: true };
  return { jobId, type: entry.type, started: true, error: entry.error };
}

interface JobStatusHistory {
  /** True if the job went through "pending" and never "aborting": it succeeded, no query-jobs needed. */
  succeeded(jobId: string): boolean;
  stop(): void;
}

/** Records the JOB_STATUS_CHANGE statuses of `jobs` while they run. */
function recordJobStatuses(qmp: QmpClient, jobs: readonly JobRequest[]): JobStatusHistory {
  const statuses = new Map<string, Set<string>>(jobs.map((job) => [job.args['job-id'], new Set<string>()]));
  const stop = qmp.onEvent((event) => {
    if (event.event !== 'JOB_STATUS_CHANGE') return;
    statuses.get(String(event.data?.id))?.add(String(event.data?.status));
  });
  return {
    succeeded: (jobId) => {
      const seen = statuses.get(jobId);
      return seen !== undefined && seen.has('pending') && !seen.has('aborting');
    },
    stop,
  };
}

interface JobWaits {
  untilConcluded(qmp: QmpClient): Promise<void>;
  cancelAll(): void;
}

function isJobStatus(jobId: string, statuses: readonly string[]): (event: QmpEvent) => boolean {
  return (event) => event.event === 'JOB_STATUS_CHANGE' && event.data?.id === jobId && statuses.includes(String(event.data?.status));
}

/** Arms the event waits of one job before it is started (QEMU emits status changes before the reply). */
function armJobWaits(qmp: QmpClient, job: JobRequest, timeoutMs: number): JobWaits {
  const jobId = job.args['job-id'];
  const concluded = qmp.waitForEvent(isJobStatus(jobId, ['concluded']), timeoutMs, `job ${jobId} to conclude`);
  const readyOrConcluded: EventWaiter | undefined = job.completeWhenReady
    ? qmp.waitForEvent(isJobStatus(jobId, ['ready', 'concluded']), timeoutMs, `job ${jobId} to become ready`)
    : undefined;
  return {
    async untilConcluded(client) {
      if (readyOrConcluded) {
        const event = await readyOrConcluded.promise;
        if (event.data?.status === 'ready') {
          await job.beforeComplete?.();
          await client.execute('job-complete', { id: jobId });
        }
      }
      await concluded.promise;
    },
    cancelAll() {
      concluded.cancel();
      readyOrConcluded?.cancel();
    },
  };
}

function throwUnlessQmpError(reason: unknown): void {
  if (!(reason instanceof QmpError)) throw reason;
}
