// Atomic external disk-only snapshot of a running/paused guest: prepare overlays, one QMP transaction, full rollback.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PreconditionError, QmpError, asError, namingFile } from './errors.js';
import { deleteBlockNode } from './block-node-removal.js';
import { assertNoBlockJobs, describeGraphChanges, fingerprintOf, readBlockGraphFingerprint, readLiveDisks, readNodeNames } from './block-graph.js';
import type { BlockGraphFingerprint, LiveDisk } from './block-graph.js';
import { assertDistinctRequests } from './live-external-request.js';
import type { LiveExternalDiskRequest, LiveExternalSnapshotOptions } from './live-external-request.js';
import { jobRunOptions, reachStep, reportAll } from './operation-result.js';
import type { DiskReport, OperationResult } from './operation-result.js';
import { failureReport, fileNodeOptions, nextLayerNodes, successReport } from './overlay-plan.js';
import type { OverlayPlan } from './overlay-plan.js';
import { imageInfo } from './qemu-img.js';
import type { QmpClient } from './qmp-client.js';
import { failedJobs, newJobId, runJobs } from './qmp-jobs.js';
import { assertSafeImagePath, openReservedFile, pathExists, reserveFile, syncDirectory, unlinkReservedFile } from './reserved-file.js';
import { writeQcow2Overlay } from './qcow2-overlay-writer.js';

/**
 * Takes an external disk-only snapshot of the listed disks atomically: all disks switch to their
 * new overlay, or none does and every node and file created on the way is removed again.
 *
 * Steps: validate; reserve new overlay files (O_EXCL|O_NOFOLLOW, 0600); the engine writes the
 * empty qcow2 into each file, then one blockdev-add per overlay adds its format node ("backing":
 * null) with the file node nested (or, with overlayCreation "blockdev-create", the file nodes are
 * added first, QEMU formats them with concurrent qcow2 blockdev-create jobs, and the format nodes
 * are added over them); one `transaction` of blockdev-snapshot actions. Only the transaction holds
 * the guest's I/O. The caller holds the domain's job lock and persists the result.
 */
export async function createLiveExternalSnapshot(
  qmp: QmpClient,
  requests: readonly LiveExternalDiskRequest[],
  options: LiveExternalSnapshotOptions = {},
): Promise<OperationResult> {
  return new LiveExternalSnapshot(qmp, requests, options).run();
}

class LiveExternalSnapshot {
  private plans: OverlayPlan[] = [];
  private disksBefore = new Map<string, LiveDisk>();
  /** Every node's name, asked for at validation and awaited before the first node is added. */
  private nodeNamesBefore: Promise<string[]> | undefined;
  private before: BlockGraphFingerprint | undefined;
  /** Whether any blockdev-add was sent (until then QEMU holds nothing of this snapshot). */
  private addsSent = false;
  private step = 'live-external:validate';

  constructor(
    private readonly qmp: QmpClient,
    private readonly requests: readonly LiveExternalDiskRequest[],
    private readonly options: LiveExternalSnapshotOptions,
  ) {}

  async run(): Promise<OperationResult> {
    type Step = [name: string, action: () => Promise<void>];
    const qemuFormats = this.options.overlayCreation === 'blockdev-create';
    const prepareOverlays: Step[] = qemuFormats
      ? [
          ['add-file-nodes', () => this.addFileNodes()],
          ['format-overlays', () => this.formatOverlaysInQemu()],
          ['add-format-nodes', () => this.addFormatNodes(false)],
        ]
      : [
          ['format-overlays', () => this.formatOverlaysInEngine()],
          ['add-format-nodes', () => this.addFormatNodes(true)],
        ];
    const steps: Step[] = [
      ['validate', () => this.validate()],
      ['reserve-files', () => this.reserveFiles()],
      ...prepareOverlays,
      ...(this.options.saveMemory ? [['save-memory', this.options.saveMemory] as Step] : []),
      ['transaction', () => this.switchActiveLayers()],
    ];
    try {
      for (const [name, action] of steps) {
        if (name !== 'validate') {
          this.step = `live-external:before-${name}`;
          await reachStep(this.options.failpoint, this.step);
        }
        this.step = `live-external:${name}`;
        await action();
      }
      return { ok: true, disks: this.plans.map((plan) => successReport(plan)) };
    } catch (error) {
      return this.fail(asError(error));
    }
  }

  private async validate(): Promise<void> {
    assertDistinctRequests(this.requests);
    const [disks] = await Promise.all([this.options.liveDisks ?? readLiveDisks(this.qmp), assertNoBlockJobs(this.qmp)]);
    this.disksBefore = disks;
    // listing every node takes QEMU a while (a node per layer of every chain): it runs while the
    // overlays are prepared, and the names planned here are confirmed against it before any add
    this.nodeNamesBefore = readNodeNames(this.qmp);
    this.nodeNamesBefore.catch(() => undefined);
    const usedNames = new Set([...disks.values()].map((d) => d.activeNode));
    const chainFiles = new Set([...disks.values()].flatMap((d) => d.chainFiles));
    const checked = await Promise.all(this.requests.map((request) => this.checkRequest(request, disks.get(request.target), chainFiles)));
    for (const { request, disk, backingPath } of checked) {
      const nodes = nextLayerNodes(disk, usedNames);
      usedNames.add(nodes.file).add(nodes.format);
      this.plans.push({ request, disk, nodes, backingPath, fileNodeAdded: false, formatNodeAdded: false });
    }
  }

  /** The graph as it was at validation: the disks, and every node's name once QEMU listed them. */
  private async graphBefore(): Promise<BlockGraphFingerprint> {
    this.before ??= fingerprintOf(this.disksBefore, await this.nodeNamesBefore!);
    return this.before;
  }

  /**
   * Before the first blockdev-add: every planned node name is checked against all of QEMU's
   * nodes, and a plan whose names are taken (by a node a failed operation left, say) moves to the
   * next free generation.
   */
  private async confirmNodeNames(): Promise<void> {
    if (this.addsSent) return;
    const existing = new Set((await this.graphBefore()).nodeNames);
    const used = new Set(existing);
    for (const plan of this.plans) used.add(plan.nodes.file).add(plan.nodes.format);
    for (const plan of this.plans) {
      if (!existing.has(plan.nodes.file) && !existing.has(plan.nodes.format)) continue;
      plan.nodes = nextLayerNodes(plan.disk, used);
      used.add(plan.nodes.file).add(plan.nodes.format);
    }
    this.addsSent = true;
  }

  private async checkRequest(
    request: LiveExternalDiskRequest,
    disk: LiveDisk | undefined,
    chainFiles: ReadonlySet<string>,
  ): Promise<{ request: LiveExternalDiskRequest; disk: LiveDisk; backingPath: string }> {
    if (!disk) throw new PreconditionError('no-such-disk', `guest has no disk ${request.target}`);
    if (disk.readOnly) throw new PreconditionError('read-only-disk', `disk ${request.target} is read-only`);
    if (disk.format !== 'qcow2' && disk.format !== 'raw') throw new PreconditionError('unsupported-format', `disk ${request.target} has format ${disk.format}`);
    if (chainFiles.has(request.overlayPath)) throw new PreconditionError('overlay-in-use', `${request.overlayPath} is already an image of this guest`);
    const backingPath = request.backingPath ?? disk.file;
    if (!path.isAbsolute(backingPath)) {
      throw new PreconditionError('unknown-backing-path', `disk ${request.target}: active image ${disk.file} is not a plain path; pass backingPath`);
    }
    assertSafeImagePath(backingPath);
    await this.assertOverlayUsable(request, disk, backingPath);
    return { request, disk, backingPath };
  }

  private async assertOverlayUsable(request: LiveExternalDiskRequest, disk: LiveDisk, backingPath: string): Promise<void> {
    if (!request.reuseExisting) {
      if (await pathExists(request.overlayPath)) throw new PreconditionError('overlay-exists', `${request.overlayPath} already exists`);
      const parent = await fs.stat(path.dirname(request.overlayPath)).catch(() => undefined);
      if (!parent?.isDirectory()) throw new PreconditionError('no-such-directory', `directory of ${request.overlayPath} does not exist`);
      return;
    }
    const stat = await fs.lstat(request.overlayPath).catch(() => undefined);
    if (!stat?.isFile()) throw new PreconditionError('overlay-missing', `${request.overlayPath} is not an existing regular file`);
    const info = await imageInfo(request.overlayPath, { format: 'qcow2' }, this.options.qemuImg);
    const backing = info['full-backing-filename'] ?? info['backing-filename'];
    if (backing !== backingPath || info['backing-filename-format'] !== disk.format) {
      throw new PreconditionError(
        'overlay-mismatch',
        `${request.overlayPath} has backing ${backing ?? '(none)'} (${info['backing-filename-format'] ?? '?'}), expected ${backingPath} (${disk.format})`,
      );
    }
  }

  private async reserveFiles(): Promise<void> {
    await settleEach(this.plans, async (plan) => {
      if (!plan.request.reuseExisting) plan.reserved = await reserveFile(plan.request.overlayPath);
    });
    const reserved = this.plans.flatMap((plan) => (plan.reserved ? [plan.reserved] : []));
    if (this.options.onFilesReserved) await this.options.onFilesReserved(reserved);
  }

  private async addFileNodes(): Promise<void> {
    await this.confirmNodeNames();
    await settleEach(this.plans, async (plan) => {
      await this.qmp.execute('blockdev-add', fileNodeOptions(plan));
      plan.fileNodeAdded = true;
    });
  }

  /**
   * Writes each new overlay and flushes it, and then each directory that got one, to disk (QEMU's
   * blockdev-create and qemu-img flush what they write too): a snapshot whose state files are
   * durable never names an overlay a power loss could take back.
   */
  private async formatOverlaysInEngine(): Promise<void> {
    await settleEach(this.plans, async (plan) => {
      if (!plan.reserved) return;
      const handle = await openReservedFile(plan.reserved);
      try {
        await writeQcow2Overlay(handle, { virtualSize: plan.disk.virtualSize, backingFile: plan.backingPath, backingFormat: plan.disk.format });
        await handle.datasync();
      } catch (error) {
        throw namingFile(error, plan.reserved.path);
      } finally {
        await handle.close();
      }
    });
    const directories = new Set(this.plans.flatMap((plan) => (plan.reserved ? [path.dirname(plan.reserved.path)] : [])));
    await settleEach([...directories], syncDirectory);
  }

  private async formatOverlaysInQemu(): Promise<void> {
    const fresh = this.plans.filter((plan) => !plan.request.reuseExisting);
    const outcomes = await runJobs(
      this.qmp,
      fresh.map((plan) => ({
        command: 'blockdev-create',
        args: {
          'job-id': newJobId(`vw-${plan.request.target}-create`),
          options: { driver: 'qcow2', file: plan.nodes.file, size: plan.disk.virtualSize, 'backing-file': plan.backingPath, 'backing-fmt': plan.disk.format },
        },
      })),
      jobRunOptions(this.options),
    );
    const [firstFailure] = failedJobs(outcomes);
    if (firstFailure) throw firstFailure;
  }

  /**
   * Adds each overlay's qcow2 node with "backing": null (the transaction attaches the backing). With
   * `withFileNode` its file node is nested in the same blockdev-add (one QMP command per disk instead
   * of two); QEMU then frees the file node with its format node, so rollback deletes only the latter.
   */
  private async addFormatNodes(withFileNode: boolean): Promise<void> {
    await this.confirmNodeNames();
    const adds = this.plans.map(async (plan) => {
      const file = withFileNode ? fileNodeOptions(plan) : plan.nodes.file;
      await this.qmp.execute('blockdev-add', { driver: 'qcow2', 'node-name': plan.nodes.format, file, 'read-only': false, backing: null });
      plan.formatNodeAdded = true;
    });
    const meanwhile = this.options.whileNodesAreAdded;
    // once QEMU has opened the first overlay (a QEMU that is gone opens none), the caller's own work
    // runs while it opens the rest
    const work = meanwhile && (await firstSucceeds(adds)) ? Promise.resolve().then(meanwhile) : undefined;
    const results = await Promise.allSettled([...adds, ...(work ? [work] : [])]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async switchActiveLayers(): Promise<void> {
    const actions = this.plans.map((plan) => ({ type: 'blockdev-snapshot', data: { node: plan.disk.activeNode, overlay: plan.nodes.format } }));
    try {
      await this.qmp.execute('transaction', { actions });
    } catch (error) {
      if (error instanceof QmpError) throw error; // QEMU refused: nothing switched
      if (!(await this.transactionApplied())) throw error;
    }
  }

  /** After a timeout (not a QEMU error) the transaction's fate is unknown: ask QEMU which nodes are active. */
  private async transactionApplied(): Promise<boolean> {
    const disks = await readLiveDisks(this.qmp);
    return this.plans.every((plan) => disks.get(plan.request.target)?.activeNode === plan.nodes.format);
  }

  private async fail(error: Error): Promise<OperationResult> {
    const problems = await this.rollBack();
    const touched = new Set(this.plans.filter((p) => p.reserved || p.fileNodeAdded || p.formatNodeAdded).map((p) => p.request.target));
    const disks: DiskReport[] =
      this.plans.length === 0
        ? reportAll(
            this.requests.map((r) => r.target),
            'untouched',
          )
        : this.plans.map((plan) => failureReport(plan, touched.has(plan.request.target), problems));
    return { ok: false, error, step: this.step, disks, rolledBack: problems.length === 0, rollbackProblems: problems };
  }

  /**
   * Deletes the nodes we added (format nodes first), proves with QEMU that the graph is back to
   * its previous state (once any blockdev-add was sent), and only then unlinks the files we
   * reserved (never a reused file, never a file whose node is still present).
   */
  private async rollBack(): Promise<string[]> {
    const problems: string[] = [];
    const deleteErrors: string[] = [];
    const deleteNode = async (nodeName: string): Promise<void> => {
      await deleteBlockNode(this.qmp, nodeName).catch((e: unknown) => deleteErrors.push(`blockdev-del ${nodeName}: ${asError(e).message}`));
    };
    await Promise.all(this.plans.filter((p) => p.formatNodeAdded).map((p) => deleteNode(p.nodes.format)));
    await Promise.all(this.plans.filter((p) => p.fileNodeAdded).map((p) => deleteNode(p.nodes.file)));
    // before the first blockdev-add QEMU holds nothing of this snapshot: there is no graph to prove
    let after: BlockGraphFingerprint | undefined;
    if (this.addsSent) {
      try {
        const before = await this.graphBefore();
        after = await readBlockGraphFingerprint(this.qmp);
        // the graph comparison is the truth: a failed blockdev-del of a node that is gone anyway is no problem
        problems.push(...describeGraphChanges(before, after));
      } catch (e) {
        problems.push(`cannot verify the block graph: ${asError(e).message}`, ...deleteErrors);
      }
    }
    for (const plan of this.plans) {
      if (!plan.reserved) continue;
      const stillOpen = this.addsSent && (!after || after.nodeNames.includes(plan.nodes.file) || after.nodeNames.includes(plan.nodes.format));
      if (stillOpen) {
        problems.push(`kept ${plan.reserved.path}: QEMU may still use it`);
        continue;
      }
      try {
        const outcome = await unlinkReservedFile(plan.reserved);
        if (outcome === 'replaced-kept') problems.push(`${plan.reserved.path} was replaced by another file; left alone`);
      } catch (e) {
        problems.push(`unlink ${plan.reserved.path}: ${asError(e).message}`);
      }
    }
    return problems;
  }
}

/** Whether the first of `promises` to settle fulfils. */
function firstSucceeds(promises: readonly Promise<unknown>[]): Promise<boolean> {
  return Promise.race(
    promises.map((promise) =>
      promise.then(
        () => true,
        () => false,
      ),
    ),
  );
}

/** Runs `action` for every item concurrently (QMP pipelines them) and rethrows the first failure after all settled. */
async function settleEach<T>(items: readonly T[], action: (item: T) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(items.map(action));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}
