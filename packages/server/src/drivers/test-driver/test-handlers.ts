// The test driver's answers to every driver method, over one TestNode.
import { testHostCapabilitiesXml } from './test-host-capabilities.js';
import {
  ConnectListAllDomainsFlags as ListDomains,
  DomainState,
  ErrorDomain,
  ErrorNumber,
  VirError,
  DomainSnapshotXMLFlags,
} from '@virtwire/protocol';
import { formatSnapshotXml } from '@virtwire/protocol/xml';
import { checkAlignedDiskCount } from '../../conf/snapshot-disk-alignment.js';
import { domainQueryHandlers } from '../shared/domain-query-handlers.js';
import { resolveSnapshot, snapshotQueryHandlers, type SnapshotHost } from '../shared/snapshot-query-handlers.js';
import type { DriverHandlers } from '../driver.js';
import {
  defineDomain,
  destroyDomain,
  resumeDomain,
  shutdownDomain,
  startDomain,
  suspendDomain,
  undefineDomain,
  rebootDomain,
  resetDomain,
} from './domain-lifecycle.js';
import { createSnapshot, type AtomicMode } from './snapshot-create.js';
import { deleteSnapshot } from './snapshot-delete.js';
import { revertToSnapshot } from './snapshot-revert.js';
import { TEST_HYPERVISOR_VERSION, TEST_NODE_INFO } from './test-capabilities.js';
import type { TestDomain } from './test-domain.js';
import type { TestNode } from './test-node.js';

/** libvirt's ConnectListAllDomains filter groups: a group with neither bit set does not filter. */
function domainMatches(domain: TestDomain, flags: number): boolean {
  const group = (a: number, b: number, isA: boolean) => !(flags & (a | b)) || (flags & a && isA) || (flags & b && !isA);
  const state = domain.state;
  const stateGroup = ListDomains.Running | ListDomains.Paused | ListDomains.Shutoff | ListDomains.Other;
  const stateOk =
    !(flags & stateGroup) ||
    (flags & ListDomains.Running && state === DomainState.Running) ||
    (flags & ListDomains.Paused && state === DomainState.Paused) ||
    (flags & ListDomains.Shutoff && state === DomainState.Shutoff) ||
    (flags & ListDomains.Other && ![DomainState.Running, DomainState.Paused, DomainState.Shutoff].includes(state as 1 | 3 | 5));
  return Boolean(
    group(ListDomains.Active, ListDomains.Inactive, domain.active) &&
      group(ListDomains.Persistent, ListDomains.Transient, domain.persistent) &&
      stateOk &&
      group(ListDomains.Managedsave, ListDomains.NoManagedsave, false) &&
      group(ListDomains.Autostart, ListDomains.NoAutostart, false) &&
      group(ListDomains.HasSnapshot, ListDomains.NoSnapshot, domain.snapshots.size > 0) &&
      group(ListDomains.HasCheckpoint, ListDomains.NoCheckpoint, false),
  );
}

/** The simulated host keeps every image in one pool, named after its directory. */
function volumeRef(path: string) {
  const slash = path.lastIndexOf('/');
  return { pool: path.slice(0, slash) || '/', name: path.slice(slash + 1), key: path };
}

/** The handlers of a test-driver connection. Everything is synchronous, so each call is one atomic step. */
export function testHandlers(node: TestNode, atomicMode: AtomicMode): DriverHandlers {
  const snapshots: SnapshotHost<TestDomain> = { resolve: (ref) => node.resolve(ref), errorDomain: ErrorDomain.Test };
  return {
    ConnectGetVersion: () => TEST_HYPERVISOR_VERSION,
    ConnectGetCapabilities: () => testHostCapabilitiesXml(node.builtIn),
    ConnectListAllDomains: ({ flags }) => node.domains().filter((d) => domainMatches(d, flags)).map((d) => d.ref()),

    ...domainQueryHandlers(node),
    DomainGetInfo: ({ domain }) => {
      const d = node.resolve(domain);
      // libvirt's test driver reports the wall clock as CPU time (testDomainGetInfo).
      return { state: d.state, maxMem: d.definition.memoryKiB, memory: d.definition.currentMemoryKiB, nrVirtCpu: d.definition.currentVcpus, cpuTime: Date.now() * 1_000_000 };
    },
    DomainDefineXML: ({ xml, flags }) => defineDomain(node, xml, flags).ref(),
    DomainUndefine: ({ domain, flags }) => {
      undefineDomain(node, node.resolve(domain), flags);
      return null;
    },
    DomainCreate: ({ domain, flags }) => {
      startDomain(node, node.resolve(domain), flags);
      return null;
    },
    DomainDestroy: ({ domain }) => {
      destroyDomain(node, node.resolve(domain));
      return null;
    },
    DomainSuspend: ({ domain }) => {
      suspendDomain(node.resolve(domain));
      return null;
    },
    DomainResume: ({ domain }) => {
      resumeDomain(node.resolve(domain));
      return null;
    },
    DomainShutdown: ({ domain }) => {
      shutdownDomain(node, node.resolve(domain));
      return null;
    },
    DomainReboot: ({ domain }) => {
      rebootDomain(node, node.resolve(domain));
      return null;
    },
    DomainReset: ({ domain }) => {
      resetDomain(node.resolve(domain));
      return null;
    },
    // libvirt's test driver: every guest is `linux`, none autostarts or has a managed save, and
    // running ones carry the test security driver's label.
    DomainGetOSType: ({ domain }) => (node.resolve(domain), 'linux'),
    DomainGetAutostart: ({ domain }) => (node.resolve(domain), false),
    DomainHasManagedSaveImage: ({ domain }) => (node.resolve(domain), false),
    DomainGetSecurityLabel: ({ domain }) => (node.resolve(domain).active ? { label: 'libvirt-test', enforcing: true } : { label: '', enforcing: false }),
    NodeGetSecurityModel: () => ({ model: 'testSecurity', doi: '' }),
    NodeGetInfo: () => TEST_NODE_INFO,

    DomainSnapshotCreateXML: ({ domain, xml, flags }, call) => {
      const d = node.resolve(domain);
      checkAlignedDiskCount(d.definition.disks().length, call.limits.maxSnapshotDisks, ErrorDomain.Test);
      const { def } = createSnapshot(d, node.storage, xml, flags, atomicMode);
      return { name: def.name, domain: d.ref() };
    },
    ...snapshotQueryHandlers(snapshots),
    DomainSnapshotGetXMLDesc: ({ snapshot, flags }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(snapshots, snapshot);
      return formatSnapshotXml(s.def, { secure: (flags & DomainSnapshotXMLFlags.Secure) !== 0, domainUuid: d.uuid });
    },
    DomainRevertToSnapshot: ({ snapshot, flags }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(snapshots, snapshot);
      revertToSnapshot(node, d, s, flags);
      return null;
    },
    DomainSnapshotDelete: ({ snapshot, flags }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(snapshots, snapshot);
      deleteSnapshot(d, s, flags, node.storage);
      return null;
    },

    StorageVolLookupByPath: ({ path }) => {
      const image = node.storage.get(path);
      if (!image) throw VirError.report(ErrorNumber.NoStorageVol, ErrorDomain.Test, `no storage vol with matching path '${path}'`);
      return volumeRef(image.path);
    },
    StorageVolGetInfo: ({ volume }) => {
      const image = node.storage.get(volume.key);
      if (!image) throw VirError.report(ErrorNumber.NoStorageVol, ErrorDomain.Test, `no storage vol with matching path '${volume.key}'`);
      return { type: 0, capacity: image.size, allocation: image.size };
    },
  };
}

