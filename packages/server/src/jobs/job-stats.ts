// The answer to virDomainGetJobStats and the JOB_COMPLETED event's fields, built from the daemon's job table.
import { DomainJobField as Field, DomainJobOperation, DomainJobType, isMethodName, methods, type MethodSpec } from '@virtwire/protocol';
import type { CompletedJob, RunningJob } from './domain-jobs.js';
import type { JobProgress } from './job-control.js';

/** Typed job statistics by libvirt's field name. */
export type JobStatsFields = Record<string, number | boolean | string>;

/** The operations of libvirt's snapshot jobs (create, revert, delete): their abort message says `snapshot job`, and they end with JOB_COMPLETED. */
export const SNAPSHOT_JOB_OPERATIONS: ReadonlySet<number> = new Set([
  DomainJobOperation.Snapshot,
  DomainJobOperation.SnapshotRevert,
  DomainJobOperation.SnapshotDelete,
]);

/** The `virDomainJobOperation` of a job: what the method that owns it declares (`jobOperation`), else UNKNOWN. */
export function jobOperation(owner: string): number {
  return (isMethodName(owner) ? (methods[owner] as MethodSpec).jobOperation : undefined) ?? DomainJobOperation.Unknown;
}

/** The fields of a completed job: operation, whole ms it took, success, and the error's message when it failed. */
export function completedJobFields(job: CompletedJob): JobStatsFields {
  const fields: JobStatsFields = {
    [Field.Operation]: jobOperation(job.owner),
    [Field.TimeElapsed]: Math.max(0, Math.floor(job.endedAt - job.startedAt)),
    [Field.Success]: job.success,
  };
  if (!job.success && job.errorMessage !== undefined) fields[Field.ErrorMessage] = job.errorMessage.slice(0, 1024);
  return fields;
}

/**
 * `virDomainGetJobStats`: the running job (UNBOUNDED: its operation, the ms elapsed, and
 * `data_processed`/`data_remaining`/`data_total` when its current step knows its `progress`) or
 * NONE without fields; with `completed`, the last completed job (COMPLETED or FAILED) or NONE
 * when none is remembered.
 */
export function domainJobStats(
  running: RunningJob | undefined,
  completed: CompletedJob | undefined,
  wantCompleted: boolean,
  now = performance.now(),
  progress?: JobProgress,
): { type: number; params: JobStatsFields } {
  if (wantCompleted) {
    if (!completed) return { type: DomainJobType.None, params: {} };
    return { type: completed.success ? DomainJobType.Completed : DomainJobType.Failed, params: completedJobFields(completed) };
  }
  if (!running) return { type: DomainJobType.None, params: {} };
  const params: JobStatsFields = { [Field.Operation]: jobOperation(running.owner), [Field.TimeElapsed]: Math.max(0, Math.floor(now - running.startedAt)) };
  if (progress) {
    params[Field.DataTotal] = progress.total;
    params[Field.DataProcessed] = progress.processed;
    params[Field.DataRemaining] = progress.total - progress.processed;
    // a memory stream's bytes are guest RAM: libvirt reports them as memory_* too
    if (progress.of === 'memory') {
      params[Field.MemoryTotal] = progress.total;
      params[Field.MemoryProcessed] = progress.processed;
      params[Field.MemoryRemaining] = progress.total - progress.processed;
    }
  }
  return { type: DomainJobType.Unbounded, params };
}
