// Runs the disk steps of deletes and reverts; every step is idempotent, so recovery replays a committed change's steps.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fsyncDirectory } from '../../state/durable-file.js';
import { dirname } from 'node:path';
import {
  commitActiveLayerLive,
  commitOverlayOffline,
  createImageInReservedFile,
  deleteLiveCheckpoint,
  deleteOfflineInternalSnapshot,
  deleteSnapshot,
  hasStreamMagic,
  listSnapshots,
  loadLiveCheckpoint,
  readLiveDisks,
  reserveFile,
  revertOfflineInternalSnapshot,
  type OperationResult,
  type QmpClient,
  type QueryJobsEntry,
  type ReservedFile,
} from './engine/index.js';
import { operationError } from './vir-error-from-engine.js';
import { SNAPSHOT_JOBS, waitForQemuJobs } from './guest-monitor.js';
import { deleteNodesOfImages, nodesOfImage } from './image-nodes.js';
import { reservedAt } from './intent-files.js';
import { restoreNvram } from './snapshot-nvram.js';
import type { Failpoints } from './failpoints.js';
import type { DiskStep, IntentFiles } from './qemu-intent.js';
import type { JobProgressHook, QemuImgSettings } from './engine/index.js';

/** A step that failed: whether everything it did was undone (then the change may simply be dropped). */
export class StepError extends Error {
  constructor(
    readonly error: VirError,
    readonly rolledBack: boolean,
  ) {
    super(error.message);
  }
}

/** What steps run against: the guest's QMP connection while it runs, qemu-img otherwise. */
export interface StepContext {
  qmp: QmpClient | undefined;
  qemuImg: QemuImgSettings;
  failpoints: Failpoints;
  /** Failpoint prefix, e.g. `qemu.snapshot-delete`. */
  operation: string;
  /** The files the change creates, with the identities recorded so far. */
  files: IntentFiles;
  recordFiles(files: readonly ReservedFile[]): void;
  /** Around a live merge's pivot: what was already pivoted, and what to do just before and after one. */
  pivot: PivotGuard;
  /** Told how to read a running QEMU job's progress (the domain job's virDomainGetJobStats figures). */
  onJobProgress?: JobProgressHook;
}

/**
 * Keeps a live merge safe to replay: before the pivot the guest is paused (and that it must be
 * resumed is recorded), after it the pivot is recorded; so a replay never merges the overlay again
 * into a base the guest has written to since (which would bring back older data).
 */
export interface PivotGuard {
  done(target: string): boolean;
  before(target: string): Promise<void>;
  after(target: string): void;
}

const failed = (detail: string) => VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Qemu, detail);

function check(result: OperationResult, action: string, target: string, overlay?: string): void {
  if (result.ok) return;
  const error = operationError(result, action, [{ target, ...(overlay === undefined ? {} : { overlayPath: overlay, source: overlay }) }]);
  throw new StepError(error, result.rolledBack && result.disks.every((d) => d.outcome !== 'done'));
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(
    () => true,
    () => false,
  );
}

/** The engine option that reports a QEMU job's progress to the domain job, when one runs the change. */
const progressOf = (context: StepContext) => (context.onJobProgress ? { onJobProgress: context.onJobProgress } : {});

/** Runs one step; a step that already happened does nothing. */
export async function runStep(context: StepContext, step: DiskStep): Promise<void> {
  switch (step.type) {
    case 'commit':
      return context.qmp ? commitLive(context, context.qmp, step) : commitOffline(context, step);
    case 'delete-tag': {
      if (context.qmp) await waitForQemuJobs(context.qmp, SNAPSHOT_JOBS); // a job an earlier daemon started finishes first
      const result = context.qmp
        ? await deleteLiveCheckpoint(context.qmp, step.tag, { failpoint: context.failpoints.engineHook(context.operation), ...progressOf(context) })
        : await deleteOfflineInternalSnapshot(await existing(step.disks), step.tag, {
            qemuImg: context.qemuImg,
            failpoint: context.failpoints.engineHook(context.operation),
          });
      check(result, `unable to delete internal snapshot '${step.tag}'`, step.disks[0]?.target ?? '');
      return;
    }
    case 'apply-tag': {
      const disks = step.disks.map((d) => ({ ...d, format: 'qcow2' as const }));
      for (const disk of disks) await removeSafetyTags(disk.path, context.qemuImg);
      const result = await revertOfflineInternalSnapshot(disks, step.tag, {
        qemuImg: context.qemuImg,
        failpoint: context.failpoints.engineHook(context.operation),
      });
      check(result, `unable to revert to internal snapshot '${step.tag}'`, step.disks[0]?.target ?? '');
      return;
    }
    case 'load-checkpoint': {
      if (!context.qmp) throw new StepError(failed('the domain must run to load a checkpoint'), true);
      await waitForQemuJobs(context.qmp, SNAPSHOT_JOBS);
      const result = await loadLiveCheckpoint(context.qmp, step.tag, { failpoint: context.failpoints.engineHook(context.operation), ...progressOf(context) });
      check(result, `unable to load checkpoint '${step.tag}'`, '');
      return;
    }
    case 'create-overlay':
      return createOverlay(context, step);
    case 'unlink':
      await unlinkImage(context, step.path);
      context.failpoints.reach(`${context.operation}.removed.${step.target}`);
      return;
    case 'remove-memory':
      await removeMemoryFile(step.path);
      context.failpoints.reach(`${context.operation}.memory-removed`);
      return;
    case 'restore-nvram':
      restoreNvram(step.from, step.to);
      context.failpoints.reach(`${context.operation}.nvram-restored`);
      return;
  }
}

async function existing(disks: ReadonlyArray<{ target: string; path: string }>) {
  const present = [];
  for (const disk of disks) if (await exists(disk.path)) present.push({ ...disk, format: 'qcow2' as const });
  return present;
}

/** Removes the temporary safety snapshots an interrupted all-or-nothing revert left (`vw-pre-revert-*`). */
async function removeSafetyTags(path: string, qemuImg: QemuImgSettings): Promise<void> {
  for (const snapshot of await listSnapshots(path, { format: 'qcow2' }, qemuImg)) {
    if (snapshot.name.startsWith('vw-pre-revert-')) await deleteSnapshot(path, snapshot.name, qemuImg);
  }
}

/**
 * Merges the active overlay into its base while the guest runs (active block-commit and pivot,
 * the guest paused around the pivot). Already pivoted: only leftover nodes are removed. A commit
 * job an earlier daemon left behind is cancelled first (the overlay still holds everything), then
 * the merge starts over.
 */
async function commitLive(context: StepContext, qmp: QmpClient, step: Extract<DiskStep, { type: 'commit' }>): Promise<void> {
  const disk = (await readLiveDisks(qmp)).get(step.target);
  if (disk?.file === step.overlay && !context.pivot.done(step.target)) {
    await clearCommitJobs(qmp, step.target);
    const result = await commitActiveLayerLive(
      qmp,
      { target: step.target },
      {
        failpoint: context.failpoints.engineHook(context.operation, step.target),
        beforePivot: () => context.pivot.before(step.target),
        ...progressOf(context),
      },
    );
    check(result, 'unable to merge overlay', step.target, step.overlay);
    context.pivot.after(step.target);
  } else if (disk?.file !== step.base.path) {
    throw new StepError(
      failed(`disk '${step.target}' uses '${disk?.file ?? 'nothing'}', neither the overlay '${step.overlay}' nor its base '${step.base.path}'`),
      false,
    );
  }
  await clearCommitJobs(qmp, step.target);
  await deleteNodesOfImages(qmp, new Set([step.overlay])).catch(() => undefined);
  context.failpoints.reach(`${context.operation}.merged.${step.target}`);
}

/**
 * Offline merge with `qemu-img commit`; replaying it after a crash writes the same data again,
 * except after a live pivot (QEMU died since): then the base is already the newer image.
 */
async function commitOffline(context: StepContext, step: Extract<DiskStep, { type: 'commit' }>): Promise<void> {
  if (!context.pivot.done(step.target) && (await exists(step.overlay))) {
    const result = await commitOverlayOffline(step.target, step.overlay, {
      format: 'qcow2',
      qemuImg: context.qemuImg,
      failpoint: context.failpoints.engineHook(context.operation, step.target),
      ...progressOf(context),
    });
    check(result, 'unable to merge overlay', step.target, step.overlay);
  }
  context.failpoints.reach(`${context.operation}.merged.${step.target}`);
}

/** Cancels (without pivot) or dismisses commit jobs of `target` left from an interrupted merge. */
async function clearCommitJobs(qmp: QmpClient, target: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const jobs = (await qmp.execute<QueryJobsEntry[]>('query-jobs')).filter((j) => j.id.startsWith(`vw-${target}-commit`));
    if (jobs.length === 0) return;
    for (const job of jobs) {
      if (job.status === 'concluded') await qmp.execute('job-dismiss', { id: job.id }).catch(() => undefined);
      else if (job.status === 'ready' || job.status === 'running' || job.status === 'paused')
        await qmp.execute('block-job-cancel', { device: job.id, force: true }).catch(() => undefined);
      else if (job.status === 'pending') await qmp.execute('job-finalize', { id: job.id }).catch(() => undefined);
    }
    if (Date.now() > deadline) throw new StepError(failed(`block jobs of disk '${target}' do not finish`), false);
    await sleep(5);
  }
}

/**
 * Writes a fresh overlay on `base` into the file the change reserved (and recorded) at
 * `step.overlay` before it committed. Until the change's state files are written no guest has
 * opened that file, so a replay simply writes it again, whatever an interrupted attempt left in it.
 * A reserved file that disappeared is reserved again; a file there that is not ours is never touched.
 */
async function createOverlay(context: StepContext, step: Extract<DiskStep, { type: 'create-overlay' }>): Promise<void> {
  let file = reservedAt(context.files, step.overlay);
  try {
    if (!file || !(await exists(step.overlay))) {
      file = await reserveFile(step.overlay);
      context.recordFiles([file]);
    }
    await createImageInReservedFile(file, { format: 'qcow2', backingFile: step.base.path, backingFormat: step.base.format }, context.qemuImg);
  } catch (error) {
    throw new StepError(failed(`unable to create overlay '${step.overlay}' for disk '${step.target}': ${(error as Error).message}`), false);
  }
  context.failpoints.reach(`${context.operation}.overlay-written.${step.target}`);
}

/** The first bytes of every qcow2 image (`QFI\xfb`). */
const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);

/**
 * Removes an image the new state no longer uses: only a regular qcow2 file (an overlay; paths
 * come from client-supplied XML, so nothing else is ever unlinked here), and never one the running
 * guest still has open.
 */
async function unlinkImage(context: StepContext, path: string): Promise<void> {
  if (context.qmp && (await nodesOfImage(context.qmp, new Set([path]))).length > 0) return;
  try {
    const stat = await fs.lstat(path);
    if (!stat.isFile()) return;
    const handle = await fs.open(path, 'r');
    const head = Buffer.alloc(4);
    try {
      await handle.read(head, 0, 4, 0);
    } finally {
      await handle.close();
    }
    if (!head.equals(QCOW2_MAGIC)) return;
    await fs.unlink(path);
    fsyncDirectory(dirname(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Removes a deleted snapshot's memory file: only a regular file that holds a migration stream
 * (the path comes from snapshot XML, so nothing else is ever unlinked here). Idempotent.
 */
async function removeMemoryFile(path: string): Promise<void> {
  const stat = await fs.lstat(path).catch(() => undefined);
  if (!stat?.isFile() || !(await hasStreamMagic(path).catch(() => false))) return;
  await fs.unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  fsyncDirectory(dirname(path));
}
