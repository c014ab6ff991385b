// Internal snapshots of a live guest: atomic disk-only transaction, and snapshot-save/load/delete jobs with VM state.
import { EngineError, PreconditionError, QmpError, asError } from './errors.js';
import { readLiveDisks } from './block-graph.js';
import type { LiveDisk } from './block-graph.js';
import { jobRunOptions, reachStep, reportAll } from './operation-result.js';
import type { DiskReport, OperationOptions, OperationResult } from './operation-result.js';
import { assertSnapshotTag } from './qemu-img.js';
import type { QmpClient } from './qmp-client.js';
import { newJobId, runJob, type JobRunOptions } from './qmp-jobs.js';

/** Options of the checkpoint (snapshot-save/-load) operations. */
export interface CheckpointOptions extends OperationOptions {
  /** Disk that stores the VM state. Default: the first writable disk (save) or the one holding the state (load). */
  vmstateTarget?: string;
}

/**
 * Atomic internal disk-only snapshot of `targets`: one `transaction` of
 * blockdev-snapshot-internal-sync actions (QEMU removes the tag from every disk if one fails).
 * Pre-checks: qcow2, writable, tag absent on every disk. After a failure the engine verifies
 * that no disk carries the tag and deletes any leftover.
 */
export async function createLiveInternalDiskSnapshot(
  qmp: QmpClient,
  targets: readonly string[],
  tag: string,
  options: OperationOptions = {},
): Promise<OperationResult> {
  let step = 'live-internal:validate';
  let disks: LiveDisk[];
  try {
    assertSnapshotTag(tag);
    disks = await requireDisks(qmp, targets);
    for (const disk of disks) assertCanTakeInternalSnapshot(disk, tag);
    step = 'live-internal:before-transaction';
    await reachStep(options.failpoint, step);
    step = 'live-internal:transaction';
    const actions = disks.map((disk) => ({ type: 'blockdev-snapshot-internal-sync', data: { device: disk.activeNode, name: tag } }));
    await qmp.execute('transaction', { actions });
    return { ok: true, disks: reportAll(targets, 'done') };
  } catch (error) {
    if (step === 'live-internal:transaction' && !(error instanceof QmpError) && (await allCarryTag(qmp, targets, tag))) {
      return { ok: true, disks: reportAll(targets, 'done') };
    }
    const touched = step === 'live-internal:transaction';
    return failAndRemoveLeftovers(qmp, targets, tag, asError(error), step, touched, (disk) =>
      qmp.execute('blockdev-snapshot-delete-internal-sync', { device: disk.activeNode, name: tag }),
    );
  }
}

/**
 * Deletes an internal disk-only snapshot from each disk that carries it (disks without it are
 * "untouched"). Not atomic: a failure leaves the disks already processed without the tag.
 */
export async function deleteLiveInternalDiskSnapshot(
  qmp: QmpClient,
  targets: readonly string[],
  tag: string,
  options: OperationOptions = {},
): Promise<OperationResult> {
  const reports: DiskReport[] = [];
  let step = 'live-internal-delete:validate';
  try {
    assertSnapshotTag(tag);
    const disks = await requireDisks(qmp, targets);
    for (const disk of disks) {
      if (!hasTag(disk, tag)) {
        reports.push({ target: disk.target, outcome: 'untouched', detail: 'no such snapshot' });
        continue;
      }
      step = `live-internal-delete:before-delete:${disk.target}`;
      await reachStep(options.failpoint, step);
      step = `live-internal-delete:delete:${disk.target}`;
      await qmp.execute('blockdev-snapshot-delete-internal-sync', { device: disk.activeNode, name: tag });
      reports.push({ target: disk.target, outcome: 'done' });
    }
    return { ok: true, disks: reports };
  } catch (error) {
    const done = new Set(reports.map((r) => r.target));
    const rest = targets.filter((t) => !done.has(t)).map((target): DiskReport => ({ target, outcome: 'untouched' }));
    const partial = reports.some((r) => r.outcome === 'done');
    return {
      ok: false,
      error: asError(error),
      step,
      disks: [...reports, ...rest],
      rolledBack: !partial,
      rollbackProblems: partial ? ['delete is not atomic: some disks already lost the snapshot'] : [],
    };
  }
}

/**
 * Internal snapshot of every writable disk plus the VM state (`snapshot-save` job, QEMU 6.0+).
 * Every writable disk must be qcow2 (a disk left out would silently break consistency); read-only
 * disks are skipped. After a failure, disks still carrying the tag are cleaned with snapshot-delete.
 */
export async function saveLiveCheckpoint(qmp: QmpClient, tag: string, options: CheckpointOptions = {}): Promise<OperationResult> {
  let step = 'checkpoint-save:validate';
  let targets: string[] = [];
  try {
    assertSnapshotTag(tag);
    assertQemuAtLeast(qmp, 6, 0, 'snapshot-save');
    const disks = writableDisks(await readLiveDisks(qmp));
    targets = disks.map((d) => d.target);
    for (const disk of disks) assertCanTakeInternalSnapshot(disk, tag);
    const vmstate = pickDisk(disks, options.vmstateTarget);
    step = 'checkpoint-save:before-save';
    await reachStep(options.failpoint, step);
    step = 'checkpoint-save:save';
    await runJob(
      qmp,
      { command: 'snapshot-save', args: { 'job-id': newJobId('vw-save'), tag, vmstate: vmstate.activeNode, devices: disks.map((d) => d.activeNode) } },
      jobOptions(options),
    );
    return { ok: true, disks: reportAll(targets, 'done') };
  } catch (error) {
    return failAndRemoveLeftovers(qmp, targets, tag, asError(error), step, step === 'checkpoint-save:save', async (disk) =>
      runJob(qmp, { command: 'snapshot-delete', args: { 'job-id': newJobId('vw-del'), tag, devices: [disk.activeNode] } }, jobOptions(options)),
    );
  }
}

/**
 * Reverts every writable disk and the VM state to checkpoint `tag` (`snapshot-load` job). QEMU
 * checks the tag on all disks first; the per-disk revert itself is sequential and cannot be
 * undone, so a failure inside the job reports every disk as "inconsistent".
 */
export async function loadLiveCheckpoint(qmp: QmpClient, tag: string, options: CheckpointOptions = {}): Promise<OperationResult> {
  let step = 'checkpoint-load:validate';
  let targets: string[] = [];
  try {
    assertSnapshotTag(tag);
    assertQemuAtLeast(qmp, 6, 0, 'snapshot-load');
    const disks = writableDisks(await readLiveDisks(qmp));
    targets = disks.map((d) => d.target);
    const missing = disks.filter((d) => !hasTag(d, tag));
    if (missing.length > 0) throw new PreconditionError('no-such-snapshot', `snapshot ${tag} is missing on ${missing.map((d) => d.target).join(', ')}`);
    const withState = disks.find((d) => d.snapshots.some((s) => s.name === tag && s['vm-state-size'] > 0));
    const vmstate = options.vmstateTarget ? pickDisk(disks, options.vmstateTarget) : withState;
    if (!vmstate) throw new PreconditionError('no-vm-state', `snapshot ${tag} has no VM state on any disk`);
    step = 'checkpoint-load:before-load';
    await reachStep(options.failpoint, step);
    step = 'checkpoint-load:load';
    await runJob(
      qmp,
      { command: 'snapshot-load', args: { 'job-id': newJobId('vw-load'), tag, vmstate: vmstate.activeNode, devices: disks.map((d) => d.activeNode) } },
      jobOptions(options),
    );
    return { ok: true, disks: reportAll(targets, 'done') };
  } catch (error) {
    const started = step === 'checkpoint-load:load';
    const disks = reportAll(
      targets,
      started ? 'inconsistent' : 'untouched',
      started ? 'snapshot-load failed; disk contents may be partly reverted' : undefined,
    );
    return { ok: false, error: asError(error), step, disks, rolledBack: !started, rollbackProblems: started ? ['snapshot-load is not transactional'] : [] };
  }
}

/** Deletes checkpoint `tag` from every disk that carries it (`snapshot-delete` job; idempotent). */
export async function deleteLiveCheckpoint(qmp: QmpClient, tag: string, options: OperationOptions = {}): Promise<OperationResult> {
  let step = 'checkpoint-delete:validate';
  let targets: string[] = [];
  try {
    assertSnapshotTag(tag);
    assertQemuAtLeast(qmp, 6, 0, 'snapshot-delete');
    const carriers = [...(await readLiveDisks(qmp)).values()].filter((d) => hasTag(d, tag));
    targets = carriers.map((d) => d.target);
    if (carriers.length === 0) return { ok: true, disks: [] };
    step = 'checkpoint-delete:before-delete';
    await reachStep(options.failpoint, step);
    step = 'checkpoint-delete:delete';
    await runJob(
      qmp,
      { command: 'snapshot-delete', args: { 'job-id': newJobId('vw-del'), tag, devices: carriers.map((d) => d.activeNode) } },
      jobOptions(options),
    );
    return { ok: true, disks: reportAll(targets, 'done') };
  } catch (error) {
    const remaining = new Set(await targetsCarryingTag(qmp, targets, tag).catch(() => targets));
    const disks = targets.map((target): DiskReport => ({ target, outcome: remaining.has(target) ? 'untouched' : 'done' }));
    const partial = disks.some((d) => d.outcome === 'done');
    return {
      ok: false,
      error: asError(error),
      step,
      disks,
      rolledBack: !partial,
      rollbackProblems: partial ? ['delete is not atomic: some disks already lost the snapshot'] : [],
    };
  }
}

/**
 * Builds the failure result of a create: re-reads the disks, removes the tag from any disk that
 * still carries it (it was absent before, so it is ours), and reports per disk.
 */
async function failAndRemoveLeftovers(
  qmp: QmpClient,
  targets: readonly string[],
  tag: string,
  error: Error,
  step: string,
  touched: boolean,
  removeTag: (disk: LiveDisk) => Promise<unknown>,
): Promise<OperationResult> {
  if (!touched) return { ok: false, error, step, disks: reportAll(targets, 'untouched'), rolledBack: true, rollbackProblems: [] };
  const problems: string[] = [];
  const reports: DiskReport[] = [];
  let disks: LiveDisk[];
  try {
    disks = await requireDisks(qmp, targets);
  } catch (e) {
    problems.push(`cannot verify the disks: ${asError(e).message}`);
    return { ok: false, error, step, disks: reportAll(targets, 'inconsistent', problems[0]), rolledBack: false, rollbackProblems: problems };
  }
  for (const disk of disks) {
    if (!hasTag(disk, tag)) {
      reports.push({ target: disk.target, outcome: 'rolled-back' });
      continue;
    }
    try {
      await removeTag(disk);
      reports.push({ target: disk.target, outcome: 'rolled-back', detail: 'leftover snapshot deleted by the engine' });
    } catch (e) {
      const problem = `disk ${disk.target}: leftover snapshot ${tag} could not be deleted: ${asError(e).message}`;
      problems.push(problem);
      reports.push({ target: disk.target, outcome: 'inconsistent', detail: problem });
    }
  }
  return { ok: false, error, step, disks: reports, rolledBack: problems.length === 0, rollbackProblems: problems };
}

async function requireDisks(qmp: QmpClient, targets: readonly string[]): Promise<LiveDisk[]> {
  if (targets.length === 0) throw new PreconditionError('no-disks', 'no disks given');
  if (new Set(targets).size !== targets.length) throw new PreconditionError('duplicate-target', 'a disk is listed twice');
  const disks = await readLiveDisks(qmp);
  return targets.map((target) => {
    const disk = disks.get(target);
    if (!disk) throw new PreconditionError('no-such-disk', `guest has no disk ${target}`);
    return disk;
  });
}

function assertCanTakeInternalSnapshot(disk: LiveDisk, tag: string): void {
  if (disk.readOnly) throw new PreconditionError('read-only-disk', `disk ${disk.target} is read-only`);
  if (disk.format !== 'qcow2') throw new PreconditionError('unsupported-format', `disk ${disk.target} is ${disk.format}; internal snapshots need qcow2`);
  if (hasTag(disk, tag)) throw new PreconditionError('snapshot-exists', `disk ${disk.target} already has a snapshot named ${tag}`);
}

function writableDisks(disks: Map<string, LiveDisk>): LiveDisk[] {
  const writable = [...disks.values()].filter((d) => !d.readOnly);
  if (writable.length === 0) throw new PreconditionError('no-disks', 'the guest has no writable disk');
  return writable;
}

function pickDisk(disks: readonly LiveDisk[], target: string | undefined): LiveDisk {
  const disk = target === undefined ? disks[0] : disks.find((d) => d.target === target);
  if (!disk) throw new PreconditionError('no-such-disk', `no writable disk ${target ?? ''} for the VM state`);
  return disk;
}

function hasTag(disk: LiveDisk, tag: string): boolean {
  return disk.snapshots.some((s) => s.name === tag);
}

async function targetsCarryingTag(qmp: QmpClient, targets: readonly string[], tag: string): Promise<string[]> {
  const disks = await readLiveDisks(qmp);
  return targets.filter((t) => {
    const disk = disks.get(t);
    return disk !== undefined && hasTag(disk, tag);
  });
}

async function allCarryTag(qmp: QmpClient, targets: readonly string[], tag: string): Promise<boolean> {
  try {
    return (await targetsCarryingTag(qmp, targets, tag)).length === targets.length;
  } catch {
    return false;
  }
}

function assertQemuAtLeast(qmp: QmpClient, major: number, minor: number, feature: string): void {
  const v = qmp.qemuVersion;
  if (v.major < major || (v.major === major && v.minor < minor)) {
    throw new EngineError('qemu-too-old', `${feature} needs QEMU ${major}.${minor} or later (have ${v.major}.${v.minor})`);
  }
}

function jobOptions(options: OperationOptions): JobRunOptions {
  return jobRunOptions(options);
}
