// The qemu driver's answers to every driver method it implements, over one QemuHost.
import { ErrorDomain, type DriverCapabilities, DomainSnapshotXMLFlags } from '@virtwire/protocol';
import { formatSnapshotXml } from '@virtwire/protocol/xml';
import { domainMatchesFilters } from '../../conf/domain-list-filter.js';
import { capabilitiesXml } from '../../conf/capabilities-xml.js';
import { checkAlignedDiskCount } from '../../conf/snapshot-disk-alignment.js';
import { domainQueryHandlers } from '../shared/domain-query-handlers.js';
import { resolveSnapshot, snapshotQueryHandlers, type SnapshotHost } from '../shared/snapshot-query-handlers.js';
import type { DriverHandlers } from '../driver.js';
import {
  cpuTimeNs,
  defineDomain,
  destroyDomain,
  resumeDomain,
  shutdownDomain,
  startDomain,
  suspendDomain,
  undefineDomain,
} from './domain-lifecycle.js';
import type { QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import { createSnapshot } from './snapshot-create.js';
import { deleteSnapshot } from './snapshot-delete.js';
import { revertToSnapshot } from './snapshot-revert.js';

/** The handlers of a `qemu:///session` connection. */
export function qemuHandlers(host: QemuHost, capabilities: DriverCapabilities): DriverHandlers {
  const snapshots: SnapshotHost<QemuDomain> = { resolve: (ref) => host.resolve(ref), errorDomain: ErrorDomain.Qemu };
  return {
    ConnectGetVersion: () => capabilities.version,
    ConnectGetCapabilities: () => capabilitiesXml({ domainType: 'qemu', emulator: host.services.qemuBinary, machines: ['q35', 'pc'] }),
    ConnectListAllDomains: ({ flags }) =>
      host
        .domains()
        .filter((d) => domainMatchesFilters({ active: d.active, persistent: d.persistent, state: d.state, snapshotCount: d.snapshots.size }, flags))
        .map((d) => d.ref()),

    ...domainQueryHandlers(host),
    DomainGetInfo: ({ domain }) => {
      const d = host.resolve(domain);
      const def = d.effective;
      return { state: d.state, maxMem: def.memoryKiB, memory: def.currentMemoryKiB, nrVirtCpu: def.vcpus, cpuTime: cpuTimeNs(d) };
    },
    DomainDefineXML: async ({ xml, flags }) => (await defineDomain(host, xml, flags)).ref(),
    // Guests are hvm; virtwire's qemu driver has neither autostart nor managed save.
    DomainGetOSType: ({ domain }) => host.resolve(domain).effective.osType,
    DomainGetAutostart: ({ domain }) => (host.resolve(domain), false),
    DomainHasManagedSaveImage: ({ domain }) => (host.resolve(domain), false),
    DomainUndefine: async ({ domain, flags }) => {
      await undefineDomain(host, host.resolve(domain), flags);
      return null;
    },
    DomainCreate: async ({ domain, flags }) => {
      await startDomain(host, host.resolve(domain), flags);
      return null;
    },
    DomainDestroy: async ({ domain }) => {
      await destroyDomain(host, host.resolve(domain));
      return null;
    },
    DomainSuspend: async ({ domain }) => {
      await suspendDomain(host, host.resolve(domain));
      return null;
    },
    DomainResume: async ({ domain }) => {
      await resumeDomain(host, host.resolve(domain));
      return null;
    },
    DomainShutdown: async ({ domain }) => {
      await shutdownDomain(host.resolve(domain));
      return null;
    },

    DomainSnapshotCreateXML: async ({ domain, xml, flags }, call) => {
      const d = host.resolve(domain);
      checkAlignedDiskCount(d.effective.disks().length, call.limits.maxSnapshotDisks, ErrorDomain.Qemu);
      const name = await createSnapshot(host, d, xml, flags, capabilities, call.job);
      return { name, domain: d.ref() };
    },
    ...snapshotQueryHandlers(snapshots),
    DomainSnapshotGetXMLDesc: ({ snapshot, flags }) =>
      formatSnapshotXml(resolveSnapshot(snapshots, snapshot).snapshot.def, { secure: (flags & DomainSnapshotXMLFlags.Secure) !== 0 }),
    DomainRevertToSnapshot: async ({ snapshot, flags }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(snapshots, snapshot);
      await revertToSnapshot(host, d, s, flags);
      return null;
    },
    DomainSnapshotDelete: async ({ snapshot, flags }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(snapshots, snapshot);
      await deleteSnapshot(host, d, s, flags);
      return null;
    },
  };
}
