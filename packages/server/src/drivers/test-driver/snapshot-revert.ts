// The test driver's DomainRevertToSnapshot: libvirt's checks, state transitions and definitions, external reverts on simulated storage.
import { DomainSnapshotRevertFlags as Revert, DomainState, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { childElement, cloneElement, DomainDefinition, isExternalSnapshot, type XmlElement } from '@virtwire/protocol/xml';
import { checkAbiStability } from '../../conf/domain-abi.js';
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
  const force = (flags & Revert.Force) !== 0;

  if (!domain.persistent && !online && !startRequested) {
    throw VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Test, 'transient domain needs to request run or pause to revert to inactive snapshot');
  }
  if (!force) {
    if (def.domain === undefined) throw risky(`snapshot '${def.name}' lacks domain '${domain.name}' rollback info`);
    if (domain.active && !online && startRequested) throw risky('must respawn guest to start inactive snapshot');
  }

  // Without FORCE a snapshot always has its domain; with FORCE an old one without it keeps the current definition.
  const config = def.domain ? definitionFrom(def.domain, domain.name) : domain.effective.clone();
  const inactiveConfig = def.inactiveDomain ? definitionFrom(def.inactiveDomain, domain.name) : undefined;
  let respawn = false;
  if (online && domain.active) {
    const abi = checkAbiStability(domain.effective, config);
    if (abi) {
      if (!force) throw risky(abi.str2 ?? abi.message);
      respawn = true;
    }
  }

  // A guest started with its memory runs the recorded live definition (and keeps the recorded
  // persistent one for later); otherwise the domain boots, or stays off, with the persistent one.
  const endActive = online || startRequested;
  const nextDefinition = online && endActive ? config : (inactiveConfig ?? config);
  const nextPending = online && endActive ? inactiveConfig : undefined;
  const external = isExternalSnapshot(def);
  const leftovers = external ? revertLeftovers(domain.snapshots.current) : [];
  const previousSources = new Set(domain.effective.disks().flatMap((d) => (d.source === undefined ? [] : [d.source])));
  const disks = prepareRevertDisks(def, { recorded: config, next: nextDefinition }, node.storage, now(), online);

  // Commit point: nothing below can fail.
  const paused = !(flags & Revert.Running) && (def.state === 'paused' || (flags & Revert.Paused) !== 0);
  if (domain.active && (!endActive || respawn || !online)) domain.stop(StateReason.ShutoffFromSnapshot);
  if (disks.overlays) {
    const bases = new Map(nextDefinition.disks().map((d) => [d.target, d.source]));
    switchToOverlays(nextDefinition, disks.overlays);
    if (nextPending) switchToOverlays(nextPending, disks.overlays, bases);
  }
  domain.effective = nextDefinition;
  domain.pendingDefinition = nextPending;
  if (endActive) {
    const state = paused ? DomainState.Paused : DomainState.Running;
    const reason = paused ? StateReason.PausedFromSnapshot : StateReason.RunningFromSnapshot;
    if (domain.active) {
      domain.state = state;
      domain.reason = reason;
    } else {
      domain.start(node.allocateId(), state, reason);
    }
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
