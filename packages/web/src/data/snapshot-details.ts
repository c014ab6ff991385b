// A domain's snapshots for the tree, each snapshot's XML read once and again only when an event (or a removal) says it changed: a refresh costs a few calls, not one per snapshot.
import { DomainSnapshotListFlags, type Domain, type DomainSnapshot } from '@virtwire/client';
import type { Changes } from './live-source.js';
import type { SnapshotNode } from './queries.js';

/** How many snapshot XMLs are read at once (the rest wait): a tree of thousands never floods the connection. */
const CONCURRENT_READS = 32;

/**
 * When polling, every this many polls everything is read again, in case a snapshot was redefined in
 * place (VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE keeps its name). Events say so instead (`created`).
 */
const FULL_READ_EVERY = 30;

/** Polled trees larger than this are not re-read periodically (10,000 snapshots would cost 10,000 calls a minute). */
const PERIODIC_READ_MAX = 1_000;

/** Reads of fewer XMLs than this report no progress (they are quick). */
const PROGRESS_FROM = 200;

type Detail = Omit<SnapshotNode, 'current'>;

/** Remembers what each snapshot's XML said, for one domain. */
export class SnapshotDetails {
  private readonly known = new Map<string, Detail>();
  private polls = 0;
  /** The last list, in topological order, and the current snapshot: what a `current-changed` event alone updates without a call. */
  private last: { names: string[]; current: string | undefined } | undefined;

  /** Told how many XMLs of how many are read while a large read is under way (the first read of a big tree takes seconds). */
  onProgress?: (read: number, total: number) => void;

  /**
   * The snapshots, parents before children (`VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL`), with the current
   * one marked. `changes` says what the daemon reported since the last call: only the XMLs of
   * snapshots created (or redefined) and of the children of deleted ones (their parent changed) are
   * read again; `current-changed` alone costs no call. 'all' (a poll, a first read) lists everything.
   */
  async nodes(domain: Domain, changes: Changes = 'all'): Promise<SnapshotNode[]> {
    let current: string | null | undefined;
    let structural = changes === 'all' || !this.last;
    if (changes !== 'all') {
      for (const change of changes) {
        if (change.kind !== 'snapshot') continue;
        if (change.action === 'current-changed') current = change.snapshot;
        else if (change.action === 'created' || change.action === 'deleted') {
          if (change.snapshot !== null) this.known.delete(change.snapshot);
          structural = true;
        }
      }
    }
    let names: string[];
    let snapshots: DomainSnapshot[] | undefined;
    if (structural || !this.last) {
      snapshots = await domain.listAllSnapshots(DomainSnapshotListFlags.Topological);
      names = snapshots.map((s) => s.name);
    } else {
      names = this.last.names;
    }
    if (current === undefined) {
      if (changes !== 'all' && this.last) current = this.last.current ?? null;
      else current = (await domain.hasCurrentSnapshot()) ? (await domain.snapshotCurrent()).name : null;
    }
    const present = new Set(names);
    if (changes === 'all') {
      const periodic = ++this.polls % FULL_READ_EVERY === 0 && names.length <= PERIODIC_READ_MAX;
      if (periodic) this.known.clear();
    }
    // A removed snapshot gives its children a new parent: read those again (and forget the removed ones).
    for (const [name, detail] of this.known) {
      if (!present.has(name)) this.known.delete(name);
      else if (detail.parent !== undefined && !present.has(detail.parent)) this.known.delete(name);
    }
    const missing = snapshots ? snapshots.filter((s) => !this.known.has(s.name)) : [];
    if (missing.length) await this.read(missing);
    this.last = { names, current: current ?? undefined };
    return names.map((name) => ({ ...this.known.get(name)!, current: name === current }));
  }

  private async read(missing: DomainSnapshot[]): Promise<void> {
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
}
