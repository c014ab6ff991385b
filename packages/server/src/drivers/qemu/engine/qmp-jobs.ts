// Runs QEMU jobs (blockdev-create, snapshot-save/load/delete, block-commit) to completion over QMP.
import { QemuJobError, QmpError, asError } from './errors.js';
import type { EventWaiter, QmpClient } from './qmp-client.js';
import type { QmpEvent, QueryJobsEntry } from './qmp-types.js';

/** A job-starting QMP command. `args['job-id']` must be unique among live jobs (see newJobId). */
export interface JobRequest {
  command: string;
  args: Record<string, unknown> & { 'job-id': string };
  /** For jobs that pause in "ready" (active block-commit, mirror): send job-complete when ready. */
  completeWhenReady?: boolean;
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
}

let jobCounter = 0;

/** Returns a job id unique within this process and unlikely to clash with one a previous daemon left behind. */
export function newJobId(prefix: string): string {
  jobCounter += 1;
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${jobCounter.toString(36)}`;
}

/**
 * Starts all `jobs` (pipelined, so QEMU runs them concurrently), waits until each concluded,
 * reads their errors from one query-jobs, and dismisses them. Never throws for a job failure:
 * the outcome array (same order as `jobs`) carries each error. Throws only on connection loss or timeout.
 */
export async function runJobs(qmp: QmpClient, jobs: readonly JobRequest[], options: JobRunOptions = {}): Promise<JobOutcome[]> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const waits = jobs.map((job) => armJobWaits(qmp, job, timeoutMs));
  const starts = await Promise.allSettled(jobs.map((job) => qmp.execute(job.command, job.args)));
  const outcomes: JobOutcome[] = [];
  try {
    await Promise.all(
      jobs.map(async (job, index) => {
        const start = starts[index];
        const wait = waits[index];
        if (!start || !wait) return;
        if (start.status === 'rejected') {
          wait.cancelAll();
          throwUnlessQmpError(start.reason);
          return;
        }
        await wait.untilConcluded(qmp);
      }),
    );
  } catch (error) {
    for (const wait of waits) wait.cancelAll();
    throw error;
  }
  const table = await qmp.execute<QueryJobsEntry[]>('query-jobs');
  const started = jobs.filter((_, index) => starts[index]?.status === 'fulfilled');
  await Promise.all(started.map((job) => qmp.execute('job-dismiss', { id: job.args['job-id'] })));
  jobs.forEach((job, index) => {
    const jobId = job.args['job-id'];
    const start = starts[index];
    if (start?.status === 'rejected') {
      outcomes.push({ jobId, type: job.command, started: false, error: asError(start.reason instanceof QmpError ? start.reason.desc : start.reason).message });
      return;
    }
    const entry = table.find((row) => row.id === jobId);
    outcomes.push(entry?.error === undefined ? { jobId, type: entry?.type ?? job.command, started: true } : { jobId, type: entry.type, started: true, error: entry.error });
  });
  return outcomes;
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
        if (event.data?.status === 'ready') await client.execute('job-complete', { id: jobId });
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
