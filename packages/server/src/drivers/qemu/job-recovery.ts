// Start-up recovery: every job a crash interrupted is rolled forward (its disks switched) or back (nothing of it remains).
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopDomain } from './domain-lifecycle.js';
import {
  deleteLiveCheckpoint,
  deleteSnapshot,
  imageInfo,
  listSnapshots,
  readLiveDisks,
  unlinkReservedFile,
  type QmpClient,
  type QueryJobsEntry,
} from './engine/index.js';
import { completeForwardJob } from './forward-job.js';
import { deleteNodesOfImages } from './image-nodes.js';
import { reloadDomain } from './domain-loader.js';
import { JobHandle, type CreateJob, type ForwardJob, type QemuJobRecord } from './qemu-job.js';
import { Reason, type QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';

/**
 * Recovers every unfinished job, oldest first, before the daemon accepts connections. A job whose
 * recovery fails keeps its record (it is retried at the next start) and is logged; the daemon still starts.
 */
export async function recoverJobs(host: QemuHost): Promise<void> {
  const { journal, failpoints, log } = host.services;
  for (const record of journal.pending() as QemuJobRecord[]) {
    const domain = host.findByUuid(record.domainUuid);
    try {
      if (record.payload.operation === 'snapshot-create') {
        await recoverCreate(host, domain, JobHandle.resume(journal, failpoints, record as QemuJobRecord & { payload: CreateJob }));
      } else {
        await recoverForward(host, domain, JobHandle.resume(journal, failpoints, record as QemuJobRecord & { payload: ForwardJob }));
      }
      if (domain) reloadDomain(host, domain);
      log.info({ job: record.id, operation: record.payload.operation, snapshot: record.payload.snapshotName }, 'recovered an interrupted job');
    } catch (error) {
      log.error({ job: record.id, err: error }, 'recovering an interrupted job failed; its record is kept');
    }
  }
}

/** A create is rolled forward once its disks switched (QEMU's block graph, or the images themselves), back otherwise. */
async function recoverCreate(host: QemuHost, domain: QemuDomain | undefined, handle: JobHandle<CreateJob>): Promise<void> {
  const job = handle.job;
  const qmp = domain?.guest?.qmp;
  const forward = handle.record.phase === 'committed' || (await createHappened(host, job, qmp));
  if (!forward) {
    await rollBackCreate(host, job, qmp);
    handle.finish();
    return;
  }
  if (handle.record.phase !== 'committed') handle.commit();
  await handle.applyState();
  if (domain) reloadDomain(host, domain);
  if (job.halt && domain?.active) await stopDomain(host, domain, Reason.ShutoffFromSnapshot);
  handle.finish();
}

/** Whether a prepared create's disk change took place. */
async function createHappened(host: QemuHost, job: CreateJob, qmp: QmpClient | undefined): Promise<boolean> {
  switch (job.kind) {
    case 'offline-external':
    case 'offline-internal':
      return false; // the commit point is the journal: not reached
    case 'live-external': {
      if (qmp) {
        const disks = await readLiveDisks(qmp);
        return job.disks.every((d) => disks.get(d.target)?.file === d.overlay);
      }
      // QEMU is gone too: keep the snapshot if every overlay is complete (no guest write is lost either way)
      for (const disk of job.disks) {
        const info = await imageInfo(disk.overlay!, { format: 'qcow2' }, host.services.qemuImg).catch(() => undefined);
        if ((info?.['full-backing-filename'] ?? info?.['backing-filename']) !== disk.image.path) return false;
      }
      return true;
    }
    case 'live-internal-disk':
    case 'live-checkpoint': {
      if (qmp) {
        await waitForJobs(qmp, 'vw-save');
        const disks = await readLiveDisks(qmp);
        return job.disks.every((d) => disks.get(d.target)?.snapshots.some((s) => s.name === job.tag));
      }
      for (const disk of job.disks) {
        const tags = await listSnapshots(disk.image.path, { format: 'qcow2' }, host.services.qemuImg);
        if (!tags.some((s) => s.name === job.tag)) return false;
      }
      return true;
    }
  }
}

/** Undoes whatever part of a create happened: added nodes, created files (by identity), internal tags. */
async function rollBackCreate(host: QemuHost, job: CreateJob, qmp: QmpClient | undefined): Promise<void> {
  const { qemuImg } = host.services;
  if (job.tag !== undefined) {
    if (qmp) {
      await waitForJobs(qmp, 'vw-save');
      const result = await deleteLiveCheckpoint(qmp, job.tag);
      if (!result.ok) throw result.error;
    } else {
      for (const disk of job.disks) {
        const tags = await listSnapshots(disk.image.path, { format: 'qcow2' }, qemuImg);
        if (tags.some((s) => s.name === job.tag)) await deleteSnapshot(disk.image.path, job.tag, qemuImg);
      }
    }
    return;
  }
  if (qmp) {
    await waitForJobs(qmp, 'vw-');
    await deleteNodesOfImages(qmp, new Set(job.disks.flatMap((d) => (d.overlay ? [d.overlay] : []))));
  }
  for (const file of job.reserved) await unlinkReservedFile(file);
  const recorded = new Set(job.reserved.map((f) => f.path));
  for (const path of job.planned) if (!recorded.has(path)) await unlinkUnrecordedReservation(path);
}

/**
 * A file the job planned whose identity was not journaled yet (the crash came between creating it
 * and recording it): removed only while it still looks exactly like a fresh reservation (empty,
 * 0600, ours, a regular file), since a non-empty file there cannot be ours.
 */
async function unlinkUnrecordedReservation(path: string): Promise<void> {
  const stat = await fs.lstat(path).catch(() => undefined);
  if (!stat?.isFile() || stat.size !== 0 || (stat.mode & 0o777) !== 0o600 || stat.uid !== process.getuid?.()) return;
  await fs.unlink(path);
}

/** Waits (bounded) until QEMU jobs whose id starts with `prefix` concluded, and dismisses them. */
async function waitForJobs(qmp: QmpClient, prefix: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const jobs = (await qmp.execute<QueryJobsEntry[]>('query-jobs')).filter((j) => j.id.startsWith(prefix));
    const running = jobs.filter((j) => j.status !== 'concluded' && j.status !== 'null');
    for (const job of jobs.filter((j) => j.status === 'concluded')) await qmp.execute('job-dismiss', { id: job.id }).catch(() => undefined);
    if (running.length === 0) return;
    if (Date.now() > deadline) throw new Error(`QEMU jobs ${running.map((j) => j.id).join(', ')} do not finish`);
    await sleep(5);
  }
}

/** A delete or revert: prepared means nothing happened; committed is completed from its first step. */
async function recoverForward(host: QemuHost, domain: QemuDomain | undefined, handle: JobHandle<ForwardJob>): Promise<void> {
  if (handle.record.phase !== 'committed') {
    handle.finish();
    return;
  }
  if (!domain) {
    await handle.applyState();
    handle.finish();
    return;
  }
  await completeForwardJob(host, domain, handle, { onStateApplied: () => reloadDomain(host, domain) });
}
