// What the test driver advertises: every method it implements with its flag mask, and its atomic support.
import {
  ConnectListAllDomainsFlagSet,
  DomainCreateFlags,
  DomainDestroyFlags,
  DomainSnapshotCreateFlagSet,
  DomainSnapshotDeleteFlags,
  DomainSnapshotRevertFlags,
  DomainSnapshotXMLFlags,
  DomainUndefineFlags,
  DomainDefineFlags,
  ErrorDomain,
  type AtomicKind,
  type DriverCapabilities,
  type DriverMethodName,
} from '@virtwire/protocol';
import { domainQueryFlags } from '../shared/domain-query-handlers.js';
import { snapshotQueryFlags } from '../shared/snapshot-query-handlers.js';
import type { AtomicMode } from './snapshot-create.js';

/** libvirt's test driver reports hypervisor version 2 (`testConnectGetVersion`). */
export const TEST_HYPERVISOR_VERSION = 2;

/** The flags each implemented method accepts (libvirt's `virCheckFlags` masks, widened where virtwire goes further). */
export const testMethodFlags = {
  ConnectGetVersion: 0,
  ConnectGetCapabilities: 0,
  ConnectListAllDomains: ConnectListAllDomainsFlagSet.mask,
  ...domainQueryFlags,
  DomainGetInfo: 0,
  DomainDefineXML: DomainDefineFlags.Validate,
  DomainUndefine: DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata,
  // libvirt's test driver takes no flags here; START_PAUSED is virtwire's.
  DomainCreate: DomainCreateFlags.StartPaused,
  DomainDestroy: DomainDestroyFlags.Graceful,
  DomainSuspend: 0,
  DomainResume: 0,
  DomainShutdown: 0,
  // libvirt's test driver refuses NO_METADATA, DISK_ONLY and REUSE_EXT; simulated storage makes them possible here.
  DomainSnapshotCreateXML: DomainSnapshotCreateFlagSet.mask,
  ...snapshotQueryFlags,
  DomainSnapshotGetXMLDesc: DomainSnapshotXMLFlags.Secure,
  DomainRevertToSnapshot: DomainSnapshotRevertFlags.Running | DomainSnapshotRevertFlags.Paused | DomainSnapshotRevertFlags.Force,
  // libvirt's test driver refuses METADATA_ONLY; here it drops the metadata and keeps the data.
  DomainSnapshotDelete: DomainSnapshotDeleteFlags.Children | DomainSnapshotDeleteFlags.MetadataOnly | DomainSnapshotDeleteFlags.ChildrenOnly,
  StorageVolLookupByPath: 0,
  StorageVolGetInfo: 0,
} satisfies Partial<Record<DriverMethodName, number>>;

const everyKind = (maxDisks: (kind: Omit<AtomicKind, 'maxDisks'>) => number | null): AtomicKind[] =>
  (['internal', 'external'] as const).flatMap((location) =>
    (['disk-only', 'full'] as const).flatMap((scope) =>
      (['live', 'offline'] as const).map((state) => ({ location, scope, state, maxDisks: maxDisks({ location, scope, state }) })),
    ),
  );

/**
 * The test driver's capabilities. In `group` mode every kind is atomic for any number of disks;
 * in `none` mode live external snapshots are atomic for one disk only, like QEMU before `transaction`.
 */
export function testCapabilities(atomicMode: AtomicMode): DriverCapabilities {
  return {
    driver: 'test',
    version: TEST_HYPERVISOR_VERSION,
    functionPrefix: 'test',
    errorDomain: ErrorDomain.Test,
    methods: testMethodFlags,
    atomic: everyKind((k) => (atomicMode === 'none' && k.location === 'external' && k.state === 'live' ? 1 : null)),
    crashConsistent: false,
  };
}
