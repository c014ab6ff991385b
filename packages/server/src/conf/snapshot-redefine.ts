// REDEFINE: install or replace snapshot metadata from dumped XML (libvirt's virDomainSnapshotRedefinePrep).
import { DomainSnapshotCreateFlags as Create, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { childText, DomainDefinition, isExternalSnapshot, type SnapshotDef, type XmlElement } from '@virtwire/protocol/xml';
import { checkAbiStability } from './domain-abi.js';
import { alignSnapshotDisks, type AlignmentStorage } from './snapshot-disk-alignment.js';
import type { SnapshotNode, SnapshotTree } from './snapshot-tree.js';

/** The domain a snapshot is redefined on, as any driver keeps it. */
export interface RedefineTarget {
  readonly uuid: string;
  readonly snapshots: SnapshotTree;
  /** Lets the driver share one copy of identical `<domain>` trees (memory at scale). */
  shareRedefinedDomain?(tree: XmlElement): XmlElement;
  /** Tells the driver a snapshot definition was replaced (`previous`) or added, e.g. to track image references. */
  snapshotDefinitionChanged?(previous: SnapshotDef | undefined, next: SnapshotDef): void;
}

const invalidArg = (domain: number, detail: string) => VirError.report(ErrorNumber.InvalidArg, domain, detail);
/** libvirt's redefine check counts a snapshot as online when it holds a running or paused guest. */
const isOnline = (state: string | undefined) => state === 'running' || state === 'paused';

/**
 * Redefines a snapshot: checks parent links and cycles, the domain UUID and that an existing snapshot
 * keeps its kind; then replaces it in place (children kept) or adds it. Current changes only with CURRENT.
 * No disk is touched: `storage` only tells whether a disk's source is a regular file, as libvirt
 * asks before it names an external target the XML left out. `beforeCommit` runs the driver's own checks (path confinement) after libvirt's,
 * so that an input libvirt refuses gets libvirt's error first, and before anything changes.
 */
export function redefineSnapshot(
  domain: RedefineTarget,
  parsed: SnapshotDef,
  flags: number,
  storage: AlignmentStorage,
  beforeCommit?: (def: SnapshotDef) => void,
): { def: SnapshotDef & { name: string }; node: SnapshotNode } {
  const def = parsed as SnapshotDef & { name: string };
  const tree = domain.snapshots;
  const existing = tree.get(def.name);
  let parent: SnapshotNode | null = null;
  if (def.parent !== undefined) {
    if (def.parent === def.name) throw invalidArg(ErrorDomain.Domain, `cannot set moment ${def.name} as its own parent`);
    parent = tree.get(def.parent) ?? null;
    if (!parent) throw invalidArg(ErrorDomain.Domain, `parent ${def.parent} for moment ${def.name} not found`);
    if (existing && tree.isAncestorOrSelf(existing, parent)) {
      throw invalidArg(ErrorDomain.Domain, `parent ${def.parent} would create cycle to ${def.name}`);
    }
  }
  if (flags & Create.DiskOnly && def.state !== 'disk-snapshot') {
    throw invalidArg(ErrorDomain.DomainSnapshot, `disk-only flag for snapshot ${def.name} requires disk-snapshot state`);
  }
  if (def.domain !== undefined) {
    const uuid = childText(def.domain, 'uuid')?.trim().toLowerCase();
    if (uuid !== undefined && uuid !== domain.uuid) {
      throw invalidArg(ErrorDomain.DomainSnapshot, `definition for snapshot ${def.name} must use uuid ${domain.uuid}`);
    }
    if (domain.shareRedefinedDomain) def.domain = domain.shareRedefinedDomain(def.domain);
  }
  if (existing) {
    if (isOnline(existing.def.state) !== isOnline(def.state)) {
      throw invalidArg(ErrorDomain.DomainSnapshot, `cannot change between online and offline snapshot state in snapshot ${def.name}`);
    }
    if ((existing.def.state === 'disk-snapshot') !== (def.state === 'disk-snapshot')) {
      throw invalidArg(ErrorDomain.DomainSnapshot, `cannot change between disk only and full system in snapshot ${def.name}`);
    }
    if (existing.def.domain !== undefined && def.domain !== undefined) {
      const abi = checkAbiStability(DomainDefinition.fromTree(existing.def.domain), DomainDefinition.fromTree(def.domain));
      if (abi) throw abi;
    }
    if (def.domain === undefined && existing.def.domain !== undefined) def.domain = existing.def.domain;
  }
  // libvirt aligns the disks with the given domain or the replaced snapshot's: with neither (a
  // snapshot of libvirt < 0.9.5 redefined without one), there is nothing to align them with.
  if (def.domain === undefined) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.DomainSnapshot, 'missing domain in snapshot');

  const snapshotDomain = DomainDefinition.fromTree(def.domain);
  const defaultMode = def.state === 'disk-snapshot' || isExternalSnapshot(def) ? 'external' : 'internal';
  def.disks = alignSnapshotDisks(def.disks, snapshotDomain.disks(), defaultMode, def.name, storage, { acceptNoForEmptyDrive: true });

  beforeCommit?.(def);
  let node: SnapshotNode;
  const previous = existing?.def;
  if (existing) {
    existing.def = def;
    tree.replaced(existing);
    tree.link(existing, parent);
    node = existing;
  } else {
    node = tree.add(def, parent?.def.name);
  }
  domain.snapshotDefinitionChanged?.(previous, def);
  if (flags & Create.Current) tree.current = node;
  return { def, node };
}
