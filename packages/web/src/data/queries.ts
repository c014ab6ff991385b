// What each view shows, fetched through the SDK's public API: host facts, domains with state, one domain's disks and definition, its snapshots.
import { ConnectListAllDomainsFlags, DomainState, formatVersion, type Connection, type DriverCapabilities } from '@virtwire/client';
import type { XmlElement } from '@virtwire/client/xml';

/** The host view: `virConnectGetURI`, `virConnectGetHostname`, `virConnectGetVersion`, `virNodeGetInfo` and the driver's capabilities. */
export interface HostFacts {
  uri: string;
  hostname: string;
  version: string;
  readOnly: boolean;
  capabilities: DriverCapabilities;
  node: { model: string; memoryKiB: number; cpus: number; mhz: number };
}

export async function hostFacts(conn: Connection): Promise<HostFacts> {
  const [hostname, version, node] = await Promise.all([conn.getHostname(), conn.getVersion(), conn.getNodeInfo()]);
  return {
    uri: conn.uri,
    hostname,
    version: formatVersion(version),
    readOnly: conn.readOnly,
    capabilities: conn.capabilities,
    node: { model: node.model, memoryKiB: node.memory, cpus: node.cpus, mhz: node.mhz },
  };
}

/** One row of the domain list. */
export interface DomainRow {
  name: string;
  uuid: string;
  id: number;
  state: number;
}

/**
 * `virConnectListAllDomains`, with each domain's state. The state comes from three more lists
 * filtered by state (`VIR_CONNECT_LIST_DOMAINS_RUNNING`, `_PAUSED`, `_SHUTOFF`): four calls
 * whatever the number of domains; only domains in another state (blocked, shutting down, crashed,
 * pmsuspended) are asked one by one (`virDomainGetState`). A driver without the filters gets
 * `virDomainGetState` for every domain.
 */
export async function domainRows(conn: Connection): Promise<DomainRow[]> {
  const F = ConnectListAllDomainsFlags;
  const domains = await conn.listAllDomains();
  const states = new Map<string, number>();
  if (!(await conn.refusal('ConnectListAllDomains', { flags: F.Running | F.Paused | F.Shutoff }))) {
    const filters = [
      [F.Running, DomainState.Running],
      [F.Paused, DomainState.Paused],
      [F.Shutoff, DomainState.Shutoff],
    ] as const;
    const lists = await Promise.all(filters.map(([flag]) => conn.listAllDomains(flag)));
    lists.forEach((list, i) => list.forEach((d) => states.set(d.uuid, filters[i]![1])));
  }
  const others = domains.filter((d) => !states.has(d.uuid));
  const otherStates = await Promise.all(
    others.map((d) =>
      d.getState().then(
        (s) => s.state,
        () => DomainState.NoState,
      ),
    ),
  );
  others.forEach((d, i) => states.set(d.uuid, otherStates[i]!));
  return domains.map((d) => ({ name: d.name, uuid: d.uuid, id: d.id, state: states.get(d.uuid)! })).sort((a, b) => a.name.localeCompare(b.name));
}

/** One disk of a domain, from its definition. */
export interface DiskRow {
  target: string;
  device: string;
  source?: string;
  format?: string;
  readOnly: boolean;
}

/** The domain page: state, persistence, disks and the definition. */
export interface DomainDetail {
  name: string;
  uuid: string;
  id: number;
  state: number;
  persistent: boolean;
  disks: DiskRow[];
  xml: string;
  /** The index (`virDomainOpenGraphics`'s `idx`) of its first `<graphics type='vnc'>`, if it has one. */
  vnc?: number;
}

/** The child elements of `parent` called `name` (none without a parent). */
function elements(parent: XmlElement | undefined, name: string): XmlElement[] {
  return (parent?.children ?? []).filter((c): c is XmlElement => typeof c !== 'string' && c.name === name);
}

/** Looks the domain up afresh (its id changes as it starts and stops) and reads what the page shows. */
export async function domainDetail(conn: Connection, name: string): Promise<DomainDetail> {
  const domain = await conn.domainLookupByName(name);
  const [state, persistent, xml] = await Promise.all([domain.getState(), domain.isPersistent(), domain.getXMLDesc()]);
  const { DomainDefinition } = await import('@virtwire/client/xml');
  const definition = DomainDefinition.parse(xml);
  const vnc = elements(elements(definition.tree, 'devices')[0], 'graphics').findIndex((g) => g.attributes.get('type') === 'vnc');
  const disks = definition.disks().map((d) => ({
    target: d.target,
    device: d.device,
    readOnly: d.readOnly,
    ...(d.source ? { source: d.source } : {}),
    ...(d.format ? { format: d.format } : {}),
  }));
  return { name: domain.name, uuid: domain.uuid, id: domain.id, state: state.state, persistent, disks, xml, ...(vnc >= 0 ? { vnc } : {}) };
}

/** One snapshot as the tree shows it (from `virDomainSnapshotGetXMLDesc`). */
export interface SnapshotNode {
  name: string;
  parent?: string;
  description?: string;
  state?: string;
  creationTime?: number;
  /** Disk-only (external disks, no memory). */
  diskOnly: boolean;
  current: boolean;
}

/** Human words for `virDomainState`, as virsh prints them. */
export function stateName(state: number): string {
  switch (state) {
    case DomainState.Running:
      return 'running';
    case DomainState.Blocked:
      return 'idle';
    case DomainState.Paused:
      return 'paused';
    case DomainState.Shutdown:
      return 'in shutdown';
    case DomainState.Shutoff:
      return 'shut off';
    case DomainState.Crashed:
      return 'crashed';
    case DomainState.PmSuspended:
      return 'pmsuspended';
    default:
      return 'no state';
  }
}
