// Progress of running QEMU jobs, read from query-jobs on demand (current-progress/total-progress).
import type { QmpClient } from './qmp-client.js';
import type { QueryJobsEntry } from './qmp-types.js';

/** Bytes done and bytes in all of the running jobs: of the disks (block jobs), or of guest memory (a migration stream). */
export interface JobProgress {
  readonly processed: number;
  readonly total: number;
  /** `memory`: the bytes are guest RAM (libvirt reports them as memory_* as well as data_*). */
  readonly of?: 'memory';
}

/** Reads the current progress of the jobs now running; undefined when QEMU no longer lists them or they count no bytes. */
export type JobProgressProbe = () => Promise<JobProgress | undefined>;

/** Told of a probe while jobs run, and of `undefined` once they ended. */
export type JobProgressHook = (probe: JobProgressProbe | undefined) => void;

/** Longest a progress reading waits for QEMU: a stats call never waits on a busy monitor for long. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * The query-jobs types whose progress counts bytes (block jobs). QEMU's `create`, `amend` and
 * `snapshot-save/load/delete` jobs count one unit (0 of 1, then 1 of 1), not bytes: their
 * figures say nothing of the data and are not reported.
 */
const BYTE_JOB_TYPES: ReadonlySet<string> = new Set(['commit', 'mirror', 'stream', 'backup']);

/**
 * A probe summing QEMU's `current-progress` and `total-progress` over those of the jobs `jobIds`
 * that count bytes and query-jobs still lists. QEMU may raise total-progress as it goes (a guest
 * writing during a mirror), so a reading is a snapshot, clamped so that processed never exceeds total.
 */
export function queryJobsProbe(qmp: QmpClient, jobIds: readonly string[]): JobProgressProbe {
  const ids = new Set(jobIds);
  return async () => {
    const table = await qmp.execute<QueryJobsEntry[]>('query-jobs', undefined, { timeoutMs: PROBE_TIMEOUT_MS });
    const mine = table.filter((entry) => ids.has(entry.id) && BYTE_JOB_TYPES.has(entry.type));
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

/**
 * A probe of an outgoing migration's RAM figures (`query-migrate`'s `ram`): processed is what no
 * longer remains to send (pages a running guest dirties again are sent again, so `transferred`
 * can exceed the total; `remaining` cannot).
 */
export function migrationProbe(qmp: QmpClient): JobProgressProbe {
  return async () => {
    const status = await qmp.execute<{ ram?: { total?: number; remaining?: number } }>('query-migrate', undefined, { timeoutMs: PROBE_TIMEOUT_MS });
    const total = Number(status.ram?.total);
    const remaining = Number(status.ram?.remaining);
    if (!Number.isSafeInteger(total) || !Number.isSafeInteger(remaining) || total <= 0 || remaining < 0) return undefined;
    return { processed: Math.max(0, total - Math.min(remaining, total)), total, of: 'memory' };
  };
}
