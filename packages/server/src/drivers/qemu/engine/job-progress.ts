// Progress of running QEMU jobs, read from query-jobs on demand (current-progress/total-progress).
import type { QmpClient } from './qmp-client.js';
import type { QueryJobsEntry } from './qmp-types.js';

/** Work done and work in all, in QEMU's job progress units (bytes for block-commit and mirror). */
export interface JobProgress {
  readonly processed: number;
  readonly total: number;
}

/** Reads the current progress of the jobs now running; undefined when QEMU no longer knows them. */
export type JobProgressProbe = () => Promise<JobProgress | undefined>;

/** Told of a probe while jobs run, and of `undefined` once they ended. */
export type JobProgressHook = (probe: JobProgressProbe | undefined) => void;

/**
 * A probe summing QEMU's `current-progress` and `total-progress` over the jobs `jobIds` (those
 * query-jobs still lists). QEMU may raise total-progress as it goes (a guest writing during a
 * mirror), so a reading is a snapshot, clamped so that processed never exceeds total.
 */
export function queryJobsProbe(qmp: QmpClient, jobIds: readonly string[]): JobProgressProbe {
  const ids = new Set(jobIds);
  return async () => {
    const table = await qmp.execute<QueryJobsEntry[]>('query-jobs');
    const mine = table.filter((entry) => ids.has(entry.id));
    if (mine.length === 0) return undefined;
    let processed = 0;
    let total = 0;
    for (const entry of mine) {
      const current = Number(entry['current-progress']);
      const all = Number(entry['total-progress']);
      if (!Number.isSafeInteger(current) || !Number.isSafeInteger(all) || current < 0 || all < 0) return undefined;
      processed += current;
      total += all;
    }
    return { processed: Math.min(processed, total), total };
  };
}
