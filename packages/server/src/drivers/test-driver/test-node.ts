// The test driver's whole simulated host: its domains, their lookups, and its simulated storage.
import { DomainState, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import type { DomainDefinition } from '@virtwire/protocol/xml';
import { randomBytes, randomUUID } from 'node:crypto';
import type { NodeConfig, NodeSnapshot } from './node-config.js';
import { ConfinementPolicy } from '../../storage/confinement-policy.js';
import { DomainEventBus } from '../../events/domain-event-bus.js';
import { DomainList } from '../common/domain-list.js';
import { SimulatedStorage } from './simulated-storage.js';
import { TestDomain } from './test-domain.js';

/** libvirt's test driver reports a failed lookup without detail (testDomObjFromDomain and its lookups): "Domain not found". */
const noDomain = () => new VirError({ code: ErrorNumber.NoDomain, domain: ErrorDomain.Test, message: 'Domain not found', str1: 'Domain not found' });

/** The in-memory host behind one `test://` URI (libvirt's `testDriver`). */
export class TestNode extends DomainList<TestDomain> {
  readonly storage: SimulatedStorage;
  /** This host's domain events, heard by every connection to it. */
  readonly events = new DomainEventBus();

  /** libvirt's built-in test:///default host (rather than a node file's). */
  readonly builtIn: boolean;

  constructor(
    config: NodeConfig,
    /** The daemon's confinement policy, with the node file's simulated roots. */
    readonly confinement: ConfinementPolicy = new ConfinementPolicy([], []),
  ) {
    super({ errorDomain: ErrorDomain.Test, lookupFailed: noDomain });
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

  /** A MAC address for an interface that names none: libvirt's default prefix 52:54:00 and three random bytes (virDomainNetGenerateMAC). */
  static generateMac(): string {
    return `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  }

  /** Adds a domain and makes its disk images exist in storage. */
  override add(domain: TestDomain): void {
    super.add(domain);
    this.registerDiskImages(domain.effective);
  }

  /** Disk sources a definition names exist on the simulated host (the test driver has no real files). */
  registerDiskImages(definition: DomainDefinition): void {
    for (const disk of definition.disks()) {
      if (disk.source !== undefined && !this.storage.exists(disk.source)) {
        this.storage.register({ path: disk.source, size: 0, format: disk.format ?? 'raw' });
      }
    }
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
