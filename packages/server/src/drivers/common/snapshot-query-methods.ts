// The snapshot read calls every driver answers the same way from its SnapshotTree: lookup, current, lists, counts, parent.
import {
  DomainSnapshotListFlags as List,
  DomainSnapshotListFlagSet,
  ErrorNumber,
  VirError,
  type DomainRef,
  type SnapshotList,
  type SnapshotRef,
} from '@virtwire/protocol';
import type { DriverMethods } from '../driver.js';
import { listChildren, listSnapshots, page } from '../../conf/snapshot-filter.js';
import type { SnapshotNode, SnapshotTree } from '../../conf/snapshot-tree.js';

/** A domain as the shared handlers see it. */
export interface SnapshotOwner {
  readonly snapshots: SnapshotTree;
  ref(): DomainRef;
}

/** How a driver finds the domain a wire reference names, and the error domain it reports in. */
export interface SnapshotHost<D extends SnapshotOwner> {
  resolve(ref: DomainRef): D;
  readonly errorDomain: number;
}

type QueryMethod =
  | 'DomainSnapshotLookupByName'
  | 'DomainSnapshotCurrent'
  | 'DomainHasCurrentSnapshot'
  | 'DomainListAllSnapshots'
  | 'DomainSnapshotNum'
  | 'DomainSnapshotListAllChildren'
  | 'DomainSnapshotNumChildren'
  | 'DomainSnapshotGetParent'
  | 'DomainSnapshotIsCurrent'
  | 'DomainSnapshotHasMetadata';

const count = (items: Iterable<unknown>): number => {
  let n = 0;
  for (const _ of items) n++;
  return n;
};

/** Finds the snapshot a wire reference names (libvirt: VIR_ERR_NO_DOMAIN_SNAPSHOT "no domain snapshot with matching name"). */
export function resolveSnapshot<D extends SnapshotOwner>(host: SnapshotHost<D>, ref: SnapshotRef): { domain: D; snapshot: SnapshotNode } {
  const domain = host.resolve(ref.domain);
  const snapshot = domain.snapshots.get(ref.name);
  if (!snapshot) throw VirError.report(ErrorNumber.NoDomainSnapshot, host.errorDomain, `no domain snapshot with matching name '${ref.name}'`);
  return { domain, snapshot };
}

/**
 * The read methods of libvirt's snapshot API over a driver's snapshot trees, with their flag masks
 * (libvirt's `virCheckFlags`). Lookups, parents and counts without filters are O(1); lists are
 * linear and built with one domain reference.
 */
export function snapshotQueryMethods<D extends SnapshotOwner>(host: SnapshotHost<D>): Pick<Required<DriverMethods>, QueryMethod> {
  const noSnapshot = (detail: string) => VirError.report(ErrorNumber.NoDomainSnapshot, host.errorDomain, detail);
  const listOf = (domain: D, nodes: SnapshotNode[]): SnapshotList => ({ domain: domain.ref(), names: nodes.map((s) => s.def.name) });
  return {
    DomainSnapshotLookupByName: {
      flags: 0,
      handle: ({ domain, name }) => {
        const found = resolveSnapshot(host, { name, domain });
        return { name: found.snapshot.def.name, domain: found.domain.ref() };
      },
    },
    DomainSnapshotCurrent: {
      flags: 0,
      handle: ({ domain }) => {
        const d = host.resolve(domain);
        const current = d.snapshots.current;
        if (!current) throw noSnapshot('the domain does not have a current snapshot');
        return { name: current.def.name, domain: d.ref() };
      },
    },
    DomainHasCurrentSnapshot: { flags: 0, handle: ({ domain }) => host.resolve(domain).snapshots.current !== null },
    DomainListAllSnapshots: {
      flags: DomainSnapshotListFlagSet.mask,
      handle: ({ domain, flags, offset, limit }) => {
        const d = host.resolve(domain);
        return listOf(d, page(listSnapshots(d.snapshots, flags), offset, limit));
      },
    },
    DomainSnapshotNum: {
      flags: DomainSnapshotListFlagSet.mask,
      handle: ({ domain, flags }) => {
        const tree = host.resolve(domain).snapshots;
        const filters = flags & ~List.Topological;
        if (filters === 0) return tree.size;
        if (filters === List.Roots) return tree.rootCount;
        return count(listSnapshots(tree, flags));
      },
    },
    DomainSnapshotListAllChildren: {
      flags: DomainSnapshotListFlagSet.mask,
      handle: ({ snapshot, flags, offset, limit }) => {
        const { domain: d, snapshot: s } = resolveSnapshot(host, snapshot);
        return listOf(d, page(listChildren(d.snapshots, s, flags), offset, limit));
      },
    },
    DomainSnapshotNumChildren: {
      flags: DomainSnapshotListFlagSet.mask,
      handle: ({ snapshot, flags }) => {
        const { domain: d, snapshot: s } = resolveSnapshot(host, snapshot);
        return count(listChildren(d.snapshots, s, flags));
      },
    },
    DomainSnapshotGetParent: {
      flags: 0,
      handle: ({ snapshot }) => {
        const { domain: d, snapshot: s } = resolveSnapshot(host, snapshot);
        if (!s.parent) throw noSnapshot(`snapshot '${s.def.name}' does not have a parent`);
        return { name: s.parent.def.name, domain: d.ref() };
      },
    },
    DomainSnapshotIsCurrent: {
      flags: 0,
      handle: ({ snapshot }) => {
        const { domain: d, snapshot: s } = resolveSnapshot(host, snapshot);
        return d.snapshots.current === s;
      },
    },
    DomainSnapshotHasMetadata: {
      flags: 0,
      handle: ({ snapshot }) => {
        resolveSnapshot(host, snapshot);
        return true;
      },
    },
  };
}
