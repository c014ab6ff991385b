// The guest's monitor while its QEMU runs, and the QEMU jobs of ours in it: waited for, or ended after a crash.
import { setTimeout as sleep } from 'node:timers/promises';
import type { QmpClient, QueryJobsEntry } from './engine/index.js';
import type { QemuDomain } from './qemu-domain.js';

/** Ids of our snapshot-save/-load/-delete jobs (QEMU runs one of them at a time). */
export const SNAPSHOT_JOBS = /^vw-(save|load|del)-/;

/** Ids of the jobs a snapshot create starts: snapshot-save, and blockdev-create per overlay. */
export const CREATE_JOBS = /^vw-save-|^vw-\w+-create-/;

/** The guest's monitor, while its QEMU runs. */
export function liveMonitor(domain: QemuDomain | undefined): QmpClient | undefined {
  const qmp = domain?.guest?.qmp;
  return qmp && !qmp.isClosed ? qmp : undefined;
}

/** Waits (bounded) until QEMU jobs whose id starts with `prefix` (or matches it) concluded, and dismisses them. */
export async function waitForQemuJobs(qmp: QmpClient, prefix: string | RegExp): Promise<void> {
  const deadline = Date.now() + 60_000;
  const ours = (id: string) => (typeof prefix === 'string' ? id.startsWith(prefix) : prefix.test(id));
  for (;;) {
    const jobs = (await qmp.execute<QueryJobsEntry[]>('query-jobs')).filter((j) => ours(j.id));
    const running = jobs.filter((j) => j.status !== 'concluded' && j.status !== 'null');
    for (const job of jobs.filter((j) => j.status === 'concluded')) await qmp.execute('job-dismiss', { id: job.id }).catch(() => undefined);
    if (running.length === 0) return;
    if (Date.now() > deadline) throw new Error(`QEMU jobs ${running.map((j) => j.id).join(', ')} do not finish`);
    await sleep(5);
  }
}

/**
 * Ends every QEMU job an earlier daemon started (ids `vw-...`) and nobody will finish now that
 * every intent is recovered: running ones are cancelled (a block-commit without pivot, so its
 * overlay keeps everything), then every concluded one is dismissed. Bounded in time.
 */
export async function endLeftoverQemuJobs(qmp: QmpClient): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const jobs = (await qmp.execute<QueryJobsEntry[]>('query-jobs')).filter((j) => j.id.startsWith('vw-'));
    if (jobs.length === 0) return;
    for (const job of jobs) {
      if (job.status === 'concluded' || job.status === 'null') await qmp.execute('job-dismiss', { id: job.id }).catch(() => undefined);
      else if (job.status === 'pending') await qmp.execute('job-finalize', { id: job.id }).catch(() => undefined);
      else if (job.type === 'commit' || job.type === 'mirror' || job.type === 'stream')
        await qmp.execute('block-job-cancel', { device: job.id, force: true }).catch(() => undefined);
      else if (job.status !== 'aborting') await qmp.execute('job-cancel', { id: job.id }).catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`QEMU jobs ${jobs.map((j) => j.id).join(', ')} do not end`);
    await sleep(5);
  }
}
