// The qemu driver's answers to every driver method it implements, over one QemuHost.
import {
  DomainXMLFlags,
  ErrorDomain,
  ErrorNumber,
  formatSnapshotXml,
  VirError,
  type DriverCapabilities,
  type SnapshotRef,
} from '@virtwire/protocol';
import { domainMatchesFilters } from '../../conf/domain-list-filter.js';
import { listChildren, listSnapshots, page } from '../../conf/snapshot-filter.js';
import type { SnapshotNode } from '../../conf/snapshot-tree.js';
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

const noSnapshot = (detail: string) => VirError.report(ErrorNumber.NoDomainSnapshot, ErrorDomain.Qemu, detail);

/** The snapshot a wire reference names. */
function resolveSnapshot(host: QemuHost, ref: SnapshotRef): { domain: QemuDomain; snapshot: SnapshotNode } {
  const domain = host.resolve(ref.domain);
  const snapshot = domain.snapshots.get(ref.name);
  if (!snapshot) throw noSnapshot(`no domain snapshot with matching name '${ref.name}'`);
  return { domain, snapshot };
}

const snapshotRef = (domain: QemuDomain, snapshot: SnapshotNode): SnapshotRef => ({ name: snapshot.def.name, domain: domain.ref() });

const count = (items: Iterable<unknown>) => {
  let n = 0;
  for (const _ of items) n++;
  return n;
};

/** libvirt's host capabilities XML, reduced to what this driver runs. */
function capabilitiesXml(qemuBinary: string): string {
  return `<capabilities>
  <host>
    <cpu>
      <arch>x86_64</arch>
    </cpu>
  </host>
  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>${qemuBinary}</emulator>
      <machine>q35</machine>
      <machine>pc</machine>
      <domain type='qemu'/>
    </arch>
  </guest>
</capabilities>
`;
}

/** The handlers of a `qemu:///session` connection. */
export function qemuHandlers(host: QemuHost, capabilities: DriverCapabilities): DriverHandlers {
  return {
    ConnectGetVersion: () => capabilities.version,
    ConnectGetCapabilities: () => capabilitiesXml(host.services.qemuBinary),
    ConnectListAllDomains: ({ flags }) =>
      host
        .domains()
        .filter((d) => domainMatchesFilters({ active: d.active, persistent: d.persistent, state: d.state, snapshotCount: d.snapshots.size }, flags))
        .map((d) => d.ref()),

    DomainLookupByName: ({ name }) => host.lookupByName(name).ref(),
    DomainLookupByUUID: ({ uuid }) => host.lookupByUuid(uuid).ref(),
    DomainLookupByID: ({ id }) => host.lookupById(id).ref(),
    DomainGetXMLDesc: ({ domain, flags }) => host.resolve(domain).formatXml((flags & DomainXMLFlags.Inactive) !== 0),
    DomainGetInfo: ({ domain }) => {
      const d = host.resolve(domain);
      const def = d.effective;
      return { state: d.state, maxMem: def.memoryKiB, memory: def.currentMemoryKiB, nrVirtCpu: def.vcpus, cpuTime: cpuTimeNs(d) };
    },
    DomainGetState: ({ domain }) => {
      const d = host.resolve(domain);
      return { state: d.state, reason: d.reason };
    },
    DomainIsActive: ({ domain }) => host.resolve(domain).active,
    DomainIsPersistent: ({ domain }) => host.resolve(domain).persistent,
    DomainDefineXML: ({ xml }) => defineDomain(host, xml).ref(),
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
      await suspendDomain(host.resolve(domain));
      return null;
    },
    DomainResume: async ({ domain }) => {
      await resumeDomain(host.resolve(domain));
      return null;
    },
    DomainShutdown: async ({ domain }) => {
      await shutdownDomain(host.resolve(domain));
      return null;
    },

    DomainSnapshotCreateXML: async ({ domain, xml, flags }) => {
      const d = host.resolve(domain);
      const name = await createSnapshot(host, d, xml, flags, capabilities);
      return { name, domain: d.ref() };
    },
    DomainSnapshotLookupByName: ({ domain, name }) => {
      const { domain: d, snapshot } = resolveSnapshot(host, { name, domain });
      return snapshotRef(d, snapshot);
    },
    DomainSnapshotGetXMLDesc: ({ snapshot }) => formatSnapshotXml(resolveSnapshot(host, snapshot).snapshot.def),
    DomainSnapshotCurrent: ({ domain }) => {
      const d = host.resolve(domain);
      const current = d.snapshots.current;
      if (!current) throw noSnapshot('the domain does not have a current snapshot');
      return snapshotRef(d, current);
    },
    DomainHasCurrentSnapshot: ({ domain }) => host.resolve(domain).snapshots.current !== null,
    DomainListAllSnapshots: ({ domain, flags, offset, limit }) => {
      const d = host.resolve(domain);
      return page(listSnapshots(d.snapshots, flags), offset, limit).map((s) => snapshotRef(d, s));
    },
    DomainSnapshotNum: ({ domain, flags }) => count(listSnapshots(host.resolve(domain).snapshots, flags)),
    DomainSnapshotListAllChildren: ({ snapshot, flags, offset, limit }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(host, snapshot);
      return page(listChildren(d.snapshots, s, flags), offset, limit).map((c) => snapshotRef(d, c));
    },
    DomainSnapshotNumChildren: ({ snapshot, flags }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(host, snapshot);
      return count(listChildren(d.snapshots, s, flags));
    },
    DomainSnapshotGetParent: ({ snapshot }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(host, snapshot);
      if (!s.parent) throw noSnapshot(`snapshot '${s.def.name}' does not have a parent`);
      return snapshotRef(d, s.parent);
    },
    DomainSnapshotIsCurrent: ({ snapshot }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(host, snapshot);
      return d.snapshots.current === s;
    },
    DomainSnapshotHasMetadata: ({ snapshot }) => {
      resolveSnapshot(host, snapshot);
      return true;
    },
    DomainRevertToSnapshot: async ({ snapshot, flags }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(host, snapshot);
      await revertToSnapshot(host, d, s, flags);
      return null;
    },
    DomainSnapshotDelete: async ({ snapshot, flags }) => {
      const { domain: d, snapshot: s } = resolveSnapshot(host, snapshot);
      await deleteSnapshot(host, d, s, flags);
      return null;
    },
  };
}
