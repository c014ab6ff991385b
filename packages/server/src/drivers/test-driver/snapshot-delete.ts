// The test driver's DomainSnapshotDelete: one snapshot, its children, or only its metadata, with libvirt's current-snapshot rules.
import { DomainSnapshotDeleteFlags as Delete, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { DomainDefinition, isExternalSnapshot } from '@virtwire/protocol/xml';
import type { SnapshotNode, SnapshotTree } from '../../conf/snapshot-tree.js';
import { checkExternalDelete, prepareExternalDelete, type ExternalDeletePlan } from './delete-external.js';
import type { SimulatedStorage } from './simulated-storage.js';
import type { TestDomain } from './test-domain.js';

const unsupportedConfig = (detail: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Test, detail);

/**
 * Deletes a snapshot (libvirt's testDomainSnapshotDelete for the tree, qemuSnapshotDelete for the
 * disks). Flags 0: the snapshot goes, its children move to its parent, and if it was current its
 * parent becomes current. CHILDREN: the snapshot and every descendant go; if the current snapshot
 * was among them, the snapshot's parent becomes current. CHILDREN_ONLY: only the descendants go;
 * the snapshot becomes current if the current one was among them. METADATA_ONLY (a virtwire
 * extension to libvirt's test driver): the disks keep their data. Everything is checked before
 * anything changes; the work is proportional to the snapshots removed and their children.
 */
export function deleteSnapshot(domain: TestDomain, snapshot: SnapshotNode, flags: number, storage: SimulatedStorage): void {
  const tree = domain.snapshots;
  const metadataOnly = (flags & Delete.MetadataOnly) !== 0;
  const withDescendants = (flags & (Delete.Children | Delete.ChildrenOnly)) !== 0;
  let externalPlan: ExternalDeletePlan | undefined;
  if (!metadataOnly) {
    checkInternalInUse(domain, snapshot);
    if (withDescendants) checkDescendants(tree, snapshot);
    if (isExternalSnapshot(snapshot.def)) {
      checkExternalDelete(tree, snapshot, (flags & Delete.Children) !== 0);
      if (!withDescendants) externalPlan = prepareExternalDelete(domain, snapshot, storage);
    }
  }

  // Commit point: nothing below can fail.
  if (withDescendants) {
    const doomed = [...tree.descendants(snapshot)];
    const currentInside = doomed.some((node) => node === tree.current);
    for (const node of doomed.reverse()) {
      if (!metadataOnly) discardInternal(domain, node, storage);
      domain.snapshotImages.remove(node.def);
      tree.remove(node);
    }
    if (currentInside) tree.current = snapshot;
    if (flags & Delete.ChildrenOnly) {
      promoteRevertDisks(snapshot);
      return;
    }
  }
  domain.snapshotImages.remove(snapshot.def);
  if (!metadataOnly) {
    if (externalPlan) externalPlan();
    else if (!isExternalSnapshot(snapshot.def)) discardInternal(domain, snapshot, storage);
  }
  removeOne(tree, snapshot);
}

/**
 * libvirt refuses to delete an internal snapshot of a running domain whose disk has moved to
 * another image since (qemuSnapshotDeleteValidate): the snapshot lives in the old image.
 */
function checkInternalInUse(domain: TestDomain, snapshot: SnapshotNode): void {
  if (isExternalSnapshot(snapshot.def) || !domain.active || !snapshot.def.domain) return;
  const recorded = new Map(
    DomainDefinition.fromTree(snapshot.def.domain)
      .disks()
      .map((d) => [d.target, d.source]),
  );
  const live = new Map(domain.effective.disks().map((d) => [d.target, d.source]));
  for (const disk of snapshot.def.disks) {
    if (recorded.get(disk.name) !== live.get(disk.name)) {
      throw VirError.report(
        ErrorNumber.OperationUnsupported,
        ErrorDomain.Test,
        `disk image '${disk.name}' for internal snapshot '${snapshot.def.name}' is not the same as disk image currently used by VM`,
      );
    }
  }
}

/** libvirt deletes descendants only when none of them is external. O(descendants). */
function checkDescendants(tree: SnapshotTree, snapshot: SnapshotNode): void {
  let external = 0;
  let internal = 0;
  for (const node of tree.descendants(snapshot)) {
    if (isExternalSnapshot(node.def)) external++;
    else internal++;
  }
  if (external > 0 && internal > 0) throw unsupportedConfig('deletion of external and internal children disk snapshots not supported');
  if (external > 0) throw unsupportedConfig('deletion of external children disk snapshots not supported');
}

/** Removes an internal snapshot from the images it lives in (`qemu-img snapshot -d`); missing ones are skipped, as libvirt does. */
function discardInternal(domain: TestDomain, snapshot: SnapshotNode, storage: SimulatedStorage): void {
  const images = snapshot.def.domain ? DomainDefinition.fromTree(snapshot.def.domain) : domain.effective;
  const sources = new Map(images.disks().map((d) => [d.target, d.source]));
  for (const disk of snapshot.def.disks) {
    const image = sources.get(disk.name);
    if (disk.snapshot === 'internal' && image !== undefined) storage.removeInternalSnapshot(image, snapshot.def.name);
  }
}

/**
 * A parent that was reverted to while it had children keeps its revert overlays apart; once a
 * child is deleted they become its disks (qemuSnapshotDeleteUpdateParent).
 */
function promoteRevertDisks(parent: SnapshotNode | null): void {
  if (!parent?.def.revertDisks) return;
  parent.def.disks = parent.def.revertDisks;
  delete parent.def.revertDisks;
}

/** Drops one snapshot's metadata: children to its parent, current to its parent. O(children). */
function removeOne(tree: SnapshotTree, snapshot: SnapshotNode): void {
  const parent = snapshot.parent;
  const wasCurrent = tree.current === snapshot;
  promoteRevertDisks(parent);
  tree.remove(snapshot);
  if (wasCurrent) tree.current = parent;
}
