// What the qemu driver advertises: the flag masks of its method table, and exactly which snapshot kinds are atomic.
import { ErrorDomain, type AtomicKind, type DriverCapabilities } from '@virtwire/protocol';
import { advertisedMethods, type DriverMethods } from '../driver.js';

/**
 * The snapshot kinds made atomically, for any number of disks (docs/qemu-qmp-notes.md §9.6): live external
 * disk-only (one QMP `transaction` of blockdev-snapshot), live internal disk-only (`transaction` of
 * blockdev-snapshot-internal-sync), live internal with VM state (`snapshot-save`, verified and
 * cleaned after a failure), offline internal and external (qemu-img, undone on failure), and live
 * external with memory (`<memory snapshot='external'/>`: the migration stream saved to its file, then
 * the disks' `transaction` while the vCPUs are stopped; the file and every overlay, or nothing). Not
 * listed, so refused under ATOMIC: snapshots mixing internal and external disks or memory.
 */
export const QEMU_ATOMIC_KINDS: AtomicKind[] = [
  { location: 'external', scope: 'disk-only', state: 'live', maxDisks: null },
  { location: 'external', scope: 'disk-only', state: 'offline', maxDisks: null },
  { location: 'external', scope: 'full', state: 'live', maxDisks: null },
  // an external snapshot of an inactive domain is disk-only whatever its flags (qemuSnapshotPrepare); memory is refused there
  { location: 'external', scope: 'full', state: 'offline', maxDisks: null },
  { location: 'internal', scope: 'disk-only', state: 'live', maxDisks: null },
  { location: 'internal', scope: 'full', state: 'live', maxDisks: null },
  { location: 'internal', scope: 'full', state: 'offline', maxDisks: null },
];

/** The qemu driver's capabilities for a QEMU of `version` (libvirt-encoded), with the flag masks of its `methods`. */
export function qemuCapabilities(version: number, methods: DriverMethods): DriverCapabilities {
  return {
    driver: 'qemu',
    version,
    functionPrefix: 'qemu',
    errorDomain: ErrorDomain.Qemu,
    methods: advertisedMethods(methods),
    atomic: QEMU_ATOMIC_KINDS,
    crashConsistent: true,
  };
}
