// Recovery of a snapshot create: forward once its disks switched (QEMU's block graph, or the images when QEMU is gone), back otherwise; every disk or none.
import { reloadDomain } from './domain-loader.js';
import { checkImage, deleteLiveCheckpoint, deleteSnapshot, imageInfo, listSnapshots, readLiveDisks, type QmpClient } from './engine/index.js';
import { CREATE_JOBS, liveMonitor, waitForQemuJobs } from './guest-monitor.js';
import { stopGuest } from './guest-lifecycle.js';
import { deleteNodesOfImages } from './image-nodes.js';
import { repairImages } from './image-repair.js';
import { rollBackFiles } from './intent-files.js';
import { thawQuietly } from './guest-agent.js';
import { endLeftoverMigration, resumeAfterMemory } from './snapshot-memory.js';
import type { RecoveryOutcome } from './intent-recovery.js';
import type { CreateIntent, Intent } from './qemu-intent.js';
import { Reason, type QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';

/**
 * A create is rolled forward once its commit point passed: the record says `committed` (offline
 * kinds), or the disks switched (live kinds: QEMU's block graph while QEMU runs; once QEMU is gone,
 * the images themselves). Otherwise every trace of it is removed. Either way all disks end alike.
 */
export async function recoverCreate(host: QemuHost, domain: QemuDomain | undefined, intent: Intent<CreateIntent>): Promise<RecoveryOutcome> {
  const payload = intent.payload;
  // a quiesced create may have left the guest frozen: thawed whatever the outcome (a no-op when it is not frozen)
  if (payload.quiesce && domain?.guest) await thawQuietly(domain);
  const qmp = liveMonitor(domain);
  // a memory create's migration a dead daemon started is cancelled first (its stream went nowhere)
  if (payload.memory) await endLeftoverMigration(host, domain, qmp, payload.memory);
  const forward = intent.phase !== 'prepared' || (await createHappened(host, payload, qmp));
  if (!forward) {
    await rollBackCreate(host, payload, qmp);
    // a guest the create stopped for its memory runs again, as before the create (libvirt: RUNNING_SAVE_CANCELED)
    if (payload.memory) await resumeAfterMemory(host, domain, payload.memory, false, Reason.RunningSaveCanceled);
    return 'rolled-back';
  }
  if (payload.memory) await resumeAfterMemory(host, domain, payload.memory, payload.halt);
  if (intent.phase === 'prepared') intent.advance('committed');
  if (!qmp)
    await expectClean(
      host,
      payload.disks.map((d) => d.image.path),
    );
  await intent.applyState(domain);
  if (domain) reloadDomain(host, domain);
  if (payload.halt && domain?.active) await stopGuest(host, domain, Reason.ShutoffFromSnapshot);
  return 'rolled-forward';
}

/** Whether a prepared live create's disk change took place (offline kinds commit through the record only). */
async function createHappened(host: QemuHost, payload: CreateIntent, qmp: QmpClient | undefined): Promise<boolean> {
  // the disks switch only after the memory file is complete and flushed (journaled as `saved`)
  if (payload.memory && !payload.memory.saved) return false;
  switch (payload.createKind) {
    case 'offline-external':
    case 'offline-internal':
      return false;
    case 'live-external': {
      // its state files are journaled before the transaction is sent: without them it never was
      if (payload.change === undefined) return false;
      if (qmp) {
        const disks = await readLiveDisks(qmp);
        return payload.disks.every((d) => disks.get(d.target)?.file === d.overlay);
      }
      // QEMU is gone: whether its transaction ran is unknown, and the guest may have written into the
      // overlays since. Complete overlays on every disk are kept (no write is lost); otherwise the
      // transaction cannot have run (QEMU switches only to overlays it opened), and all go.
      for (const disk of payload.disks) if (!(await isCompleteOverlay(host, disk.overlay!, disk.image.path))) return false;
      return true;
    }
    case 'live-internal-disk':
    case 'live-checkpoint': {
      if (qmp) {
        await waitForQemuJobs(qmp, CREATE_JOBS);
        const disks = await readLiveDisks(qmp);
        return payload.disks.every((d) => disks.get(d.target)?.snapshots.some((s) => s.name === payload.tag));
      }
      for (const disk of payload.disks) if (!(await hasTag(host, disk.image.path, payload.tag!))) return false;
      return true;
    }
  }
}

/** A qcow2 overlay of `base` that qemu-img reads and finds clean (a half-formatted one is not). */
async function isCompleteOverlay(host: QemuHost, overlay: string, base: string): Promise<boolean> {
  const { qemuImg } = host.services;
  const info = await imageInfo(overlay, { format: 'qcow2', shareLocks: true }, qemuImg).catch(() => undefined);
  if ((info?.['full-backing-filename'] ?? info?.['backing-filename']) !== base) return false;
  const check = await checkImage(overlay, { format: 'qcow2', shareLocks: true }, qemuImg).catch(() => undefined);
  return check !== undefined && check['check-errors'] === 0 && (check.corruptions ?? 0) === 0;
}

async function hasTag(host: QemuHost, image: string, tag: string): Promise<boolean> {
  return (await listSnapshots(image, { format: 'qcow2', shareLocks: true }, host.services.qemuImg)).some((s) => s.name === tag);
}

/**
 * Undoes whatever part of a create happened: an internal tag is removed from every disk that got
 * it (through QEMU while it runs, with qemu-img otherwise, then verified absent everywhere);
 * added nodes are deleted; created files are unlinked by identity.
 */
async function rollBackCreate(host: QemuHost, payload: CreateIntent, qmp: QmpClient | undefined): Promise<void> {
  const { qemuImg } = host.services;
  const images = payload.disks.map((d) => d.image.path);
  if (payload.tag !== undefined) {
    const tag = payload.tag;
    if (qmp) {
      await waitForQemuJobs(qmp, CREATE_JOBS);
      const result = await deleteLiveCheckpoint(qmp, tag);
      if (!result.ok) throw result.error;
      const left = [...(await readLiveDisks(qmp)).values()].filter((d) => d.snapshots.some((s) => s.name === tag));
      if (left.length > 0) throw new Error(`snapshot tag '${tag}' is still on disks ${left.map((d) => d.target).join(', ')}`);
    } else {
      for (const image of images) if (await hasTag(host, image, tag)) await deleteSnapshot(image, tag, qemuImg);
      await expectClean(host, images);
      const left = [];
      for (const image of images) if (await hasTag(host, image, tag)) left.push(image);
      if (left.length > 0) throw new Error(`snapshot tag '${tag}' is still on ${left.join(', ')}`);
    }
    await rollBackFiles(payload.files); // the NVRAM copy, if the create made one
    return;
  }
  if (qmp) {
    await waitForQemuJobs(qmp, CREATE_JOBS);
    await deleteNodesOfImages(qmp, new Set(payload.disks.flatMap((d) => (d.overlay ? [d.overlay] : []))));
  }
  await rollBackFiles(payload.files);
}

/** Repairs what a dead QEMU left in `images`; throws when one stays unclean (the intent is then retried). */
async function expectClean(host: QemuHost, images: readonly string[]): Promise<void> {
  const problems = await repairImages(host, images);
  if (problems.length > 0) throw new Error(`images not clean: ${problems.join('; ')}`);
}
