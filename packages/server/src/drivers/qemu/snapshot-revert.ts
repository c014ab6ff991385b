// The qemu driver's DomainRevertToSnapshot: internal tags re-applied (or a checkpoint loaded), external snapshots get a fresh overlay.
import { DomainSnapshotRevertFlags as Revert, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { isExternalSnapshot, type DomainDefinition } from '@virtwire/protocol/xml';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SnapshotNode } from '../../conf/snapshot-tree.js';
import { declaredChain, diskElement, setDiskChain, type ImageChain } from './disk-chain.js';
import { completeForward } from './forward-intent.js';
import { abandonedOverlaySteps, imageReferences } from './image-references.js';
import { reservePlannedFiles } from './intent-files.js';
import { reachCommitPoint } from './job-commit-point.js';
import { journaledCall, runIntent } from './intent-runner.js';
import type { DiskStep, ForwardIntent } from './qemu-intent.js';
import { Reason, type QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import type { OperationCall } from '../driver.js';
import { internalTag } from './snapshot-names.js';
import { nvramRestoreStep } from './snapshot-nvram.js';
import { snapshotDomain, snapshotImage } from './snapshot-images.js';
import { formatSnapshotFile } from './state-layout.js';
import type { FileChange } from './state-change.js';

const qemuError = (code: number, detail: string) => VirError.report(code, ErrorDomain.Qemu, detail);

/** What a revert does to the disks and the definition. */
interface RevertPlan {
  definition: DomainDefinition;
  stopFirst: boolean;
  startPaused: boolean;
  steps: DiskStep[];
  cleanup: DiskStep[];
  /** New overlays (external snapshots), reserved before the revert commits. */
  overlays: string[];
}

/**
 * Reverts to a snapshot (libvirt's qemuSnapshotRevert): the domain's definition becomes the one
 * the snapshot recorded; a checkpoint (internal, with memory) is loaded into the guest, started
 * paused if needed; an internal disk snapshot is applied to the stopped domain's images; an external
 * snapshot gets a new overlay on each of its images (the files of the abandoned state are removed
 * when no snapshot refers to them). The end state is the snapshot's, or RUNNING/PAUSED. The new
 * overlays are reserved (and their identities journaled) before the revert commits, so every
 * later step, replayed after a crash, works on files known to be its own.
 */
export async function revertToSnapshot(host: QemuHost, domain: QemuDomain, node: SnapshotNode, flags: number, call: OperationCall = {}): Promise<void> {
  const { job } = call;
  const def = node.def;
  const recorded = snapshotDomain(def);
  if (!recorded) throw qemuError(ErrorNumber.SnapshotRevertRisky, `snapshot '${def.name}' lacks domain '${domain.name}' rollback info`);
  const checkpoint = def.memory?.snapshot === 'internal' && (def.state === 'running' || def.state === 'paused');
  let endState: ForwardIntent['endState'] = def.state === 'running' ? 'running' : def.state === 'paused' ? 'paused' : 'shutoff';
  if (flags & Revert.Running) endState = 'running';
  if (flags & Revert.Paused) endState = 'paused';
  const plan = isExternalSnapshot(def) ? planExternalRevert(host, domain, node, recorded) : planInternalRevert(domain, node, recorded, checkpoint);
  const nvram = nvramRestoreStep(host, domain, def.name, plan.definition, { flags, guestStopped: plan.stopFirst || !domain.active });
  if (nvram) plan.steps.push(nvram);

  const { layout } = host.services;
  const previous = domain.snapshots.current;
  const metadata: FileChange[] = [{ path: layout.snapshotFile(domain.name, def.name), content: formatSnapshotFile(def, true) }];
  if (previous && previous !== node)
    metadata.push({ path: layout.snapshotFile(domain.name, previous.def.name), content: formatSnapshotFile(previous.def, false) });
  const definitions: FileChange[] = domain.persistent ? [{ path: layout.domainFile(domain.name), content: plan.definition.format({ secure: true }) }] : [];
  const payload: ForwardIntent = {
    kind: 'snapshot-revert',
    snapshotName: def.name,
    stopFirst: plan.stopFirst,
    startPaused: plan.startPaused,
    steps: plan.steps,
    cleanup: plan.cleanup,
    files: { planned: plan.overlays, reserved: [] },
    endState,
    change: { metadata, definitions },
  };
  const memory = memoryToLoad(host, node);
  if (memory !== undefined) payload.loadMemory = memory;
  if (flags & Revert.ResetNvram) payload.resetNvram = true;
  // virDomainAbortJob is honoured until the revert commits (its overlays reserved, nothing else changed)
  job?.abortable();
  job?.checkpoint();
  await runIntent(
    host,
    domain,
    payload,
    async (intent) => {
      await reservePlannedFiles(intent, intent.payload.files);
      await reachCommitPoint(host, intent.operation, job);
      intent.advance('committed');
      await completeForward(host, domain, intent, {
        ...(job ? { job } : {}),
        onStateApplied: () => {
          domain.persistentDefinition = plan.definition;
          domain.snapshots.current = node;
        },
        startReason: Reason.RunningFromSnapshot,
      });
    },
    { request: journaledCall(call, null) },
  );
}

/** Internal snapshots live inside the disks' images: those must still be the images the disks use. */
function planInternalRevert(domain: QemuDomain, node: SnapshotNode, recorded: DomainDefinition, checkpoint: boolean): RevertPlan {
  const tag = internalTag(node.def.name);
  const disks = node.def.disks
    .filter((d) => d.snapshot === 'internal')
    .map((d) => ({ target: d.name, path: snapshotImage(node.def, d.name)?.[0]?.path ?? '' }));
  for (const disk of disks) {
    const current = domain.effective.disks().find((d) => d.target === disk.target)?.source;
    if (disk.path !== current) {
      throw qemuError(
        ErrorNumber.OperationUnsupported,
        `disk image '${disk.path}' for internal snapshot '${node.def.name}' is not the same as disk image currently used by VM`,
      );
    }
  }
  const definition = withCurrentChains(recorded, domain.persistentDefinition);
  if (checkpoint) return { definition, stopFirst: false, startPaused: true, steps: [], cleanup: [{ type: 'load-checkpoint', tag }], overlays: [] };
  return { definition, stopFirst: true, startPaused: false, steps: [{ type: 'apply-tag', tag, disks }], cleanup: [], overlays: [] };
}

/** The recorded definition, with each disk's chain as the domain declares it now (same images, chains made explicit). */
function withCurrentChains(recorded: DomainDefinition, current: DomainDefinition): DomainDefinition {
  const copy = recorded.clone();
  for (const disk of copy.disks()) {
    const now = current.disks().find((d) => d.target === disk.target);
    if (!now || now.source !== disk.source) continue;
    const chain = declaredChain(diskElement(current, disk.target));
    if (chain && chain.length > 0) setDiskChain(diskElement(copy, disk.target), chain);
  }
  return copy;
}

/** A fresh overlay on each of the snapshot's images; the abandoned state's overlays go when nothing refers to them. */
function planExternalRevert(host: QemuHost, domain: QemuDomain, node: SnapshotNode, recorded: DomainDefinition): RevertPlan {
  const definition = recorded.clone();
  const steps: DiskStep[] = [];
  const overlays: string[] = [];
  for (const disk of node.def.disks.filter((d) => d.snapshot === 'external')) {
    const state: ImageChain | undefined = snapshotImage(node.def, disk.name);
    const base = state?.[0];
    if (!state || !base || !existsSync(base.path)) {
      throw qemuError(ErrorNumber.OperationInvalid, `image of disk '${disk.name}' of snapshot '${node.def.name}' is missing`);
    }
    const { confinement } = host.services;
    confinement.existing(base.path, 'backing', ErrorDomain.Qemu);
    for (const layer of state.slice(1)) confinement.existing(layer.path, 'backing', ErrorDomain.Qemu);
    const overlay = confinement.creatable(freshOverlayPath(base.path, node.def.name), 'revert-overlay', ErrorDomain.Qemu);
    steps.push({ type: 'create-overlay', target: disk.name, overlay, base });
    setDiskChain(diskElement(definition, disk.name), [{ path: overlay, format: 'qcow2' }, ...state]);
    overlays.push(overlay);
  }
  const snapshots = [...domain.snapshots.all()].map((s) => s.def);
  const cleanup = abandonedOverlaySteps(imageReferences([domain.persistentDefinition, domain.live], snapshots), imageReferences([definition], snapshots));
  return { definition, stopFirst: true, startPaused: false, steps, cleanup, overlays };
}

/**
 * The memory file a revert starts the guest from (libvirt's qemuSnapshotRevertExternalActive): an
 * external memory snapshot of a running or paused guest. The file must still be there, inside the
 * storage roots; its content is checked when it is loaded (a migration stream, or QEMU refuses it).
 */
function memoryToLoad(host: QemuHost, node: SnapshotNode): string | undefined {
  const { def } = node;
  if (def.memory?.snapshot !== 'external' || def.memory.file === undefined || (def.state !== 'running' && def.state !== 'paused')) return undefined;
  const file = def.memory.file;
  host.services.confinement.existing(file, 'memory', ErrorDomain.Qemu);
  if (!existsSync(file)) throw qemuError(ErrorNumber.OperationInvalid, `memory file '${file}' of snapshot '${def.name}' is missing`);
  return file;
}

/** `<image stem>.<snapshot>-r<N>` next to the snapshot's image, the first N not taken. */
function freshOverlayPath(image: string, snapshotName: string): string {
  const name = basename(image);
  const dot = name.lastIndexOf('.');
  const stem = join(dirname(image), dot > 0 ? name.slice(0, dot) : name);
  for (let n = 1; ; n++) {
    const candidate = `${stem}.${snapshotName}-r${n}`;
    if (!existsSync(candidate)) return candidate;
  }
}
