// Merges an external overlay back into its backing image: live (block-commit job) or offline (qemu-img commit).
import { PreconditionError, asError } from './errors.js';
import { readLiveDisks, readNamedNodes } from './block-graph.js';
import { deleteBlockNode } from './block-node-removal.js';
import { fileNodeOf } from './node-names.js';
import { jobRunOptions, reachStep } from './operation-result.js';
import type { DiskReport, OperationOptions, OperationResult } from './operation-result.js';
import { commitImage, imageInfo } from './qemu-img.js';
import type { ImageFormat, QemuImgSettings } from './qemu-img.js';
import type { QmpClient } from './qmp-client.js';
import type { JobProgress } from './job-progress.js';
import { newJobId, runJob } from './qmp-jobs.js';

/** Which layer to merge live. */
export interface LiveCommitRequest {
  target: string;
  /** Node to merge into. Default: the format node directly below the active layer. */
  baseNode?: string;
}

/** Options of commitActiveLayerLive. */
export interface LiveCommitOptions extends OperationOptions {
  /** Runs once the base caught up, just before the pivot (the caller may pause the guest so that it writes nothing to the base before it recorded the pivot). */
  beforePivot?: () => Promise<void>;
}

/**
 * Merges the active layer of disk `target` into the layer below it while the guest runs (active
 * block-commit: the job reaches "ready", job-complete pivots the disk to the base). The merged
 * overlay's nodes are then deleted with blockdev-del; its file is left for the caller to remove
 * (report.overlayPath). Not reversible once job-complete ran.
 */
export async function commitActiveLayerLive(qmp: QmpClient, request: LiveCommitRequest, options: LiveCommitOptions = {}): Promise<OperationResult> {
  let step = 'live-commit:validate';
  const report: DiskReport = { target: request.target, outcome: 'untouched' };
  try {
    const disk = (await readLiveDisks(qmp)).get(request.target);
    if (!disk) throw new PreconditionError('no-such-disk', `guest has no disk ${request.target}`);
    const baseNode = request.baseNode ?? (await findBackingNode(qmp, disk.activeNode, disk.chainFiles[1]));
    report.previousNode = disk.activeNode;
    report.newNode = baseNode;
    report.overlayPath = disk.file;
    step = 'live-commit:before-commit';
    await reachStep(options.failpoint, step);
    step = 'live-commit:commit';
    const jobId = newJobId(`vw-${request.target}-commit`);
    await runJob(
      qmp,
      {
        command: 'block-commit',
        args: { 'job-id': jobId, device: disk.activeNode, 'base-node': baseNode, 'auto-finalize': true, 'auto-dismiss': false },
        completeWhenReady: true,
        beforeComplete: async () => {
          // the merge caught up and waits for job-complete (tests hold it here, its progress readable)
          await reachStep(options.failpoint, 'live-commit:ready');
          await options.beforePivot?.();
        },
      },
      jobRunOptions(options),
    );
    report.outcome = 'done';
    step = 'live-commit:remove-merged-nodes';
    const problems = await deleteMergedNodes(qmp, disk.activeNode);
    if (problems.length > 0) report.detail = problems.join('; ');
    return { ok: true, disks: [report] };
  } catch (error) {
    const started = step === 'live-commit:commit';
    const after = started ? await activeNodeOf(qmp, request.target) : report.previousNode;
    if (started) report.outcome = after === report.previousNode ? 'untouched' : 'inconsistent';
    const rolledBack = report.outcome === 'untouched';
    return {
      ok: false,
      error: asError(error),
      step,
      disks: [report],
      rolledBack,
      rollbackProblems: rolledBack ? [] : [`disk ${request.target}: active node is now ${after ?? 'unknown'}`],
    };
  }
}

/**
 * Merges the overlay `overlayPath` of a stopped guest into its backing file with `qemu-img commit`
 * (keeping the overlay's contents, so the old chain stays valid until the caller switches to the base).
 */
export async function commitOverlayOffline(
  target: string,
  overlayPath: string,
  options: OperationOptions & { format?: ImageFormat; qemuImg?: QemuImgSettings } = {},
): Promise<OperationResult> {
  let step = 'offline-commit:validate';
  try {
    const info = await imageInfo(overlayPath, { format: options.format ?? 'qcow2' }, options.qemuImg);
    const base = info['full-backing-filename'] ?? info['backing-filename'];
    if (!base) throw new PreconditionError('no-backing-file', `${overlayPath} has no backing file`);
    step = 'offline-commit:before-commit';
    await reachStep(options.failpoint, step);
    step = 'offline-commit:commit';
    // qemu-img's percentage of the disk it went through, in bytes of the disk, as QEMU's commit job counts them live
    const total = info['virtual-size'];
    let progress: JobProgress = { processed: 0, total };
    const onProgress =
      options.onJobProgress && Number.isSafeInteger(total) ? (fraction: number) => (progress = { processed: Math.round(fraction * total), total }) : undefined;
    if (onProgress) options.onJobProgress!(() => Promise.resolve(progress));
    try {
      await commitImage(overlayPath, { format: options.format ?? 'qcow2', keepTopContents: true, ...(onProgress ? { onProgress } : {}) }, options.qemuImg);
    } finally {
      if (onProgress) options.onJobProgress!(undefined);
    }
    return { ok: true, disks: [{ target, outcome: 'done', overlayPath, detail: `merged into ${base}` }] };
  } catch (error) {
    const started = step === 'offline-commit:commit';
    const disks: DiskReport[] = [
      {
        target,
        outcome: started ? 'inconsistent' : 'untouched',
        overlayPath,
        ...(started ? { detail: 'the base may be partly updated; the overlay still masks it' } : {}),
      },
    ];
    return { ok: false, error: asError(error), step, disks, rolledBack: !started, rollbackProblems: started ? ['qemu-img commit failed midway'] : [] };
  }
}

/** Finds the format node whose image is `backingFile` (the layer below `activeNode`). */
async function findBackingNode(qmp: QmpClient, activeNode: string, backingFile: string | undefined): Promise<string> {
  if (!backingFile) throw new PreconditionError('no-backing-layer', `node ${activeNode} has no backing layer to commit into`);
  const nodes = await readNamedNodes(qmp);
  const candidates = nodes.filter((n) => n['node-name'] !== activeNode && n.drv !== 'file' && n.image.filename === backingFile);
  const [only] = candidates;
  if (!only || candidates.length > 1) throw new PreconditionError('ambiguous-backing-node', `cannot identify the node of ${backingFile}; pass baseNode`);
  return only['node-name'];
}

/** After the pivot the old top's format node (and its file node, unless nested in it) is only held by the monitor: delete them. */
async function deleteMergedNodes(qmp: QmpClient, topFormatNode: string): Promise<string[]> {
  const problems: string[] = [];
  const fileNode = fileNodeOf(topFormatNode);
  for (const node of fileNode ? [topFormatNode, fileNode] : [topFormatNode]) {
    await deleteBlockNode(qmp, node).catch((e: unknown) => problems.push(`blockdev-del ${node}: ${asError(e).message}`));
  }
  return problems;
}

async function activeNodeOf(qmp: QmpClient, target: string): Promise<string | undefined> {
  try {
    return (await readLiveDisks(qmp)).get(target)?.activeNode;
  } catch {
    return undefined;
  }
}
