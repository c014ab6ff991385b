// One host's domains, as both drivers keep them (libvirt's virDomainObjList): by UUID and name, running ids, lookups with libvirt's errors.
import { ErrorNumber, VirError, type DomainRef } from '@virtwire/protocol';

/** What the list needs of a domain. */
export interface ListedDomain {
  readonly uuid: string;
  readonly name: string;
  readonly active: boolean;
  /** The running id, -1 while shut off. */
  readonly id: number;
}

/** How a driver words a failed lookup by name, UUID or id. */
export interface DomainListErrors {
  /** The driver's virErrorDomain. */
  readonly errorDomain: number;
  /**
   * The error of a failed lookup (virDomainLookupBy*). Left out: `no domain with matching name 'x'`
   * (libvirt's qemu driver); libvirt's test driver says only "Domain not found".
   */
  readonly lookupFailed?: () => VirError;
}

/**
 * Every domain of one host, in definition order. A domain is found by UUID (case-insensitive, as
 * wire references resolve) or by name, and by id while it runs. `resolve` names the reference the
 * way libvirt's daemon does whichever driver answers.
 */
export class DomainList<D extends ListedDomain> {
  private readonly byUuid = new Map<string, D>();
  private readonly byName = new Map<string, D>();
  private nextId = 1;

  constructor(private readonly errors: DomainListErrors) {}

  /** The next running id (libvirt's `nextid`). */
  allocateId(): number {
    return this.nextId++;
  }

  /** Makes ids allocated later larger than `id` (guests re-attached after a restart keep theirs). */
  reserveId(id: number): void {
    if (id >= this.nextId) this.nextId = id + 1;
  }

  add(domain: D): void {
    this.byUuid.set(domain.uuid, domain);
    this.byName.set(domain.name, domain);
  }

  remove(domain: D): void {
    this.byUuid.delete(domain.uuid);
    this.byName.delete(domain.name);
  }

  /** Every domain, in definition order. */
  domains(): D[] {
    return [...this.byUuid.values()];
  }

  findByName(name: string): D | undefined {
    return this.byName.get(name);
  }

  findByUuid(uuid: string): D | undefined {
    return this.byUuid.get(uuid.toLowerCase());
  }

  /** virDomainLookupByName. */
  lookupByName(name: string): D {
    return this.byName.get(name) ?? this.lookupFailed(`no domain with matching name '${name}'`);
  }

  /** virDomainLookupByUUID. */
  lookupByUuid(uuid: string): D {
    return this.findByUuid(uuid) ?? this.lookupFailed(`no domain with matching uuid '${uuid.toLowerCase()}'`);
  }

  /** virDomainLookupByID: only running domains have an id. */
  lookupById(id: number): D {
    return this.domains().find((d) => d.active && d.id === id) ?? this.lookupFailed(`no domain with matching id ${id}`);
  }

  /** The domain a wire reference names, by UUID as libvirt's daemon resolves it. */
  resolve(ref: DomainRef): D {
    const domain = this.findByUuid(ref.uuid);
    if (!domain) throw VirError.report(ErrorNumber.NoDomain, this.errors.errorDomain, `no domain with matching uuid '${ref.uuid.toLowerCase()}' (${ref.name})`);
    return domain;
  }

  private lookupFailed(detail: string): never {
    throw this.errors.lookupFailed?.() ?? VirError.report(ErrorNumber.NoDomain, this.errors.errorDomain, detail);
  }
}
