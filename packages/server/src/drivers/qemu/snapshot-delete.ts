// The qemu driver's DomainSnapshotDelete: internal tags removed, external overlays merged back (block commit or qemu-img commit).
import { DomainSnapshotDeleteFlags as Delete, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { isExternalSnapshot, type DomainDefinition } from '@virtwire/protocol/xml';
import type { SnapshotNode } from '../../conf/snapshot-tree.js';
import { declaredChain, diskElement, setDiskChain, type ImageLayer } from './disk-chain.js';
import { completeForward } from './forward-intent.js';
import { abandonedOverlaySteps, imageReferences } from './image-references.js';
import { journaledCall, runIntent } from './intent-runner.js';
import { reachCommitPoint } from './job-commit-point.js';
import type { DiskStep, ForwardIntent } from './qemu-intent.js';
import type { QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import { nvramCopyRemovals } from './snapshot-nvram.js';
import type { OperationCall } from '../driver.js';
import { snapshotImage } from './snapshot-images.js';
import { internalTag } from './snapshot-names.js';
import { persistMetadata } from './snapshot-metadata.js';
import { formatSnapshotFile } from './state-layout.js';
import type { FileChange, StateChange } from './state-change.js';

const unsupported = (detail: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Qemu, detail);
const qemuError = (code: number, detail: string) => VirError.report(code, ErrorDomain.Qemu, detail);

/** The snapshots a delete with `flags` removes, children before parents. */
function snapshotsToDelete(domain: QemuDomain, node: SnapshotNode, flags: number): SnapshotNode[] {
  const descendants = [...domain.snapshots.descendants(node)];
  const chosen = flags & Delete.ChildrenOnly ? descendants : flags & Delete.Children ? [node, ...descendants] : [node];
  return chosen.reverse();
}

/**
 * Deletes a snapshot (libvirt's qemuSnapshotDelete): METADATA_ONLY drops metadata; otherwise an
 * internal snapshot's tag is removed from its images, and an external snapshot's overlays, which
 * must be the disks' active images, are merged into the images below them and then removed; so
 * are overlays only the deleted snapshots still referred to (layers a revert abandoned). The
 * change is committed (journaled) before the first disk changes and completed by recovery after a crash.
 */
export async function deleteSnapshot(host: QemuHost, domain: QemuDomain, node: SnapshotNode, flags: number, call: OperationCall = {}): Promise<void> {
  const { job } = call;
  const doomed = snapshotsToDelete(domain, node, flags);
  const doomedNames = new Set(doomed.map((s) => s.def.name));
  const newCurrent = currentAfter(domain, node, doomedNames, flags);
  const survivors = reparented(domain, doomedNames);

  if (flags & Delete.MetadataOnly) {
    applyTreeChange(domain, doomed, newCurrent);
    await persistMetadata(host, domain, survivors.map((s) => domain.snapshots.get(s)!).filter(Boolean), [...doomedNames], journaledCall(call, null));
    return;
  }

  const external = doomed.filter((s) => isExternalSnapshot(s.def));
  if (external.length > 0 && doomed.length > 1) throw unsupported('deletion of external disk snapshots with children not supported');
  const plan =
    external.length > 0
      ? planExternalDelete(host, domain, node, doomedNames)
      : { steps: doomed.flatMap((s) => internalSteps(domain, s)), definition: undefined, live: undefined };

  const { layout } = host.services;
  const metadata: FileChange[] = [
    ...[...doomedNames].map((name) => ({ path: layout.snapshotFile(domain.name, name), content: null, pruneDirectory: true })),
    ...nvramCopyRemovals(layout, domain.name, doomedNames),
    ...survivorFiles(host, domain, doomedNames, newCurrent),
  ];
  const definitions: FileChange[] = [];
  if (plan.definition && domain.persistent) definitions.push({ path: layout.domainFile(domain.name), content: plan.definition.format({ secure: true }) });
  const change: StateChange = { metadata, definitions };
  if (plan.live) change.status = { live: plan.live.format({ secure: true }) };
  const all = [...domain.snapshots.all()].map((s) => s.def);
  const before = imageReferences([domain.persistentDefinition, domain.live], all);
  const after = imageReferences(
    [plan.definition ?? domain.persistentDefinition, plan.live ?? domain.live],
    all.filter((def) => !doomedNames.has(def.name)),
  );
  const payload: ForwardIntent = {
    kind: 'snapshot-delete',
    snapshotName: node.def.name,
    stopFirst: false,
    startPaused: false,
    steps: plan.steps,
    cleanup: [...abandonedOverlaySteps(before, after), ...memoryRemovals(doomed)],
    files: { planned: [], reserved: [] },
    endState: 'unchanged',
    change,
  };
  // virDomainAbortJob is honoured until the delete commits (before the first disk changes)
  job?.abortable();
  job?.checkpoint();
  await runIntent(
    host,
    domain,
    payload,
    async (intent) => {
      await reachCommitPoint(host, intent.operation, job);
      intent.advance('committed');
      await completeForward(host, domain, intent, {
        ...(job ? { job } : {}),
        onStateApplied: () => {
          if (plan.definition && domain.persistent) domain.persistentDefinition = plan.definition;
          if (plan.live) domain.live = plan.live;
          applyTreeChange(domain, doomed, newCurrent);
        },
      });
    },
    { request: journaledCall(call, null) },
  );
}

/** The memory files of deleted external memory snapshots (libvirt's qemuSnapshotDiscardExternal unlinks them too; METADATA_ONLY keeps them). */
function memoryRemovals(doomed: readonly SnapshotNode[]): DiskStep[] {
  return doomed.flatMap((s) =>
    s.def.memory?.snapshot === 'external' && s.def.memory.file !== undefined ? [{ type: 'remove-memory' as const, path: s.def.memory.file }] : [],
  );
}

/** libvirt: a deleted current snapshot hands "current" to its parent (to the snapshot itself with CHILDREN_ONLY). */
function currentAfter(domain: QemuDomain, node: SnapshotNode, doomed: ReadonlySet<string>, flags: number): string | null {
  const current = domain.snapshots.current;
  if (!current || !doomed.has(current.def.name)) return current?.def.name ?? null;
  if (flags & Delete.ChildrenOnly) return node.def.name;
  return node.parent?.def.name ?? null;
}

/** Names of surviving snapshots whose parent is deleted (they move up to the nearest survivor). */
function reparented(domain: QemuDomain, doomed: ReadonlySet<string>): string[] {
  return [...domain.snapshots.all()].filter((s) => !doomed.has(s.def.name) && s.parent !== null && doomed.has(s.parent.def.name)).map((s) => s.def.name);
}

function survivingAncestor(node: SnapshotNode, doomed: ReadonlySet<string>): string | undefined {
  for (let at = node.parent; at; at = at.parent) if (!doomed.has(at.def.name)) return at.def.name;
  return undefined;
}

/** The files of surviving snapshots that change: new parents, and the current marker moving. */
function survivorFiles(host: QemuHost, domain: QemuDomain, doomed: ReadonlySet<string>, newCurrent: string | null): FileChange[] {
  const oldCurrent = domain.snapshots.current?.def.name ?? null;
  const names = new Set(reparented(domain, doomed));
  if (newCurrent !== oldCurrent) {
    if (newCurrent !== null) names.add(newCurrent);
    if (oldCurrent !== null && !doomed.has(oldCurrent)) names.add(oldCurrent);
  }
  return [...names].map((name) => {
    const node = domain.snapshots.get(name)!;
    const def = { ...node.def };
    const parent = survivingAncestor(node, doomed);
    if (parent === undefined) delete def.parent;
    else def.parent = parent;
    return { path: host.services.layout.snapshotFile(domain.name, name), content: formatSnapshotFile(def, name === newCurrent) };
  });
}

function applyTreeChange(domain: QemuDomain, doomed: readonly SnapshotNode[], newCurrent: string | null): void {
  for (const node of doomed) domain.snapshots.remove(node);
  domain.snapshots.current = newCurrent === null ? null : (domain.snapshots.get(newCurrent) ?? null);
}

/** Removing an internal snapshot's tag from the images that carry it (the images the disks used when it was taken). */
function internalSteps(domain: QemuDomain, snapshot: SnapshotNode): DiskStep[] {
  const tag = internalTag(snapshot.def.name);
  const disks = snapshot.def.disks
    .filter((d) => d.snapshot === 'internal')
    .map((d) => ({ target: d.name, path: snapshotImage(snapshot.def, d.name)?.[0]?.path }));
  if (disks.length === 0) return [];
  if (domain.active) {
    for (const disk of disks) {
      const current = domain.effective.disks().find((d) => d.target === disk.target)?.source;
      if (disk.path !== current) {
        throw qemuError(
          ErrorNumber.OperationUnsupported,
          `disk image '${disk.path ?? disk.target}' for internal snapshot '${snapshot.def.name}' is not the same as disk image currently used by VM`,
        );
      }
    }
  }
  return [{ type: 'delete-tag', tag, disks: disks.filter((d): d is { target: string; path: string } => d.path !== undefined) }];
}

/**
 * An external snapshot's delete: for each external disk its overlay must be the disk's active
 * image with the snapshot's image right below it, and no other snapshot may depend on the overlay.
 * Then: merge each overlay down (commit steps), switch the definitions; the overlays, referred to
 * by nothing then, are removed as abandoned.
 */
function planExternalDelete(host: QemuHost, domain: QemuDomain, node: SnapshotNode, doomed: ReadonlySet<string>) {
  const steps: DiskStep[] = [];
  const definition = domain.persistentDefinition.clone();
  const live = domain.live?.clone();
  for (const disk of node.def.disks.filter((d) => d.snapshot === 'external')) {
    const overlay = disk.source!;
    const chain = declaredChain(diskElement(domain.effective, disk.name)) ?? [];
    const state = snapshotImage(node.def, disk.name)?.[0];
    if (chain[0]?.path !== overlay || chain[1] === undefined || chain[1].path !== state?.path) {
      throw unsupported(
        `deletion of external snapshot '${node.def.name}' is supported only while its overlay '${overlay}' is the active image of disk '${disk.name}'`,
      );
    }
    for (const other of domain.snapshots.all()) {
      if (doomed.has(other.def.name)) continue;
      if (other.def.disks.some((d) => d.source === overlay) || snapshotImage(other.def, disk.name)?.some((l) => l.path === overlay)) {
        throw unsupported('deletion of external disk snapshots with children not supported');
      }
    }
    const base: ImageLayer = chain[1];
    // The merge writes the base and removes the overlay: both are confined first, as everything the driver opens.
    host.services.confinement.existing(overlay, 'overlay', ErrorDomain.Qemu);
    host.services.confinement.existing(base.path, 'backing', ErrorDomain.Qemu);
    steps.push({ type: 'commit', target: disk.name, overlay, base });
    dropTopLayer(definition, disk.name, overlay);
    if (live) dropTopLayer(live, disk.name, overlay);
  }
  return { steps, definition, live };
}

/** Makes the layer below `overlay` the disk's active image in `definition` (when it uses `overlay`). */
function dropTopLayer(definition: DomainDefinition, target: string, overlay: string): void {
  const el = diskElement(definition, target);
  const chain = declaredChain(el);
  if (chain?.[0]?.path !== overlay || chain.length < 2) return;
  setDiskChain(el, chain.slice(1));
}
