// A domain's snapshots for the tree, each snapshot's XML read once: a poll costs two or three calls, not one per snapshot.
import { DomainSnapshotListFlags, type Domain, type DomainSnapshot } from '@virtwire/client';
import type { SnapshotNode } from './queries.js';

/** How many snapshot XMLs are read at once (the rest wait): a tree of thousands never floods the connection. */
const CONCURRENT_READS = 32;

/**
 * Every this many polls everything is read again, in case a snapshot was redefined in place
 * (VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE keeps its name); a removed snapshot forces it at once, since
 * removing one gives its children a new parent.
 */
const FULL_READ_EVERY = 30;

/**
 * Trees larger than this are not re-read periodically (10,000 snapshots would cost 10,000 calls a
 * minute): only a removal reads them again. Events (snapshot redefined) will close that gap.
 */
const PERIODIC_READ_MAX = 1_000;

/** Reads of fewer XMLs than this report no progress (they are quick). */
const PROGRESS_FROM = 200;

type Detail = Omit<SnapshotNode, 'current'>;

/** Remembers what each snapshot's XML said, for one domain. */
export class SnapshotDetails {
  private readonly known = new Map<string, Detail>();
  private polls = 0;

  /** Told how many XMLs of how many are read while a large read is under way (the first read of a big tree takes seconds). */
  onProgress?: (read: number, total: number) => void;

  /** The snapshots, parents before children (`VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL`), with the current one marked. */
  async nodes(domain: Domain): Promise<SnapshotNode[]> {
    const snapshots = await domain.listAllSnapshots(DomainSnapshotListFlags.Topological);
    const current = (await domain.hasCurrentSnapshot()) ? (await domain.snapshotCurrent()).name : undefined;
    const names = new Set(snapshots.map((s) => s.name));
    const removed = [...this.known.keys()].some((name) => !names.has(name));
    const periodic = ++this.polls % FULL_READ_EVERY === 0 && snapshots.length <= PERIODIC_READ_MAX;
    if (removed || periodic) this.known.clear();
    const missing = snapshots.filter((s) => !this.known.has(s.name));
    if (missing.length) {
      const { parseSnapshotXml } = await import('@virtwire/client/xml');
      const read = async (snapshot: DomainSnapshot) => {
        // As libvirt parses a redefinition: the daemon's own output carries state, parent and creation time, which a create request may not set.
        const def = parseSnapshotXml(await snapshot.getXMLDesc(), { redefine: true });
        this.known.set(snapshot.name, {
          name: snapshot.name,
          ...(def.parent ? { parent: def.parent } : {}),
          ...(def.description ? { description: def.description } : {}),
          ...(def.state ? { state: def.state } : {}),
          ...(def.creationTime !== undefined ? { creationTime: def.creationTime } : {}),
          diskOnly: def.state === 'disk-snapshot',
        });
      };
      for (let i = 0; i < missing.length; i += CONCURRENT_READS) {
        if (missing.length > PROGRESS_FROM) this.onProgress?.(i, missing.length);
        await Promise.all(missing.slice(i, i + CONCURRENT_READS).map(read));
      }
      if (missing.length > PROGRESS_FROM) this.onProgress?.(missing.length, missing.length);
    }
    return snapshots.map((s) => ({ ...this.known.get(s.name)!, current: s.name === current }));
  }
}
