// Deleting one external snapshot on simulated storage: libvirt's refusals, then a merge or a plain unlink, prepared before it is applied.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { DomainDefinition, isExternalSnapshot, cloneElement } from '@virtwire/protocol/xml';
import type { SnapshotNode, SnapshotTree } from '../../conf/snapshot-tree.js';
import type { SimulatedStorage } from './simulated-storage.js';
import type { TestDomain } from './test-domain.js';

const unsupportedConfig = (detail: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Test, detail);
const unsupportedOperation = (detail: string) => VirError.report(ErrorNumber.OperationUnsupported, ErrorDomain.Test, detail);
const failed = (detail: string) => VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Test, detail);

/**
 * libvirt's refusals for deleting one external snapshot (qemuSnapshotDeleteValidate): CHILDREN
 * with an external snapshot, the current snapshot when it has children, a non-leaf snapshot
 * outside the active chain (the current snapshot and its ancestors), more than one child.
 */
export function checkExternalDelete(tree: SnapshotTree, snapshot: SnapshotNode, withChildren: boolean): void {
  const current = tree.current;
  if (withChildren) throw unsupportedConfig('deletion of external disk snapshots with children not supported');
  const children = snapshot.children.size;
  if (snapshot === current && children !== 0) {
    throw unsupportedConfig('deletion of active external snapshot that is not a leaf snapshot is not supported');
  }
  // libvirt refuses the snapshots below the current one here and fails later, looking for the
  // overlay in the disk's backing chain, for the other branches; virtwire gives this error for both.
  if (snapshot !== current && children !== 0 && (current === null || !tree.isAncestorOrSelf(snapshot, current))) {
    throw unsupportedConfig('deletion of non-leaf external snapshot that is not in active chain is not supported');
  }
  if (children > 1) throw unsupportedConfig('deletion of external disk snapshot with multiple children snapshots not supported');
}

/** One external disk of the snapshot being deleted: its overlay and the image the overlay is built on. */
interface ExternalDisk {
  target: string;
  overlay: string;
  base: string;
}

/** A prepared external delete: apply it after every check passed; it cannot fail. */
export type ExternalDeletePlan = () => void;

/**
 * Prepares deleting an external snapshot (qemuSnapshotDeleteExternalPrepare). A leaf that is not
 * current has no overlay in use: its files are unlinked. Otherwise each overlay is merged into the
 * image below it (block commit), what was built on it is rebased, and the domain and the metadata
 * that named it name the image below instead. Files still needed by anything else are kept.
 */
export function prepareExternalDelete(domain: TestDomain, snapshot: SnapshotNode, storage: SimulatedStorage): ExternalDeletePlan {
  const def = snapshot.def;
  const snapshotDomain = def.domain ? DomainDefinition.fromTree(def.domain) : domain.effective;
  const bases = new Map(snapshotDomain.disks().map((d) => [d.target, d.source]));
  const disks: ExternalDisk[] = [];
  for (const disk of def.disks) {
    if (disk.snapshot !== 'external' || disk.source === undefined) continue;
    const base = bases.get(disk.name);
    if (base === undefined) throw failed(`failed to find disk '${disk.name}' in snapshot VM XML`);
    disks.push({ target: disk.name, overlay: disk.source, base });
  }
  const memoryFile = def.memory?.snapshot === 'external' ? def.memory.file : undefined;
  const merge = snapshot === domain.snapshots.current || snapshot.children.size > 0;

  if (merge) {
    for (const disk of disks) {
      const parentSnapshot = nearestSnapshotOfDisk(snapshot, disk.target);
      if (parentSnapshot && !isExternalSnapshot(parentSnapshot.def)) {
        throw unsupportedOperation('deleting external snapshot that has internal snapshot as parent not supported');
      }
      const overlay = storage.get(disk.overlay);
      if (!overlay) throw failed('VM disk source and snapshot disk source are not the same');
      if (overlay.backing !== disk.base) throw failed('snapshot VM disk source and parent disk source are not the same');
      if (overlay.internalSnapshots.size > 0) {
        throw unsupportedOperation('deleting external snapshot that has internal snapshot as child not supported');
      }
    }
  }

  return () => {
    if (merge) for (const disk of disks) mergeDisk(domain, snapshot, disk, storage);
    else for (const disk of disks) unlinkIfUnneeded(domain, [disk.overlay, disk.base], storage);
    if (memoryFile !== undefined) storage.remove(memoryFile);
  };
}

/** The closest ancestor that captured `target` (qemuSnapshotFindParentSnapForDisk). */
function nearestSnapshotOfDisk(snapshot: SnapshotNode, target: string): SnapshotNode | null {
  for (let at = snapshot.parent; at; at = at.parent) {
    if (at.def.disks.some((d) => d.name === target && d.snapshot !== 'no')) return at;
  }
  return null;
}

function domainSources(domain: TestDomain): Set<string> {
  const sources = new Set<string>();
  for (const definition of [domain.effective, domain.pendingDefinition]) {
    for (const disk of definition?.disks() ?? []) if (disk.source !== undefined) sources.add(disk.source);
  }
  return sources;
}

/** Unlinks each path in order, unless an overlay, an internal snapshot, another snapshot or the domain still needs it. */
function unlinkIfUnneeded(domain: TestDomain, paths: readonly string[], storage: SimulatedStorage): void {
  const inUse = domainSources(domain);
  for (const path of paths) {
    if (!inUse.has(path) && !domain.snapshotImages.has(path) && storage.isUnneeded(path)) storage.remove(path);
  }
}

/**
 * Block commit of one disk: the overlay's data goes into its base, whatever was built on the
 * overlay now uses the base, the domain's disk moves down to the base if it used the overlay, and
 * the snapshots recorded on the overlay (the children taken while it was in use) record the base.
 */
function mergeDisk(domain: TestDomain, snapshot: SnapshotNode, disk: ExternalDisk, storage: SimulatedStorage): void {
  const format = storage.get(disk.base)?.format;
  storage.commitIntoBacking(disk.overlay);
  for (const definition of [domain.effective, domain.pendingDefinition]) {
    if (definition?.disks().some((d) => d.target === disk.target && d.source === disk.overlay)) {
      definition.setDiskSource(disk.target, disk.base, format);
    }
  }
  const stack = [...snapshot.children];
  while (stack.length > 0) {
    const child = stack.pop()!;
    if (!child.def.domain) continue;
    const childDomain = DomainDefinition.fromTree(child.def.domain);
    if (!childDomain.disks().some((d) => d.target === disk.target && d.source === disk.overlay)) continue;
    const updated = DomainDefinition.fromTree(cloneElement(child.def.domain));
    updated.setDiskSource(disk.target, disk.base, format);
    domain.snapshotImages.remove(child.def);
    child.def.domain = updated.tree;
    domain.snapshotImages.add(child.def);
    stack.push(...child.children);
  }
}
