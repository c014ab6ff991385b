// Snapshots of a guest that is not running, with qemu-img: external and internal create, revert, delete, all-or-nothing.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PreconditionError, asError } from './errors.js';
import { assertDiskTarget } from './node-names.js';
import { reachStep, reportAll } from './operation-result.js';
import type { CreatesFilesOptions, DiskReport, OperationResult } from './operation-result.js';
import { applySnapshot, assertSnapshotTag, createImageInReservedFile, createSnapshot, deleteSnapshot, imageInfo, listSnapshots } from './qemu-img.js';
import type { ImageFormat, QemuImgSettings } from './qemu-img.js';
import { assertSafeImagePath, pathExists, reserveFile, unlinkReservedFile } from './reserved-file.js';
import type { ReservedFile } from './reserved-file.js';

/** A disk of a stopped guest: its current top image. */
export interface OfflineDisk {
  target: string;
  path: string;
  format: ImageFormat;
}

/** A disk plus the overlay to create on top of it. */
export interface OfflineExternalDiskRequest extends OfflineDisk {
  overlayPath: string;
}

/** Options of the offline operations. */
export interface OfflineOptions extends CreatesFilesOptions {
  qemuImg?: QemuImgSettings;
}

/**
 * External disk-only snapshot of a stopped guest: for each disk a new qcow2 overlay whose backing
 * file is the current image (absolute path, explicit -F). All overlays are reserved first
 * (O_EXCL|O_NOFOLLOW, 0600) and filled by qemu-img; on any failure every file created is unlinked.
 * qemu-img info without -U doubles as a check that no QEMU holds the images.
 */
export async function createOfflineExternalSnapshot(requests: readonly OfflineExternalDiskRequest[], options: OfflineOptions = {}): Promise<OperationResult> {
  const targets = requests.map((r) => r.target);
  const reserved: ReservedFile[] = [];
  const created = new Set<string>();
  let step = 'offline-external:validate';
  try {
    await validateExternalRequests(requests, options.qemuImg);
    step = 'offline-external:before-reserve-files';
    await reachStep(options.failpoint, step);
    step = 'offline-external:reserve-files';
    for (const request of requests) reserved.push(await reserveFile(request.overlayPath));
    if (options.onFilesReserved) await options.onFilesReserved(reserved);
    for (const [index, request] of requests.entries()) {
      const file = reserved[index];
      if (!file) continue;
      step = `offline-external:before-create:${request.target}`;
      await reachStep(options.failpoint, step);
      step = `offline-external:create:${request.target}`;
      await createImageInReservedFile(file, { format: 'qcow2', backingFile: request.path, backingFormat: request.format }, options.qemuImg);
      created.add(request.target);
    }
    const disks = requests.map((request, index): DiskReport => {
      const report: DiskReport = { target: request.target, outcome: 'done', overlayPath: request.overlayPath };
      const file = reserved[index];
      if (file) report.createdFile = file;
      return report;
    });
    return { ok: true, disks };
  } catch (error) {
    const problems: string[] = [];
    for (const file of reserved) {
      const outcome = await unlinkReservedFile(file).catch((e: unknown) => `unlink failed: ${asError(e).message}`);
      if (outcome !== 'removed' && outcome !== 'already-gone') problems.push(`${file.path}: ${outcome}`);
    }
    const disks = requests.map((request, index): DiskReport => {
      const problem = problems.find((p) => p.startsWith(`${request.overlayPath}:`));
      if (problem) return { target: request.target, outcome: 'inconsistent', detail: problem, overlayPath: request.overlayPath };
      return { target: request.target, outcome: index < reserved.length ? 'rolled-back' : 'untouched', overlayPath: request.overlayPath };
    });
    return reserved.length === 0 && created.size === 0
      ? { ok: false, error: asError(error), step, disks: reportAll(targets, 'untouched'), rolledBack: true, rollbackProblems: [] }
      : { ok: false, error: asError(error), step, disks, rolledBack: problems.length === 0, rollbackProblems: problems };
  }
}

/**
 * Internal disk-only snapshot of a stopped guest: pre-check every disk (qcow2, writable, tag
 * absent, not in use), then `qemu-img snapshot -c` per disk; on failure `-d` on the disks already
 * done, in reverse order.
 */
export async function createOfflineInternalSnapshot(disks: readonly OfflineDisk[], tag: string, options: OfflineOptions = {}): Promise<OperationResult> {
  const done: OfflineDisk[] = [];
  let step = 'offline-internal:validate';
  try {
    assertSnapshotTag(tag);
    await validateInternalDisks(disks, options.qemuImg, (snapshots, disk) => {
      if (snapshots.includes(tag)) throw new PreconditionError('snapshot-exists', `disk ${disk.target} already has a snapshot named ${tag}`);
    });
    for (const disk of disks) {
      step = `offline-internal:before-create:${disk.target}`;
      await reachStep(options.failpoint, step);
      step = `offline-internal:create:${disk.target}`;
      await createSnapshot(disk.path, tag, options.qemuImg);
      done.push(disk);
    }
    return {
      ok: true,
      disks: reportAll(
        disks.map((d) => d.target),
        'done',
      ),
    };
  } catch (error) {
    const problems = await undoInternalSnapshots(done, tag, options.qemuImg);
    return { ok: false, error: asError(error), step, disks: undoReports(disks, done, problems), rolledBack: problems.length === 0, rollbackProblems: problems };
  }
}

/** Deletes internal snapshot `tag` from each disk that has it (missing = "untouched"). Not atomic. */
export async function deleteOfflineInternalSnapshot(disks: readonly OfflineDisk[], tag: string, options: OfflineOptions = {}): Promise<OperationResult> {
  const reports: DiskReport[] = [];
  let step = 'offline-internal-delete:validate';
  try {
    assertSnapshotTag(tag);
    const present = await validateInternalDisks(disks, options.qemuImg, () => undefined);
    for (const disk of disks) {
      if (!present.get(disk.target)?.includes(tag)) {
        reports.push({ target: disk.target, outcome: 'untouched', detail: 'no such snapshot' });
        continue;
      }
      step = `offline-internal-delete:before-delete:${disk.target}`;
      await reachStep(options.failpoint, step);
      step = `offline-internal-delete:delete:${disk.target}`;
      await deleteSnapshot(disk.path, tag, options.qemuImg);
      reports.push({ target: disk.target, outcome: 'done' });
    }
    return { ok: true, disks: reports };
  } catch (error) {
    const seen = new Set(reports.map((r) => r.target));
    const rest = disks.filter((d) => !seen.has(d.target)).map((d): DiskReport => ({ target: d.target, outcome: 'untouched' }));
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
 * Reverts every disk to internal snapshot `tag`, all-or-nothing: first a temporary safety
 * snapshot of the current state on every disk (itself atomic), then `snapshot -a tag` per disk;
 * on failure the disks already reverted (and the failing one) are put back from the safety
 * snapshot. The safety snapshot is deleted at the end either way.
 */
export async function revertOfflineInternalSnapshot(disks: readonly OfflineDisk[], tag: string, options: OfflineOptions = {}): Promise<OperationResult> {
  let step = 'offline-revert:validate';
  const safetyTag = `vw-pre-revert-${randomBytes(6).toString('hex')}`;
  const attempted: OfflineDisk[] = [];
  let safetyTaken = false;
  try {
    assertSnapshotTag(tag);
    await validateInternalDisks(disks, options.qemuImg, (snapshots, disk) => {
      if (!snapshots.includes(tag)) throw new PreconditionError('no-such-snapshot', `disk ${disk.target} has no snapshot named ${tag}`);
    });
    step = 'offline-revert:safety-snapshot';
    const safety = await createOfflineInternalSnapshot(disks, safetyTag, { qemuImg: options.qemuImg });
    if (!safety.ok) throw safety.error;
    safetyTaken = true;
    for (const disk of disks) {
      step = `offline-revert:before-apply:${disk.target}`;
      await reachStep(options.failpoint, step);
      step = `offline-revert:apply:${disk.target}`;
      attempted.push(disk);
      await applySnapshot(disk.path, tag, options.qemuImg);
    }
    const leftovers = await undoInternalSnapshots(disks, safetyTag, options.qemuImg);
    return { ok: true, disks: disks.map((d): DiskReport => ({ target: d.target, outcome: 'done', ...detailFor(leftovers, d) })) };
  } catch (error) {
    const problems: string[] = [];
    for (const disk of [...attempted].reverse()) {
      await applySnapshot(disk.path, safetyTag, options.qemuImg).catch((e: unknown) =>
        problems.push(`disk ${disk.target}: restore failed: ${asError(e).message}`),
      );
    }
    if (safetyTaken) {
      const leftovers = await undoInternalSnapshots(disks, safetyTag, options.qemuImg);
      // a leftover safety snapshot is harmless for the disk contents: report it without failing the rollback
      for (const problem of leftovers) problems.push(`(harmless) ${problem}`);
    }
    const real = problems.filter((p) => !p.startsWith('(harmless)'));
    const reports = disks.map((d): DiskReport => {
      const problem = real.find((p) => p.startsWith(`disk ${d.target}:`));
      if (problem) return { target: d.target, outcome: 'inconsistent', detail: `${problem}; safety snapshot ${safetyTag} kept` };
      return { target: d.target, outcome: attempted.includes(d) ? 'rolled-back' : 'untouched' };
    });
    return { ok: false, error: asError(error), step, disks: reports, rolledBack: real.length === 0, rollbackProblems: problems };
  }
}

async function validateExternalRequests(requests: readonly OfflineExternalDiskRequest[], settings: QemuImgSettings | undefined): Promise<void> {
  if (requests.length === 0) throw new PreconditionError('no-disks', 'no disks to snapshot');
  const targets = new Set<string>();
  const paths = new Set<string>(requests.map((r) => r.path));
  for (const request of requests) {
    assertDiskTarget(request.target);
    assertSafeImagePath(request.path);
    assertSafeImagePath(request.overlayPath);
    if (targets.has(request.target)) throw new PreconditionError('duplicate-target', `disk ${request.target} is listed twice`);
    targets.add(request.target);
    if (paths.has(request.overlayPath)) throw new PreconditionError('duplicate-overlay', `${request.overlayPath} is listed twice or is an image of this guest`);
    paths.add(request.overlayPath);
    if (await pathExists(request.overlayPath)) throw new PreconditionError('overlay-exists', `${request.overlayPath} already exists`);
    const parent = await fs.stat(path.dirname(request.overlayPath)).catch(() => undefined);
    if (!parent?.isDirectory()) throw new PreconditionError('no-such-directory', `directory of ${request.overlayPath} does not exist`);
    const info = await imageInfo(request.path, { format: request.format }, settings);
    if (info.format !== request.format) throw new PreconditionError('format-mismatch', `${request.path} is ${info.format}, not ${request.format}`);
  }
}

/**
 * Checks each disk is a writable qcow2 not held by a running QEMU (info without -U fails on a
 * locked image), lets `check` inspect its snapshot tags, and returns the tags per target.
 */
async function validateInternalDisks(
  disks: readonly OfflineDisk[],
  settings: QemuImgSettings | undefined,
  check: (tags: string[], disk: OfflineDisk) => void,
): Promise<Map<string, string[]>> {
  if (disks.length === 0) throw new PreconditionError('no-disks', 'no disks given');
  const tagsByTarget = new Map<string, string[]>();
  for (const disk of disks) {
    assertDiskTarget(disk.target);
    assertSafeImagePath(disk.path);
    if (tagsByTarget.has(disk.target)) throw new PreconditionError('duplicate-target', `disk ${disk.target} is listed twice`);
    if (disk.format !== 'qcow2') throw new PreconditionError('unsupported-format', `disk ${disk.target} is ${disk.format}; internal snapshots need qcow2`);
    await fs.access(disk.path, constants.W_OK).catch((e: unknown) => {
      throw new PreconditionError('read-only-disk', `disk ${disk.target}: ${disk.path} is not writable (${asError(e).message})`);
    });
    const tags = (await listSnapshots(disk.path, { format: 'qcow2' }, settings)).map((s) => s.name);
    check(tags, disk);
    tagsByTarget.set(disk.target, tags);
  }
  return tagsByTarget;
}

/** Deletes `tag` from `disks` in reverse order; returns the problems met. */
async function undoInternalSnapshots(disks: readonly OfflineDisk[], tag: string, settings: QemuImgSettings | undefined): Promise<string[]> {
  const problems: string[] = [];
  for (const disk of [...disks].reverse()) {
    await deleteSnapshot(disk.path, tag, settings).catch((e: unknown) =>
      problems.push(`disk ${disk.target}: cannot delete snapshot ${tag}: ${asError(e).message}`),
    );
  }
  return problems;
}

function undoReports(disks: readonly OfflineDisk[], done: readonly OfflineDisk[], problems: readonly string[]): DiskReport[] {
  return disks.map((disk): DiskReport => {
    const problem = problems.find((p) => p.startsWith(`disk ${disk.target}:`));
    if (problem) return { target: disk.target, outcome: 'inconsistent', detail: problem };
    return { target: disk.target, outcome: done.includes(disk) ? 'rolled-back' : 'untouched' };
  });
}

function detailFor(problems: readonly string[], disk: OfflineDisk): { detail?: string } {
  const problem = problems.find((p) => p.startsWith(`disk ${disk.target}:`));
  return problem ? { detail: `reverted; ${problem}` } : {};
}
