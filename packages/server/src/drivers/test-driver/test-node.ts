// The test driver's whole simulated host: its domains, their lookups, and its simulated storage.
import { DomainState, ErrorDomain, ErrorNumber, VirError, type DomainRef } from '@virtwire/protocol';
import type { DomainDefinition } from '@virtwire/protocol/xml';
import { randomUUID } from 'node:crypto';
import type { NodeConfig, NodeSnapshot } from './node-config.js';
import { ConfinementPolicy } from '../../storage/confinement-policy.js';
import { DomainEventBus } from '../../events/domain-event-bus.js';
import { SimulatedStorage } from './simulated-storage.js';
import { TestDomain } from './test-domain.js';

/** libvirt's test driver reports a failed lookup without detail (testDomObjFromDomain and its lookups): "Domain not found". */
const noDomain = () => new VirError({ code: ErrorNumber.NoDomain, domain: ErrorDomain.Test, message: 'Domain not found', str1: 'Domain not found' });

/** The in-memory host behind one `test://` URI (libvirt's `testDriver`). */
export class TestNode {
  readonly storage: SimulatedStorage;
  /** This host's domain events, heard by every connection to it. */
  readonly events = new DomainEventBus();
  private readonly byUuid = new Map<string, TestDomain>();
  private readonly byName = new Map<string, TestDomain>();
  private nextId = 1;

  /** libvirt's built-in test:///default host (rather than a node file's). */
  readonly builtIn: boolean;

  constructor(
    config: NodeConfig,
    /** The daemon's confinement policy, with the node file's simulated roots. */
    readonly confinement: ConfinementPolicy = new ConfinementPolicy([], []),
  ) {
    this.builtIn = config.builtIn === true;
    this.storage = new SimulatedStorage(config.faults, confinement);
    for (const image of config.images) this.storage.register(image);
    for (const { definition, state, reason, persistent, snapshots } of config.domains) {
      const domain = new TestDomain(definition, persistent, state, reason);
      this.add(domain);
      loadSnapshots(domain, snapshots);
      if (domain.active) domain.id = this.allocateId();
    }
  }

  /** A fresh UUID for definitions that lack one. */
  static generateUuid(): string {
    return randomUUID();
  }

  allocateId(): number {
    return this.nextId++;
  }

  /** Adds a domain and makes its disk images exist in storage. */
  add(domain: TestDomain): void {
    this.byUuid.set(domain.uuid, domain);
    this.byName.set(domain.name, domain);
    this.registerDiskImages(domain.definition);
  }

  remove(domain: TestDomain): void {
    this.byUuid.delete(domain.uuid);
    this.byName.delete(domain.name);
  }

  /** Disk sources a definition names exist on the simulated host (the test driver has no real files). */
  registerDiskImages(definition: DomainDefinition): void {
    for (const disk of definition.disks()) {
      if (disk.source !== undefined && !this.storage.exists(disk.source)) {
        this.storage.register({ path: disk.source, size: 0, format: disk.format ?? 'raw' });
      }
    }
  }

  /** Every domain, in definition order. */
  domains(): TestDomain[] {
    return [...this.byUuid.values()];
  }

  findByName(name: string): TestDomain | undefined {
    return this.byName.get(name);
  }

  findByUuid(uuid: string): TestDomain | undefined {
    return this.byUuid.get(uuid.toLowerCase());
  }

  lookupByName(name: string): TestDomain {
    const domain = this.byName.get(name);
    if (!domain) throw noDomain();
    return domain;
  }

  lookupByUuid(uuid: string): TestDomain {
    const domain = this.findByUuid(uuid);
    if (!domain) throw noDomain();
    return domain;
  }

  lookupById(id: number): TestDomain {
    const domain = [...this.byUuid.values()].find((d) => d.active && d.id === id);
    if (!domain) throw noDomain();
    return domain;
  }

  /** The domain a wire reference names, looked up by UUID as libvirt's daemon does. */
  resolve(ref: DomainRef): TestDomain {
    const domain = this.findByUuid(ref.uuid);
    // testDomObjFromDomain names the reference; only the lookups say no more than "Domain not found".
    if (!domain) throw VirError.report(ErrorNumber.NoDomain, ErrorDomain.Test, `no domain with matching uuid '${ref.uuid.toLowerCase()}' (${ref.name})`);
    return domain;
  }

  /** Forgets a transient domain that stopped (libvirt's `virDomainObjListRemove`). */
  removeIfTransient(domain: TestDomain): void {
    if (!domain.persistent && !domain.active) this.remove(domain);
  }

  /** Number of running domains (for capabilities and tests). */
  get activeCount(): number {
    return this.domains().filter((d) => d.state !== DomainState.Shutoff).length;
  }
}

const inconsistent = (detail: string) => VirError.report(ErrorNumber.InternalError, ErrorDomain.Test, detail);

/**
 * Installs a node file's snapshots (libvirt's testParseDomainSnapshots): each one is assigned,
 * at most one may be current, then parents are linked by name; a missing parent or a cycle is an error.
 */
function loadSnapshots(domain: TestDomain, snapshots: readonly NodeSnapshot[]): void {
  const tree = domain.snapshots;
  const parents = snapshots.map((s) => s.def.parent);
  for (const { def, current } of snapshots) {
    const node = tree.add(def, undefined);
    domain.snapshotImages.add(def);
    if (current) {
      if (tree.current) throw inconsistent('more than one snapshot claims to be active');
      tree.current = node;
    }
  }
  snapshots.forEach(({ def }, index) => {
    const parentName = parents[index];
    if (parentName === undefined) return;
    const node = tree.get(def.name)!;
    const parent = tree.get(parentName);
    if (!parent || tree.isAncestorOrSelf(node, parent)) {
      throw inconsistent(`Snapshots have inconsistent relations for domain ${domain.name}`);
    }
    tree.link(node, parent);
  });
}
