// A deliberately simple reference model of one domain's snapshot tree, state and libvirt's rules, for the property test.
import { DomainSnapshotListFlags as L, DomainState, ErrorDomain, ErrorNumber } from '@virtwire/protocol';

/** A snapshot as the model sees it. */
export interface ModelSnapshot {
  name: string;
  parent: string | null;
  state: 'running' | 'paused' | 'shutoff' | 'disk-snapshot';
  external: boolean;
  /** The image the domain used when the snapshot was taken (an opaque token). */
  base: number;
}

/** An error the model predicts: libvirt's number, domain and text. */
export interface ExpectedError {
  code: number;
  domain: number;
  message: string;
}

/** The whole state the property test tracks for the domain `pt`. */
export class SnapshotModel {
  readonly snapshots = new Map<string, ModelSnapshot>();
  current: string | null = null;
  state: number = DomainState.Running;
  /** libvirt 9.0's test driver loads every domain with reason 0 (unknown). */
  reason = 0;
  /** The image the domain writes to now (token). */
  live = 0;
  private nextToken = 1;
  private nextName = 0;

  get active(): boolean {
    return this.state !== DomainState.Shutoff;
  }

  newName(): string {
    return `p${this.nextName++}`;
  }

  newImage(): number {
    return this.nextToken++;
  }

  names(): string[] {
    return [...this.snapshots.keys()].sort();
  }

  pick(index: number): ModelSnapshot {
    const names = this.names();
    return this.snapshots.get(names[index % names.length]!)!;
  }

  children(name: string): ModelSnapshot[] {
    return [...this.snapshots.values()].filter((s) => s.parent === name);
  }

  descendants(name: string): ModelSnapshot[] {
    const out: ModelSnapshot[] = [];
    const queue = this.children(name);
    while (queue.length > 0) {
      const next = queue.shift()!;
      out.push(next);
      queue.push(...this.children(next.name));
    }
    return out;
  }

  /** True when `ancestor` is `name` or above it. */
  isAncestorOrSelf(ancestor: string, name: string | null): boolean {
    for (let at = name; at !== null; at = this.snapshots.get(at)!.parent) if (at === ancestor) return true;
    return false;
  }

  /** What a list call answers, as a set of names (order is checked separately for TOPOLOGICAL). */
  list(from: string | null, flags: number): string[] {
    let source: ModelSnapshot[];
    if (from === null) source = flags & L.Roots ? [...this.snapshots.values()].filter((s) => s.parent === null) : [...this.snapshots.values()];
    else source = flags & L.Descendants ? this.descendants(from) : this.children(from);
    return source
      .filter((s) => this.matches(s, flags))
      .map((s) => s.name)
      .sort();
  }

  private matches(snapshot: ModelSnapshot, raw: number): boolean {
    let flags = raw;
    // Every bit of a group set means no filter, except LEAVES | NO_LEAVES: libvirt 9.0 then lists nothing (recorded corpus: snap-list/12).
    for (const group of [L.Metadata | L.NoMetadata, L.Inactive | L.Active | L.DiskOnly, L.Internal | L.External]) {
      if ((flags & group) === group) flags &= ~group;
    }
    if (flags & L.NoMetadata) return false;
    const leaf = this.children(snapshot.name).length === 0;
    if (flags & L.Leaves && !leaf) return false;
    if (flags & L.NoLeaves && leaf) return false;
    if (flags & (L.Inactive | L.Active | L.DiskOnly)) {
      const ok =
        (flags & L.Inactive && snapshot.state === 'shutoff') ||
        (flags & L.DiskOnly && snapshot.state === 'disk-snapshot') ||
        (flags & L.Active && (snapshot.state === 'running' || snapshot.state === 'paused'));
      if (!ok) return false;
    }
    if (flags & L.External && !snapshot.external) return false;
    if (flags & L.Internal && snapshot.external) return false;
    return true;
  }

  /** Removes one snapshot: children to its parent, current to its parent. */
  removeOne(name: string): void {
    const snapshot = this.snapshots.get(name)!;
    for (const child of this.children(name)) child.parent = snapshot.parent;
    if (this.current === name) this.current = snapshot.parent;
    this.snapshots.delete(name);
  }
}

export const invalidFlags = (message: string): ExpectedError => ({ code: ErrorNumber.InvalidArg, domain: ErrorDomain.DomainSnapshot, message });
export const testError = (code: number, message: string): ExpectedError => ({ code, domain: ErrorDomain.Test, message });
