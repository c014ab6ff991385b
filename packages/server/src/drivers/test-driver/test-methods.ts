// The test driver's one table of methods: each method's flag mask (libvirt's virCheckFlags, widened where virtwire goes further) and its handler, over one TestNode.
import { testHostCapabilitiesXml } from './test-host-capabilities.js';
import {
  ConnectListAllDomainsFlags as ListDomains,
  ConnectListAllDomainsFlagSet,
  DomainCreateFlags,
  DomainDefineFlags,
  DomainDestroyFlags,
  DomainRebootFlagSet,
  DomainSnapshotCreateFlagSet,
  DomainSnapshotDeleteFlags,
  DomainSnapshotRevertFlags,
  DomainUndefineFlags,
  DomainState,
  ErrorDomain,
  ErrorNumber,
  VirError,
  DomainSnapshotXMLFlags,
} from '@virtwire/protocol';
import { formatSnapshotXml } from '@virtwire/protocol/xml';
import { checkAlignedDiskCount } from '../../conf/snapshot-disk-alignment.js';
import { domainQueryMethods } from '../common/domain-query-methods.js';
import { resolveSnapshot, snapshotQueryMethods, type SnapshotHost } from '../common/snapshot-query-methods.js';
import type { DriverMethods } from '../driver.js';
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

/** The methods of a test-driver connection. Everything is synchronous, so each call is one atomic step. */
export function testMethods(node: TestNode, atomicMode: AtomicMode): DriverMethods {
  const snapshots: SnapshotHost<TestDomain> = { resolve: (ref) => node.resolve(ref), errorDomain: ErrorDomain.Test };
  return {
    ConnectGetVersion: { flags: 0, handle: () => TEST_HYPERVISOR_VERSION },
    ConnectGetCapabilities: { flags: 0, handle: () => testHostCapabilitiesXml(node.builtIn) },
    ConnectListAllDomains: {
      flags: ConnectListAllDomainsFlagSet.mask,
      handle: ({ flags }) =>
        node
          .domains()
          .filter((d) => domainMatches(d, flags))
          .map((d) => d.ref()),
    },

    ...domainQueryMethods(node),
    DomainGetInfo: {
      flags: 0,
      handle: ({ domain }) => {
        const d = node.resolve(domain);
        // libvirt's test driver reports the wall clock as CPU time (testDomainGetInfo).
        return {
          state: d.state,
          maxMem: d.effective.memoryKiB,
          memory: d.effective.currentMemoryKiB,
          nrVirtCpu: d.effective.currentVcpus,
          cpuTime: Date.now() * 1_000_000,
        };
      },
    },
    DomainDefineXML: { flags: DomainDefineFlags.Validate, handle: ({ xml, flags }) => defineDomain(node, xml, flags).ref() },
    DomainUndefine: {
      flags: DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata,
      handle: ({ domain, flags }) => {
        undefineDomain(node, node.resolve(domain), flags);
        return null;
      },
    },
    // libvirt's test driver takes no flags here; START_PAUSED is virtwire's.
    DomainCreate: {
      flags: DomainCreateFlags.StartPaused,
      handle: ({ domain, flags }) => {
        startDomain(node, node.resolve(domain), flags);
        return null;
      },
    },
    DomainDestroy: {
      flags: DomainDestroyFlags.Graceful,
      handle: ({ domain }) => {
        destroyDomain(node, node.resolve(domain));
        return null;
      },
    },
    DomainSuspend: {
      flags: 0,
      handle: ({ domain }) => {
        suspendDomain(node.resolve(domain));
        return null;
      },
    },
    DomainResume: {
      flags: 0,
      handle: ({ domain }) => {
        resumeDomain(node.resolve(domain));
        return null;
      },
    },
    DomainShutdown: {
      flags: 0,
      handle: ({ domain }) => {
        shutdownDomain(node, node.resolve(domain));
        return null;
      },
    },
    DomainReboot: {
      flags: DomainRebootFlagSet.mask,
      handle: ({ domain }) => {
        rebootDomain(node, node.resolve(domain));
        return null;
      },
    },
    DomainReset: {
      flags: 0,
      handle: ({ domain }) => {
        resetDomain(node.resolve(domain));
        return null;
      },
    },
    // libvirt's test driver: every guest is `linux`, none autostarts or has a managed save, and
    // running ones carry the test security driver's label.
    DomainGetOSType: { flags: 0, handle: ({ domain }) => (node.resolve(domain), 'linux') },
    DomainGetAutostart: { flags: 0, handle: ({ domain }) => (node.resolve(domain), false) },
    DomainHasManagedSaveImage: { flags: 0, handle: ({ domain }) => (node.resolve(domain), false) },
    DomainGetSecurityLabel: {
      flags: 0,
      handle: ({ domain }) => (node.resolve(domain).active ? { label: 'libvirt-test', enforcing: true } : { label: '', enforcing: false }),
    },
    NodeGetSecurityModel: { flags: 0, handle: () => ({ model: 'testSecurity', doi: '' }) },
    NodeGetInfo: { flags: 0, handle: () => TEST_NODE_INFO },

    // libvirt's test driver refuses NO_METADATA, DISK_ONLY and REUSE_EXT; simulated storage makes them possible here.
    DomainSnapshotCreateXML: {
      flags: DomainSnapshotCreateFlagSet.mask,
      handle: ({ domain, xml, flags }, call) => {
        const d = node.resolve(domain);
        checkAlignedDiskCount(d.effective.disks().length, call.limits.maxSnapshotDisks, ErrorDomain.Test);
        const { def } = createSnapshot(d, node.storage, xml, flags, atomicMode);
        return { name: def.name, domain: d.ref() };
      },
    },
    ...snapshotQueryMethods(snapshots),
    DomainSnapshotGetXMLDesc: {
      flags: DomainSnapshotXMLFlags.Secure,
      handle: ({ snapshot, flags }) => {
        const { domain: d, snapshot: s } = resolveSnapshot(snapshots, snapshot);
        return formatSnapshotXml(s.def, { secure: (flags & DomainSnapshotXMLFlags.Secure) !== 0, domainUuid: d.uuid });
      },
    },
    DomainRevertToSnapshot: {
      flags: DomainSnapshotRevertFlags.Running | DomainSnapshotRevertFlags.Paused | DomainSnapshotRevertFlags.Force,
      handle: ({ snapshot, flags }) => {
        const { domain: d, snapshot: s } = resolveSnapshot(snapshots, snapshot);
        revertToSnapshot(node, d, s, flags);
        return null;
      },
    },
    // libvirt's test driver refuses METADATA_ONLY; here it drops the metadata and keeps the data.
    DomainSnapshotDelete: {
      flags: DomainSnapshotDeleteFlags.Children | DomainSnapshotDeleteFlags.MetadataOnly | DomainSnapshotDeleteFlags.ChildrenOnly,
      handle: ({ snapshot, flags }) => {
        const { domain: d, snapshot: s } = resolveSnapshot(snapshots, snapshot);
        deleteSnapshot(d, s, flags, node.storage);
        return null;
      },
    },

    StorageVolLookupByPath: {
      flags: 0,
      handle: ({ path }) => {
        const image = node.storage.get(path);
        if (!image) throw VirError.report(ErrorNumber.NoStorageVol, ErrorDomain.Test, `no storage vol with matching path '${path}'`);
        return volumeRef(image.path);
      },
    },
    StorageVolGetInfo: {
      flags: 0,
      handle: ({ volume }) => {
        const image = node.storage.get(volume.key);
        if (!image) throw VirError.report(ErrorNumber.NoStorageVol, ErrorDomain.Test, `no storage vol with matching path '${volume.key}'`);
        return { type: 0, capacity: image.size, allocation: image.size };
      },
    },
  };
}
