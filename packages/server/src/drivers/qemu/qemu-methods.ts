// The qemu driver's one table of methods: each method's flag mask (libvirt's qemu driver virCheckFlags) and its handler, over one QemuHost.
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
  ErrorNumber,
  VirError,
  type DriverCapabilities,
} from '@virtwire/protocol';
import { formatSnapshotXml } from '@virtwire/protocol/xml';
import { domainMatchesFilters } from '../../conf/domain-list-filter.js';
import { capabilitiesXml } from '../../conf/capabilities-xml.js';
import { checkAlignedDiskCount } from '../../conf/snapshot-disk-alignment.js';
import { domainQueryMethods } from '../common/domain-query-methods.js';
import { resolveSnapshot, snapshotQueryMethods, type SnapshotHost } from '../common/snapshot-query-methods.js';
import type { DriverMethods } from '../driver.js';
import { cpuTimeNs, defineDomain, destroyDomain, resumeDomain, shutdownDomain, startDomain, suspendDomain, undefineDomain } from './domain-lifecycle.js';
import type { QemuDomain } from './qemu-domain.js';
import { consoleOpener } from './guest-console.js';
import { graphicsOpener } from './guest-graphics-stream.js';
import { kvmUsable } from './host-acceleration.js';
import { qemuCapabilities } from './qemu-capabilities.js';
import type { QemuHost } from './qemu-host.js';
import { createSnapshot } from './snapshot-create.js';
import { deleteSnapshot } from './snapshot-delete.js';
import { revertToSnapshot } from './snapshot-revert.js';

/** The methods of a `qemu:///session` connection to a QEMU of `version` (libvirt-encoded). */
export function qemuMethods(host: QemuHost, version: number): DriverMethods {
  const snapshots: SnapshotHost<QemuDomain> = { resolve: (ref) => host.resolve(ref), errorDomain: ErrorDomain.Qemu };
  /** What this connection advertises, for the snapshot planner's atomic checks (derived from this table once). */
  let advertised: DriverCapabilities | undefined;
  const capabilities = () => (advertised ??= qemuCapabilities(version, table));
  const table: DriverMethods = {
    ConnectGetVersion: { flags: 0, handle: () => version },
    ConnectGetCapabilities: {
      flags: 0,
      handle: () =>
        capabilitiesXml({
          domainType: 'qemu',
          moreDomainTypes: kvmUsable(host.services.kvmDevice) ? ['kvm'] : [],
          emulator: host.services.qemuBinary,
          machines: ['q35', 'pc'],
        }),
    },
    ConnectListAllDomains: {
      flags: ConnectListAllDomainsFlagSet.mask,
      handle: ({ flags }) =>
        host
          .domains()
          .filter((d) => domainMatchesFilters({ active: d.active, persistent: d.persistent, state: d.state, snapshotCount: d.snapshots.size }, flags))
          .map((d) => d.ref()),
    },

    ...domainQueryMethods(host),
    DomainGetInfo: {
      flags: 0,
      handle: ({ domain }) => {
        const d = host.resolve(domain);
        const def = d.effective;
        return { state: d.state, maxMem: def.memoryKiB, memory: def.currentMemoryKiB, nrVirtCpu: def.vcpus, cpuTime: cpuTimeNs(d) };
      },
    },
    DomainDefineXML: { flags: DomainDefineFlags.Validate, handle: async ({ xml, flags }, call) => (await defineDomain(host, xml, flags, call)).ref() },
    // Guests are hvm; virtwire's qemu driver has neither autostart nor managed save.
    DomainGetOSType: { flags: 0, handle: ({ domain }) => host.resolve(domain).effective.osType },
    DomainGetAutostart: { flags: 0, handle: ({ domain }) => (host.resolve(domain), false) },
    DomainHasManagedSaveImage: { flags: 0, handle: ({ domain }) => (host.resolve(domain), false) },
    DomainUndefine: {
      flags: DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.Nvram | DomainUndefineFlags.KeepNvram,
      handle: async ({ domain, flags }, call) => {
        await undefineDomain(host, host.resolve(domain), flags, call);
        return null;
      },
    },
    DomainCreate: {
      flags: DomainCreateFlags.StartPaused | DomainCreateFlags.StartResetNvram,
      handle: async ({ domain, flags }, call) => {
        await startDomain(host, host.resolve(domain), flags, call);
        return null;
      },
    },
    DomainDestroy: {
      flags: DomainDestroyFlags.Graceful,
      handle: async ({ domain }, call) => {
        await destroyDomain(host, host.resolve(domain), call);
        return null;
      },
    },
    DomainSuspend: {
      flags: 0,
      handle: async ({ domain }, call) => {
        await suspendDomain(host, host.resolve(domain), call);
        return null;
      },
    },
    DomainResume: {
      flags: 0,
      handle: async ({ domain }, call) => {
        await resumeDomain(host, host.resolve(domain), call);
        return null;
      },
    },
    DomainOpenConsole: {
      flags: DomainConsoleFlags.Force | DomainConsoleFlags.Safe,
      handle: ({ domain, devName, flags }, call) => {
        const opener = consoleOpener(host.resolve(domain), devName, flags);
        if (!host.services.streams)
          throw VirError.report(ErrorNumber.NoSupport, ErrorDomain.Qemu, 'this function is not supported by the connection driver: virDomainOpenConsole');
        return { ticket: host.services.streams.issue(call.connectionId, opener) };
      },
    },
    // SKIPAUTH would need QEMU to take a client the daemon hands over (add_client): not offered
    DomainOpenGraphics: {
      flags: 0,
      handle: ({ domain, idx }, call) => {
        const opener = graphicsOpener(host.resolve(domain), idx);
        if (!host.services.streams)
          throw VirError.report(ErrorNumber.NoSupport, ErrorDomain.Qemu, 'this function is not supported by the connection driver: virDomainOpenGraphics');
        return { ticket: host.services.streams.issue(call.connectionId, opener) };
      },
    },
    DomainShutdown: {
      flags: DomainShutdownFlags.AcpiPowerBtn | DomainShutdownFlags.GuestAgent,
      handle: async ({ domain, flags }) => {
        await shutdownDomain(host.resolve(domain), flags);
        return null;
      },
    },

    DomainSnapshotCreateXML: {
      flags: DomainSnapshotCreateFlagSet.mask,
      handle: async ({ domain, xml, flags }, call) => {
        const d = host.resolve(domain);
        checkAlignedDiskCount(d.effective.disks().length, call.limits.maxSnapshotDisks, ErrorDomain.Qemu);
        const name = await createSnapshot(host, d, xml, flags, capabilities(), call);
        return { name, domain: d.ref() };
      },
    },
    ...snapshotQueryMethods(snapshots),
    DomainSnapshotGetXMLDesc: {
      flags: DomainSnapshotXMLFlags.Secure,
      handle: ({ snapshot, flags }) =>
        formatSnapshotXml(resolveSnapshot(snapshots, snapshot).snapshot.def, { secure: (flags & DomainSnapshotXMLFlags.Secure) !== 0 }),
    },
    DomainRevertToSnapshot: {
      flags: DomainSnapshotRevertFlags.Running | DomainSnapshotRevertFlags.Paused | DomainSnapshotRevertFlags.Force | DomainSnapshotRevertFlags.ResetNvram,
      handle: async ({ snapshot, flags }, call) => {
        const { domain: d, snapshot: s } = resolveSnapshot(snapshots, snapshot);
        await revertToSnapshot(host, d, s, flags, call);
        return null;
      },
    },
    DomainSnapshotDelete: {
      flags: DomainSnapshotDeleteFlagSet.mask,
      handle: async ({ snapshot, flags }, call) => {
        const { domain: d, snapshot: s } = resolveSnapshot(snapshots, snapshot);
        await deleteSnapshot(host, d, s, flags, call);
        return null;
      },
    },
  };
  return table;
}
