// A snapshot handle (libvirt's virDomainSnapshotPtr): name and domain, plus typed methods.
import type { SnapshotRef } from '@virtwire/protocol';
import type { CallOptions } from './connection.js';
import type { Domain, ListPage } from './domain.js';

/** A snapshot of a domain. */
export class DomainSnapshot {
  constructor(
    readonly domain: Domain,
    readonly name: string,
  ) {}

  /** The wire reference (`remote_nonnull_domain_snapshot`). */
  get ref(): SnapshotRef {
    return { name: this.name, domain: this.domain.ref };
  }

  private get connection() {
    return this.domain.connection;
  }

  /** `virDomainSnapshotGetXMLDesc`. */
  getXMLDesc(flags = 0): Promise<string> {
    return this.connection.call('DomainSnapshotGetXMLDesc', { snapshot: this.ref, flags });
  }

  /** `virDomainSnapshotGetParent`. */
  async getParent(): Promise<DomainSnapshot> {
    const ref = await this.connection.call('DomainSnapshotGetParent', { snapshot: this.ref, flags: 0 });
    return new DomainSnapshot(this.domain, ref.name);
  }

  /** `virDomainSnapshotIsCurrent`. */
  isCurrent(): Promise<boolean> {
    return this.connection.call('DomainSnapshotIsCurrent', { snapshot: this.ref, flags: 0 });
  }

  /** `virDomainSnapshotHasMetadata`. */
  hasMetadata(): Promise<boolean> {
    return this.connection.call('DomainSnapshotHasMetadata', { snapshot: this.ref, flags: 0 });
  }

  /** `virDomainSnapshotListAllChildren`. */
  async listAllChildren(flags = 0, page: ListPage = {}): Promise<DomainSnapshot[]> {
    const { names } = await this.connection.call('DomainSnapshotListAllChildren', { snapshot: this.ref, flags, ...page });
    return names.map((name) => new DomainSnapshot(this.domain, name));
  }

  /** `virDomainSnapshotNumChildren`. */
  numChildren(flags = 0): Promise<number> {
    return this.connection.call('DomainSnapshotNumChildren', { snapshot: this.ref, flags });
  }

  /** `virDomainRevertToSnapshot`; `options.signal` cancels it (aborted before its commit point, nothing changes). */
  async revert(flags = 0, options: CallOptions = {}): Promise<void> {
    await this.connection.call('DomainRevertToSnapshot', { snapshot: this.ref, flags }, options);
  }

  /** `virDomainSnapshotDelete`; `options.signal` cancels it (aborted before its commit point, nothing changes). */
  async delete(flags = 0, options: CallOptions = {}): Promise<void> {
    await this.connection.call('DomainSnapshotDelete', { snapshot: this.ref, flags }, options);
  }
}
