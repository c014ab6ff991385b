// libvirt's snapshot list filters (virDomainSnapshotObjListGetNames): groups of flags where none set means all.
import { DomainSnapshotListFlags as List } from '@virtwire/protocol';
import { isExternalSnapshot } from '@virtwire/protocol/xml';
import type { SnapshotNode, SnapshotTree } from './snapshot-tree.js';

const LEAVES = List.Leaves | List.NoLeaves;
const METADATA = List.Metadata | List.NoMetadata;
const STATUS = List.Inactive | List.Active | List.DiskOnly;
const LOCATION = List.Internal | List.External;

/**
 * Clears each filter group that has every bit set (libvirt: "all bits == no filter"), except the
 * leaves group: libvirt 9.0 lists nothing for LEAVES | NO_LEAVES.
 */
function normalise(flags: number): number {
  for (const group of [METADATA, STATUS, LOCATION]) if ((flags & group) === group) flags &= ~group;
  return flags;
}

/** True when a snapshot passes the filter groups of `flags`. */
export function matchesFilters(node: SnapshotNode, rawFlags: number): boolean {
  const flags = normalise(rawFlags);
  if (flags & METADATA && !(flags & List.Metadata)) return false;
  if (flags & LEAVES) {
    const leaf = node.children.size === 0;
    if (flags & List.Leaves && !leaf) return false;
    if (flags & List.NoLeaves && leaf) return false;
  }
  if (flags & STATUS) {
    const state = node.def.state;
    const ok =
      (flags & List.Inactive && state === 'shutoff') ||
      (flags & List.DiskOnly && state === 'disk-snapshot') ||
      (flags & List.Active && state !== 'shutoff' && state !== 'disk-snapshot');
    if (!ok) return false;
  }
  if (flags & LOCATION) {
    const external = isExternalSnapshot(node.def);
    if (flags & List.External && !external) return false;
    if (flags & List.Internal && external) return false;
  }
  return true;
}

/** The snapshots of a domain a list call returns: roots only with ROOTS, parents first with TOPOLOGICAL. */
export function* listSnapshots(tree: SnapshotTree, flags: number): IterableIterator<SnapshotNode> {
  const source = flags & List.Roots ? tree.rootNodes() : flags & List.Topological ? tree.topological() : tree.all();
  for (const node of source) if (matchesFilters(node, flags)) yield node;
}

/** The children (or, with DESCENDANTS, all descendants) of a snapshot that pass the filters. */
export function* listChildren(tree: SnapshotTree, node: SnapshotNode, flags: number): IterableIterator<SnapshotNode> {
  const source = flags & List.Descendants ? tree.descendants(node) : node.children.values();
  for (const child of source) if (matchesFilters(child, flags)) yield child;
}

/** Applies optional paging (virtwire extension) to a lazily produced list. */
export function page<T>(items: Iterable<T>, offset = 0, limit = Number.POSITIVE_INFINITY): T[] {
  const out: T[] = [];
  let index = 0;
  for (const item of items) {
    if (index++ < offset) continue;
    if (out.length >= limit) break;
    out.push(item);
  }
  return out;
}
