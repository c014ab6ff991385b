// A domain handle (libvirt's virDomainPtr): its reference plus typed methods that call through the connection.
import type { DomainRef, Result } from '@virtwire/protocol';
import type { ByteStream } from './byte-stream.js';
import type { CallOptions, Connection } from './connection.js';
import { DomainSnapshot } from './domain-snapshot.js';

/** Optional paging of long snapshot lists (virtwire extension). */
export interface ListPage {
  offset?: number;
  limit?: number;
}

/** A domain on an open connection. `id` is as of lookup: -1 if it was inactive then. */
export class Domain {
  constructor(
    readonly connection: Connection,
    ref: DomainRef,
  ) {
    this.current = ref;
  }

  private current: DomainRef;

  /** The wire reference, with the id as last seen by this handle. */
  get ref(): DomainRef {
    return this.current;
  }

  get name(): string {
    return this.ref.name;
  }

  get uuid(): string {
    return this.ref.uuid;
  }

  get id(): number {
    return this.ref.id;
  }

  /** `virDomainGetXMLDesc`. */
  getXMLDesc(flags = 0): Promise<string> {
    return this.connection.call('DomainGetXMLDesc', { domain: this.ref, flags });
  }

  /** `virDomainGetInfo`. */
  getInfo(): Promise<Result<'DomainGetInfo'>> {
    return this.connection.call('DomainGetInfo', { domain: this.ref });
  }

  /** `virDomainGetState`: the state and its reason (`virDomainRunningReason`, `virDomainShutoffReason`, ...). */
  getState(flags = 0): Promise<Result<'DomainGetState'>> {
    return this.connection.call('DomainGetState', { domain: this.ref, flags });
  }

  /** `virDomainIsActive`. */
  isActive(): Promise<boolean> {
    return this.connection.call('DomainIsActive', { domain: this.ref });
  }

  /** `virDomainIsPersistent`. */
  isPersistent(): Promise<boolean> {
    return this.connection.call('DomainIsPersistent', { domain: this.ref });
  }

  /**
   * `virDomainOpenConsole`: the guest's console (`devName` `serial0`, `console0`...; default the
   * first) as a byte stream. With `DomainConsoleFlags.Force` it takes over another session.
   */
  async openConsole(devName: string | null = null, flags = 0): Promise<ByteStream> {
    const { ticket } = await this.connection.call('DomainOpenConsole', { domain: this.ref, devName, flags });
    return this.connection.openStream(ticket);
  }

  /** `virDomainOpenGraphics`: the display server (VNC) of `<graphics>` number `idx` as a byte stream. */
  async openGraphics(idx = 0, flags = 0): Promise<ByteStream> {
    const { ticket } = await this.connection.call('DomainOpenGraphics', { domain: this.ref, idx, flags });
    return this.connection.openStream(ticket);
  }

  /** `virDomainCreateWithFlags`: start the domain. */
  async create(flags = 0): Promise<void> {
    await this.connection.call('DomainCreate', { domain: this.ref, flags });
    // As libvirt's remote driver does after starting a domain: learn its new id.
    this.current = await this.connection.call('DomainLookupByUUID', { uuid: this.ref.uuid });
  }

  /** `virDomainDestroyFlags`. */
  async destroy(flags = 0): Promise<void> {
    await this.connection.call('DomainDestroy', { domain: this.ref, flags });
    // As libvirt's remote driver does: a destroyed domain has no id.
    this.current = { ...this.current, id: -1 };
  }

  /** `virDomainShutdownFlags`. */
  async shutdown(flags = 0): Promise<void> {
    await this.connection.call('DomainShutdown', { domain: this.ref, flags });
  }

  /** `virDomainReboot`. */
  async reboot(flags = 0): Promise<void> {
    await this.connection.call('DomainReboot', { domain: this.ref, flags });
  }

  /** `virDomainReset`. */
  async reset(flags = 0): Promise<void> {
    await this.connection.call('DomainReset', { domain: this.ref, flags });
  }

  /** `virDomainGetOSType`. */
  getOSType(): Promise<string> {
    return this.connection.call('DomainGetOSType', { domain: this.ref });
  }

  /** `virDomainGetAutostart`. */
  getAutostart(): Promise<boolean> {
    return this.connection.call('DomainGetAutostart', { domain: this.ref });
  }

  /** `virDomainHasManagedSaveImage`. */
  hasManagedSaveImage(flags = 0): Promise<boolean> {
    return this.connection.call('DomainHasManagedSaveImage', { domain: this.ref, flags });
  }

  /** `virDomainGetSecurityLabel`. */
  getSecurityLabel(): Promise<Result<'DomainGetSecurityLabel'>> {
    return this.connection.call('DomainGetSecurityLabel', { domain: this.ref });
  }

  /** `virDomainSuspend`. */
  async suspend(): Promise<void> {
    await this.connection.call('DomainSuspend', { domain: this.ref });
  }

  /** `virDomainResume`. */
  async resume(): Promise<void> {
    await this.connection.call('DomainResume', { domain: this.ref });
  }

  /** `virDomainUndefineFlags`. */
  async undefine(flags = 0): Promise<void> {
    await this.connection.call('DomainUndefine', { domain: this.ref, flags });
  }

  /** `virDomainSnapshotCreateXML`; `options.signal` cancels it (aborted before its commit point, nothing changes). */
  async snapshotCreateXML(xml: string, flags = 0, options: CallOptions = {}): Promise<DomainSnapshot> {
    const ref = await this.connection.call('DomainSnapshotCreateXML', { domain: this.ref, xml, flags }, options);
    return new DomainSnapshot(this, ref.name);
  }

  /** `virDomainSnapshotLookupByName`. */
  async snapshotLookupByName(name: string): Promise<DomainSnapshot> {
    const ref = await this.connection.call('DomainSnapshotLookupByName', { domain: this.ref, name, flags: 0 });
    return new DomainSnapshot(this, ref.name);
  }

  /** `virDomainSnapshotCurrent`. */
  async snapshotCurrent(): Promise<DomainSnapshot> {
    const ref = await this.connection.call('DomainSnapshotCurrent', { domain: this.ref, flags: 0 });
    return new DomainSnapshot(this, ref.name);
  }

  /** `virDomainHasCurrentSnapshot`. */
  hasCurrentSnapshot(): Promise<boolean> {
    return this.connection.call('DomainHasCurrentSnapshot', { domain: this.ref, flags: 0 });
  }

  /** `virDomainListAllSnapshots`. */
  async listAllSnapshots(flags = 0, page: ListPage = {}): Promise<DomainSnapshot[]> {
    const { names } = await this.connection.call('DomainListAllSnapshots', { domain: this.ref, flags, ...page });
    return names.map((name) => new DomainSnapshot(this, name));
  }

  /** `virDomainSnapshotNum`. */
  snapshotNum(flags = 0): Promise<number> {
    return this.connection.call('DomainSnapshotNum', { domain: this.ref, flags });
  }
}
