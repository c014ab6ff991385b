// The test driver's DomainRevertToSnapshot: libvirt's checks, state transitions and definitions, external reverts on simulated storage.
import { DomainSnapshotRevertFlags as Revert, DomainState, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { childElement, cloneElement, DomainDefinition, isExternalSnapshot, type XmlElement } from '@virtwire/protocol/xml';
import type { SnapshotNode } from '../../conf/snapshot-tree.js';
import { discardLeftovers, prepareRevertDisks, revertLeftovers, switchToOverlays } from './revert-disks.js';
import { StateReason, type TestDomain } from './test-domain.js';
import type { TestNode } from './test-node.js';

const risky = (detail: string) => VirError.report(ErrorNumber.SnapshotRevertRisky, ErrorDomain.Test, detail);

/** A copy of a snapshot's `<domain>` (or `<inactiveDomain>`) as a definition named like the domain. */
function definitionFrom(tree: XmlElement, domainName: string): DomainDefinition {
  const copy = cloneElement(tree);
  const root: XmlElement = { name: 'domain', attributes: copy.attributes, children: copy.children };
  const name = childElement(root, 'name');
  if (name) name.children.splice(0, name.children.length, domainName);
  return DomainDefinition.fromTree(root);
}

/**
 * Reverts `domain` to `snapshot` (libvirt's testDomainRevertToSnapshot, with qemu's handling of
 * external snapshots since libvirt 9.9). Checks come first, in libvirt's order; then the disks are
 * prepared (undone on failure); then, in one step, the domain's state and definitions change and
 * the snapshot becomes current. The domain ends running (RUNNING_FROM_SNAPSHOT), paused
 * (PAUSED_FROM_SNAPSHOT) or shut off (SHUTOFF_FROM_SNAPSHOT when it was running).
 */
export function revertToSnapshot(
  node: TestNode,
  domain: TestDomain,
  snapshot: SnapshotNode,
  flags: number,
  now: () => number = () => Math.floor(Date.now() / 1000),
): void {
  const def = snapshot.def;
  const online = def.state === 'running' || def.state === 'paused';
  const startRequested = (flags & (Revert.Running | Revert.Paused)) !== 0;

  if (!domain.persistent && !online && !startRequested) {
    throw VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Test, 'transient domain needs to request run or pause to revert to inactive snapshot');
  }
  // As libvirt 9.0's test and qemu drivers: no FORCE reverts to a snapshot that recorded no domain.
  if (def.domain === undefined) throw risky(`snapshot '${def.name}' lacks domain '${domain.name}' rollback info`);
  // libvirt 9.0's test driver checks nothing else: FORCE changes nothing here (its qemu driver
  // asks for it before it respawns a guest whose ABI changed or starts an inactive snapshot).

  // As libvirt's test driver, the recorded `<domain>` becomes the live and the persistent definition.
  // External snapshots (beyond libvirt 9.0's test driver) follow its qemu driver: their
  // `<inactiveDomain>` becomes the persistent definition.
  const external = isExternalSnapshot(def);
  const config = definitionFrom(def.domain, domain.name);
  const inactiveConfig = external && def.inactiveDomain ? definitionFrom(def.inactiveDomain, domain.name) : undefined;

  // A guest started with its memory runs the recorded live definition (and keeps the recorded
  // persistent one for later); otherwise the domain boots, or stays off, with the persistent one.
  const endActive = online || startRequested;
  const nextDefinition = online ? config : (inactiveConfig ?? config);
  const nextPending = online ? inactiveConfig : undefined;
  const leftovers = external ? revertLeftovers(domain.snapshots.current) : [];
  const previousSources = new Set(domain.effective.disks().flatMap((d) => (d.source === undefined ? [] : [d.source])));
  const disks = prepareRevertDisks(def, { recorded: config, next: nextDefinition }, node.storage, now(), online);

  // Commit point: nothing below can fail.
  const paused = !(flags & Revert.Running) && (def.state === 'paused' || (flags & Revert.Paused) !== 0);
  // As libvirt's test driver: an active domain stops, and starts again (with a new id) when the revert ends active.
  if (domain.active) domain.stop(StateReason.ShutoffFromSnapshot);
  if (disks.overlays) {
    const bases = new Map(nextDefinition.disks().map((d) => [d.target, d.source]));
    switchToOverlays(nextDefinition, disks.overlays);
    if (nextPending) switchToOverlays(nextPending, disks.overlays, bases);
  }
  domain.effective = nextDefinition;
  domain.pendingDefinition = nextPending;
  if (endActive) {
    const state = paused ? DomainState.Paused : DomainState.Running;
    domain.start(node.allocateId(), state, paused ? StateReason.PausedFromSnapshot : StateReason.RunningFromSnapshot);
  }

  if (disks.overlays) {
    const current = domain.snapshots.current;
    if (current) delete current.def.revertDisks;
    if (snapshot.children.size > 0) def.revertDisks = disks.overlays;
    else {
      def.disks = disks.overlays;
      delete def.revertDisks;
    }
    const inUse = new Set(
      [domain.effective, domain.pendingDefinition].flatMap((d) => d?.disks().flatMap((disk) => (disk.source === undefined ? [] : [disk.source])) ?? []),
    );
    discardLeftovers(leftovers, previousSources, inUse, domain.snapshotImages, node.storage);
  }
  domain.snapshots.current = snapshot;
}
