// What the qemu driver advertises: every method it implements with its flag mask, and exactly which snapshot kinds are atomic.
import {
  ConnectListAllDomainsFlagSet,
  DomainConsoleFlags,
  DomainCreateFlags,
  DomainDefineFlags,
  DomainDestroyFlags,
  DomainShutdownFlags,
  DomainSnapshotCreateFlagSet,
  DomainSnapshotDeleteFlagSet,
  DomainSnapshotRevertFlags,
  DomainSnapshotXMLFlags,
  DomainUndefineFlags,
  ErrorDomain,
  type AtomicKind,
  type DriverCapabilities,
  type DriverMethodName,
} from '@virtwire/protocol';
import { domainQueryFlags } from '../shared/domain-query-handlers.js';
import { snapshotQueryFlags } from '../shared/snapshot-query-handlers.js';

/** The flags each implemented method accepts (libvirt's qemu driver `virCheckFlags` masks). */
export const qemuMethodFlags = {
  ConnectGetVersion: 0,
  ConnectGetCapabilities: 0,
  ConnectListAllDomains: ConnectListAllDomainsFlagSet.mask,
  ...domainQueryFlags,
  DomainGetInfo: 0,
  DomainDefineXML: DomainDefineFlags.Validate,
  DomainUndefine: DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram | DomainUndefineFlags.KeepNvram,
  DomainCreate: DomainCreateFlags.StartPaused | DomainCreateFlags.StartResetNvram,
  DomainDestroy: DomainDestroyFlags.Graceful,
  DomainSuspend: 0,
  DomainResume: 0,
  DomainShutdown: DomainShutdownFlags.AcpiPowerBtn | DomainShutdownFlags.GuestAgent,
  DomainOpenConsole: DomainConsoleFlags.Force | DomainConsoleFlags.Safe,
  // SKIPAUTH would need QEMU to take a client the daemon hands over (add_client): not offered
  DomainOpenGraphics: 0,
  DomainGetOSType: 0,
  DomainGetAutostart: 0,
  DomainHasManagedSaveImage: 0,
  DomainSnapshotCreateXML: DomainSnapshotCreateFlagSet.mask,
  ...snapshotQueryFlags,
  DomainSnapshotGetXMLDesc: DomainSnapshotXMLFlags.Secure,
  DomainRevertToSnapshot: DomainSnapshotRevertFlags.Running | DomainSnapshotRevertFlags.Paused | DomainSnapshotRevertFlags.Force | DomainSnapshotRevertFlags.ResetNvram,
  DomainSnapshotDelete: DomainSnapshotDeleteFlagSet.mask,
} satisfies Partial<Record<DriverMethodName, number>>;

/**
 * The snapshot kinds made atomically, for any number of disks (docs/qemu-qmp-notes.md §9.6): live external
 * disk-only (one QMP `transaction` of blockdev-snapshot), live internal disk-only (`transaction` of
 * blockdev-snapshot-internal-sync), live internal with VM state (`snapshot-save`, verified and
 * cleaned after a failure), offline internal and external (qemu-img, undone on failure). Not listed,
 * so refused under ATOMIC: external memory, and snapshots mixing internal and external disks.
 */
export const QEMU_ATOMIC_KINDS: AtomicKind[] = [
  { location: 'external', scope: 'disk-only', state: 'live', maxDisks: null },
  { location: 'external', scope: 'disk-only', state: 'offline', maxDisks: null },
  { location: 'internal', scope: 'disk-only', state: 'live', maxDisks: null },
  { location: 'internal', scope: 'full', state: 'live', maxDisks: null },
  { location: 'internal', scope: 'full', state: 'offline', maxDisks: null },
];

/** The qemu driver's capabilities for a QEMU of `version` (libvirt-encoded). */
export function qemuCapabilities(version: number): DriverCapabilities {
  return {
    driver: 'qemu',
    version,
    functionPrefix: 'qemu',
    errorDomain: ErrorDomain.Qemu,
    methods: qemuMethodFlags,
    atomic: QEMU_ATOMIC_KINDS,
    crashConsistent: true,
  };
}
