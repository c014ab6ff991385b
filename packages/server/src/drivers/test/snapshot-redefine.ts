// REDEFINE: install or replace snapshot metadata from dumped XML (libvirt's virDomainSnapshotRedefinePrep).
import {
  childText,
  DomainDefinition,
  DomainSnapshotCreateFlags as Create,
  ErrorDomain,
  ErrorNumber,
  isExternalSnapshot,
  VirError,
  type SnapshotDef,
} from '@virtwire/protocol';
import { alignSnapshotDisks } from '../../conf/snapshot-disk-alignment.js';
import type { SnapshotNode } from '../../conf/snapshot-tree.js';
import type { CreatedSnapshot } from './snapshot-create.js';
import type { TestDomain } from './test-domain.js';

const invalidArg = (domain: number, detail: string) => VirError.report(ErrorNumber.InvalidArg, domain, detail);
const offlineStates = new Set(['shutoff', 'disk-snapshot']);

/**
 * Redefines a snapshot: checks parent links and cycles, the domain UUID and that an existing snapshot
 * keeps its kind; then replaces it in place (children kept) or adds it. Current changes only with CURRENT.
 * No disk is touched.
 */
export function redefineSnapshot(domain: Pick<TestDomain, 'snapshots' | 'uuid'>, parsed: SnapshotDef, flags: number): CreatedSnapshot {
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
    if (!def.domain.attributes.has('type')) delete def.domain; // old-style <domain><uuid/></domain>
  }
  if (existing) {
    const wasOffline = offlineStates.has(existing.def.state ?? '');
    if (wasOffline !== offlineStates.has(def.state ?? '')) {
      throw invalidArg(ErrorDomain.DomainSnapshot, `cannot change between online and offline snapshot state in snapshot ${def.name}`);
    }
    if ((existing.def.state === 'disk-snapshot') !== (def.state === 'disk-snapshot')) {
      throw invalidArg(ErrorDomain.DomainSnapshot, `cannot change between disk only and full system in snapshot ${def.name}`);
    }
    if (def.domain === undefined && existing.def.domain !== undefined) def.domain = existing.def.domain;
  } else if (def.domain === undefined) {
    throw VirError.report(ErrorNumber.InternalError, ErrorDomain.DomainSnapshot, 'missing domain in snapshot');
  }

  if (def.domain !== undefined) {
    const snapshotDomain = DomainDefinition.fromTree(def.domain);
    const defaultMode = def.state === 'disk-snapshot' || isExternalSnapshot(def) ? 'external' : 'internal';
    def.disks = alignSnapshotDisks(def.disks, snapshotDomain.disks(), defaultMode, def.name, { isRegularFile: () => true });
  }

  let node: SnapshotNode;
  if (existing) {
    existing.def = def;
    tree.link(existing, parent);
    node = existing;
  } else {
    node = tree.add(def, parent?.def.name);
  }
  if (flags & Create.Current) tree.current = node;
  return { def, node };
}
