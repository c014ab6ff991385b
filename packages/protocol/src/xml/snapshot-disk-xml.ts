// One <disk> of a <domainsnapshot>: libvirt's virDomainSnapshotDiskDefParseXML and virDomainSnapshotDiskDefFormat.
import { ErrorDomain } from '../errors/error-domain.js';
import { ErrorNumber } from '../errors/error-number.js';
import { VirError } from '../errors/vir-error.js';
import { childElement, childElements, cloneElement, element, textOf, type XmlElement, type XmlNode } from './xml-tree.js';

/** `virDomainSnapshotLocation` for a disk: how (or whether) it is captured. */
export type DiskSnapshotMode = 'no' | 'internal' | 'external' | 'manual';

/** `virStorageType` names a snapshot disk may use (libvirt refuses `dir` and `volume` there). */
export type SnapshotStorageType = 'file' | 'block' | 'network' | 'nvme' | 'vhostuser' | 'vhostvdpa';

/** One `<disk>` of a snapshot definition. */
export interface SnapshotDiskDef {
  /** Target device (`vda`) or, as given by a caller, an absolute source path. */
  name: string;
  snapshot?: DiskSnapshotMode;
  /** Storage type of the new image: `file` (default), `block`, or a storage no local path names (`network`...). */
  type?: SnapshotStorageType;
  /** Image format of the new image (`<driver type='qcow2'/>`). */
  driverType?: string;
  /**
   * Path of the new image (`<source file=>` or `<source dev=>`); for a network source, the image
   * name as libvirt keeps it (`src->path`: without the pool of a gluster or rbd `name`).
   */
  source?: string;
  /**
   * The `<source>` element as given, for what the model does not interpret: a non-local source
   * (network hosts, nvme address...) and a local source's `<seclabel>`s. Formatted back as given.
   */
  sourceElement?: XmlElement;
  /** `<driver><metadata_cache><max_size>` in bytes (qcow2's metadata cache of the new image). */
  metadataCacheMaxSize?: number;
  /** `<snapshotDeleteInProgress/>`: a delete of this disk's image was interrupted (read only with REDEFINE, as libvirt). */
  deleteInProgress?: boolean;
}

const DISK_MODES: readonly DiskSnapshotMode[] = ['no', 'internal', 'external', 'manual'];
const STORAGE_TYPES = ['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser', 'vhostvdpa'];
/** Image formats libvirt's storage layer knows (`virStorageFileFormat`). */
export const KNOWN_IMAGE_FORMATS = ['raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop', 'cow', 'qcow', 'qcow2', 'qed', 'vmdk'];
/** `virStorageNetProtocol` names. */
const NET_PROTOCOLS = ['none', 'nbd', 'rbd', 'sheepdog', 'gluster', 'iscsi', 'http', 'https', 'ftp', 'ftps', 'tftp', 'ssh', 'vxhs', 'nfs'];
const HOST_TRANSPORTS = ['tcp', 'unix', 'rdma'];

const xmlError = (detail: string, domain: number = ErrorDomain.DomainSnapshot) => VirError.report(ErrorNumber.XmlError, domain, detail);
const invalidValue = (attribute: string, elementName: string, value: string) =>
  xmlError(`Invalid value for attribute '${attribute}' in element '${elementName}': '${value}'.`, ErrorDomain.Xml);

/** True when a snapshot disk's new image is a local file or block device (a path the daemon opens). */
export function isLocalSnapshotDisk(disk: SnapshotDiskDef): boolean {
  return disk.type === undefined || disk.type === 'file' || disk.type === 'block';
}

/** Parses one `<disk>` of `<disks>` (or `<revertDisks>`) with libvirt's checks, in its order; `redefine` as PARSE_REDEFINE. */
export function parseSnapshotDisk(el: XmlElement, redefine = false): SnapshotDiskDef {
  // An empty name is a name (libvirt's virXMLPropString): alignment then finds no disk by it.
  const name = el.attributes.get('name');
  if (name === undefined) {
    throw VirError.report(ErrorNumber.InternalError, ErrorDomain.DomainSnapshot, 'missing name from disk snapshot element');
  }
  const disk: SnapshotDiskDef = { name };
  const mode = el.attributes.get('snapshot');
  if (mode !== undefined) {
    if (!(DISK_MODES as readonly string[]).includes(mode)) throw invalidValue('snapshot', 'disk', mode);
    disk.snapshot = mode as DiskSnapshotMode;
  }
  const type = el.attributes.get('type') ?? 'file';
  if (!STORAGE_TYPES.includes(type)) throw invalidValue('type', 'disk', type);
  if (type === 'dir' || type === 'volume') throw xmlError(`unsupported disk snapshot type '${type}'`);
  if (el.attributes.has('type')) disk.type = type as SnapshotStorageType;
  if (redefine && childElement(el, 'snapshotDeleteInProgress')) disk.deleteInProgress = true;
  const source = childElement(el, 'source');
  if (source) parseSource(source, type as SnapshotStorageType, disk);
  const driverType = childElement(el, 'driver')?.attributes.get('type');
  if (driverType !== undefined) {
    if (!KNOWN_IMAGE_FORMATS.includes(driverType)) {
      throw VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.DomainSnapshot, `unknown disk snapshot driver '${driverType}'`);
    }
    disk.driverType = driverType;
  }
  const maxSize = metadataCacheMaxSize(el);
  if (maxSize !== undefined && maxSize > 0) disk.metadataCacheMaxSize = maxSize;
  if (disk.source !== undefined && isLocalSnapshotDisk(disk) && !disk.source.startsWith('/')) {
    throw xmlError(`disk snapshot image path '${disk.source}' must be absolute`);
  }
  if (disk.snapshot === undefined && (disk.source !== undefined || disk.driverType !== undefined)) disk.snapshot = 'external';
  return disk;
}

/** libvirt's virDomainStorageSourceParse for the storage types a snapshot disk may name. */
function parseSource(source: XmlElement, type: SnapshotStorageType, disk: SnapshotDiskDef): void {
  // Only file, block and network sources have a path (src->path); nvme and vhost ones name a device.
  let path: string | undefined;
  if (type === 'file') path = source.attributes.get('file');
  else if (type === 'block') path = source.attributes.get('dev');
  else if (type === 'network') path = parseNetworkSource(source);
  else if (type === 'nvme' && !source.attributes.has('type')) throw xmlError("missing 'type' attribute to disk source", ErrorDomain.Domain);
  for (const label of childElements(source, 'seclabel')) {
    const relabel = label.attributes.get('relabel');
    if (relabel !== undefined && relabel !== 'yes' && relabel !== 'no') throw invalidValue('relabel', 'seclabel', relabel);
  }
  if (path !== undefined && path !== '') disk.source = path;
  const local = type === 'file' || type === 'block';
  if (!local || childElements(source, 'seclabel').length > 0) disk.sourceElement = cloneElement(source);
}

/** libvirt's virDomainDiskSourceNetworkParse: the image name (`src->path`), after its checks. */
function parseNetworkSource(source: XmlElement): string | undefined {
  const protocol = source.attributes.get('protocol');
  if (protocol === undefined) throw xmlError("Missing required attribute 'protocol' in element 'source'", ErrorDomain.Xml);
  if (!NET_PROTOCOLS.includes(protocol)) throw invalidValue('protocol', 'source', protocol);
  let name = source.attributes.get('name');
  if (name === undefined && protocol !== 'nbd') throw xmlError('missing name for disk source', ErrorDomain.Domain);
  if (name !== undefined && (protocol === 'gluster' || protocol === 'rbd')) {
    const slash = name.indexOf('/');
    if (slash <= 0) throw xmlError(`can't split path '${name}' into pool name and image name`, ErrorDomain.Domain);
    name = name.slice(slash + 1);
  }
  for (const host of childElements(source, 'host')) {
    const given = host.attributes.get('transport');
    const transport = given ?? 'tcp';
    if (!HOST_TRANSPORTS.includes(transport)) {
      throw VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, `unknown protocol transport type '${transport}'`);
    }
    const socket = host.attributes.get('socket');
    if (transport === 'unix' && socket === undefined) throw xmlError('missing socket for unix transport', ErrorDomain.Domain);
    // libvirt prints the transport as given: '(null)' when it was left to its default.
    if (transport !== 'unix' && socket !== undefined) throw xmlError(`transport '${given ?? '(null)'}' does not support socket attribute`, ErrorDomain.Domain);
    if (transport !== 'unix' && !host.attributes.has('name')) throw xmlError('missing name for host', ErrorDomain.Domain);
  }
  return name;
}

/** Bytes per unit of libvirt's virScaleInteger (a bare number is bytes here: scale 1). */
function unitBytes(unit: string | undefined): bigint | undefined {
  const u = (unit ?? '').toLowerCase();
  if (u === '' || u === 'b' || u === 'byte' || u === 'bytes') return 1n;
  const power = ['k', 'm', 'g', 't', 'p', 'e'].indexOf(u[0] ?? '') + 1;
  if (power === 0) return undefined;
  const rest = u.slice(1);
  if (rest === '' || rest === 'ib') return 1024n ** BigInt(power);
  return rest === 'b' ? 1000n ** BigInt(power) : undefined;
}

/** `./driver/metadata_cache/max_size` as libvirt's virParseScaledValue reads it (optional, scale 1, up to ULLONG_MAX). */
function metadataCacheMaxSize(disk: XmlElement): number | undefined {
  const driver = childElement(disk, 'driver');
  const cache = driver && childElement(driver, 'metadata_cache');
  const maxSize = cache && childElement(cache, 'max_size');
  if (maxSize === undefined) return undefined;
  const value = textOf(maxSize).trim();
  const xpath = './driver/metadata_cache/max_size';
  if (!/^\d+$/.test(value)) throw xmlError(`Invalid value '${value}' for element or attribute '${xpath}'`, ErrorDomain.Xml);
  const unit = maxSize.attributes.get('unit');
  const factor = unitBytes(unit);
  if (factor === undefined) throw VirError.report(ErrorNumber.InvalidArg, ErrorDomain.None, `unknown suffix '${unit}'`);
  const bytes = BigInt(value) * factor;
  if (bytes > 2n ** 64n - 1n) throw VirError.report(ErrorNumber.Overflow, ErrorDomain.None, `value too large: ${value}${unit ?? ''}`);
  return Number(bytes);
}

/** Formats one `<disk>` the way libvirt's virDomainSnapshotDiskDefFormat does. */
export function formatSnapshotDisk(disk: SnapshotDiskDef): XmlElement {
  const hasStorage = disk.source !== undefined || disk.driverType !== undefined;
  const attributes: Record<string, string | undefined> = { name: disk.name, snapshot: disk.snapshot };
  if (hasStorage) attributes.type = disk.type ?? 'file';
  const children: XmlNode[] = disk.deleteInProgress ? [element('snapshotDeleteInProgress')] : [];
  if (hasStorage) {
    const driverChildren: XmlNode[] = [];
    if (disk.metadataCacheMaxSize !== undefined) {
      driverChildren.push(element('metadata_cache', {}, [element('max_size', { unit: 'bytes' }, [String(disk.metadataCacheMaxSize)])]));
    }
    if (disk.driverType !== undefined || driverChildren.length > 0) children.push(element('driver', { type: disk.driverType }, driverChildren));
    if (disk.source !== undefined) children.push(formatSource(disk));
  }
  return element('disk', attributes, children);
}

function formatSource(disk: SnapshotDiskDef): XmlElement {
  if (!isLocalSnapshotDisk(disk)) return disk.sourceElement ?? element('source');
  const labels = disk.sourceElement ? childElements(disk.sourceElement, 'seclabel') : [];
  return element('source', disk.type === 'block' ? { dev: disk.source } : { file: disk.source }, labels);
}
