// A disk checked as libvirt 9.0's virDomainDiskDefValidate checks it (with its source chain's checks), in libvirt's order and words.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, textOf, type XmlElement } from '../xml-tree.js';
import type { DiskSpec, DomainSpec } from './domain-spec.js';
import { enumAttribute } from './xml-enum.js';

const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);
const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);
const internal = (message: string) => VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, message);

/** virSecretUsageType's names. */
const SECRET_USAGES: ReadonlySet<string> = new Set(['none', 'volume', 'ceph', 'iscsi', 'tls', 'vtpm']);
/** Network protocols libvirt refuses authentication for. */
const NO_AUTH_PROTOCOLS: ReadonlySet<string> = new Set(['nbd', 'sheepdog', 'gluster', 'tftp', 'vxhs', 'nfs']);
/** virDomainCheckVirtioOptionsAreAbsent: driver options only virtio devices take, with libvirt's message for each. */
const VIRTIO_OPTIONS: ReadonlyArray<[string, string]> = [
  ['iommu', 'iommu driver option is only supported for virtio devices'],
  ['ats', 'ats driver option is only supported for virtio devices'],
  ['packed', 'packed driver option is only supported for virtio devices'],
  ['page_per_vq', 'page_per_vq option is only supported for virtio devices'],
];
const VENDOR_LEN = 8;
const PRODUCT_LEN = 16;

/** One image of a disk's chain: its type, source element (attributes and children) and format. */
interface Image {
  type: string;
  source: ReadonlyMap<string, string>;
  children: readonly XmlElement[];
  format: string | undefined;
}

/** The images of a disk: its own source (with a disk-level `<auth>`/`<encryption>`), then its `<backingStore>` chain. */
function images(disk: DiskSpec): Image[] {
  const own: XmlElement[] = [...disk.sourceChildren, ...disk.extra.filter((e) => e.name === 'auth' || e.name === 'encryption')];
  const chain: Image[] = [{ type: disk.type, source: disk.source ?? new Map(), children: own, format: disk.driver?.get('type') }];
  for (let store = disk.backingStore; store; store = childElement(store, 'backingStore')) {
    const source = childElement(store, 'source');
    if (!source) break;
    chain.push({
      type: store.attributes.get('type') ?? 'file',
      source: source.attributes,
      children: childElements(source),
      format: childElement(store, 'format')?.attributes.get('type'),
    });
  }
  return chain;
}

/** virDomainDiskDefValidateSourceChainOne. */
function validateImage(image: Image): void {
  const protocol = image.source.get('protocol') ?? '';
  const auth = image.children.find((c) => c.name === 'auth');
  if (image.type === 'network' && auth) {
    if (NO_AUTH_PROTOCOLS.has(protocol)) throw unsupported(`authentication is not supported for protocol '${protocol}'`);
    const secretType = childElement(auth, 'secret')?.attributes.get('type');
    if (secretType === undefined || !SECRET_USAGES.has(secretType)) throw unsupported(`unknown secret type '${secretType ?? '<null>'}'`);
    if ((protocol === 'iscsi' && secretType !== 'iscsi') || (protocol === 'rbd' && secretType !== 'ceph')) {
      throw unsupported(`invalid secret type '${secretType}'`);
    }
  }
  const encryption = image.children.find((c) => c.name === 'encryption');
  if (encryption?.attributes.get('format') === 'luks' && childElement(encryption, 'cipher')?.attributes.has('name')) {
    throw unsupported('supplying <cipher> for domain disk definition is unnecessary');
  }
}

/** virDomainDiskDefSourceLUNValidate. */
function validateLun(disk: DiskSpec): void {
  const protocol = disk.source?.get('protocol');
  if (disk.type === 'network') {
    if (protocol !== 'iscsi') throw unsupported(`disk device='lun' is not supported for protocol='${protocol ?? 'none'}'`);
  } else if (disk.type !== 'block' && disk.type !== 'volume') {
    throw unsupported("disk device='lun' is only valid for block type disk source");
  }
  const format = disk.driver?.get('type');
  if (format !== undefined && format !== 'raw' && format !== 'none') throw unsupported("disk device 'lun' must use 'raw' format");
  if (disk.sourceChildren.some((c) => c.name === 'slices')) throw unsupported("disk device 'lun' doesn't support storage slice");
  const encryption = [...disk.sourceChildren, ...disk.extra].find((c) => c.name === 'encryption');
  if (encryption && (encryption.attributes.get('format') ?? 'default') !== 'default') throw unsupported("disk device 'lun' doesn't support encryption");
}

/** Whether `<iotune>` sets both a total and a read or write limit of one kind. */
function iotuneConflict(disk: DiskSpec): string | undefined {
  const iotune = disk.extra.find((e) => e.name === 'iotune');
  if (!iotune) return undefined;
  const set = (name: string) => {
    const el = childElement(iotune, name);
    return el !== undefined && Number(textOf(el).trim()) !== 0;
  };
  for (const kind of ['bytes_sec', 'iops_sec', 'bytes_sec_max', 'iops_sec_max']) {
    if (set(`total_${kind}`) && (set(`read_${kind}`) || set(`write_${kind}`))) return kind;
  }
  return undefined;
}

/** virStorageSourceIsEmpty for a disk's own image. */
function isEmpty(disk: DiskSpec): boolean {
  if (disk.type === 'network') return (disk.source?.get('protocol') ?? 'none') === 'none';
  const path = disk.type === 'file' ? 'file' : disk.type === 'block' ? 'dev' : disk.type === 'dir' ? 'dir' : undefined;
  return path !== undefined && disk.source?.get(path) === undefined;
}

const printable = (s: string) => /^[\x20-\x7e]*$/.test(s);

/** virDomainDiskDefValidate, for every disk (with the address-bus check libvirt makes in it). */
export function validateDisk(disk: DiskSpec): void {
  for (const image of images(disk)) validateImage(image);
  const attributes = disk.attributes ?? new Map<string, string>();
  if (attributes.get('sgio') === 'unfiltered') throw unsupported('unfiltered sgio is no longer supported');
  if (disk.device === 'lun') {
    validateLun(disk);
  } else {
    if (disk.sourceChildren.some((c) => c.name === 'reservations')) throw unsupported('<reservations/> allowed only for lun devices');
    if (attributes.has('rawio')) throw unsupported("rawio can be used only with device='lun'");
    if (attributes.has('sgio')) throw unsupported("sgio can be used only with device='lun'");
  }
  const conflict = iotuneConflict(disk);
  if (conflict !== undefined) throw xmlError(`total and read/write ${conflict} cannot be set at the same time`);
  if (disk.address && disk.address.type !== 'drive' && ['ide', 'fdc', 'scsi', 'sata'].includes(disk.target.bus)) {
    throw unsupported(`Invalid address type '${disk.address.type}' for the disk '${disk.target.dev}' with the bus type '${disk.target.bus}'`);
  }
  if (disk.target.bus !== 'virtio') {
    const model = attributes.get('model');
    if (model === 'virtio' || model === 'virtio-transitional' || model === 'virtio-non-transitional') {
      throw unsupported(`disk model '${model}' not supported for bus '${disk.target.bus}'`);
    }
    const driver = disk.driver ?? new Map<string, string>();
    if (Number(driver.get('queues') ?? 0) !== 0) throw unsupported('queues attribute in disk driver element is only supported by virtio-blk');
    if (driver.has('event_idx')) throw unsupported('disk event_idx mode supported only for virtio bus');
    if (driver.has('ioeventfd')) throw unsupported('disk ioeventfd mode supported only for virtio bus');
    for (const [attribute, message] of VIRTIO_OPTIONS) if (driver.has(attribute)) throw unsupported(message);
  }
  if (disk.type === 'nvme') {
    const namespace = disk.source?.get('namespace');
    if (namespace !== undefined && Number(namespace) === 0) throw unsupported("NVMe namespace can't be zero");
  }
  if (disk.target.attributes.has('tray') && disk.device !== 'floppy' && disk.device !== 'cdrom') throw unsupported('tray is only valid for cdrom and floppy');
  for (const [name, limit] of [
    ['vendor', VENDOR_LEN],
    ['product', PRODUCT_LEN],
  ] as const) {
    const el = disk.extra.find((e) => e.name === name);
    if (!el) continue;
    const value = textOf(el);
    if (!printable(value)) throw xmlError(`disk ${name} is not printable string`);
    if (value.length > limit) throw unsupported(`disk ${name} is more than ${limit} characters`);
  }
  if (disk.device === 'floppy' && disk.target.bus !== 'fdc') throw internal(`Invalid bus type '${disk.target.bus}' for floppy disk`);
  if (disk.device !== 'floppy' && disk.target.bus === 'fdc') throw internal(`Invalid bus type '${disk.target.bus}' for disk`);
  if (disk.target.attributes.has('removable') && disk.target.bus !== 'usb') throw xmlError('removable is only valid for usb disks');
  validateStartupPolicy(disk);
  const dev = disk.target.dev;
  if ((disk.device === 'disk' || disk.device === 'lun') && !['hd', 'sd', 'vd', 'xvd', 'ubd'].some((p) => dev.startsWith(p))) {
    throw internal(`Invalid harddisk device name: ${dev}`);
  }
  if (disk.device === 'floppy' && !dev.startsWith('fd')) throw internal(`Invalid floppy device name: ${dev}`);
  if (isEmpty(disk) && disk.device === 'disk') {
    throw new VirError({
      code: ErrorNumber.NoSource,
      domain: ErrorDomain.Domain,
      message: `missing source information for device ${dev}`,
      str1: 'missing source information for device %s',
      str2: dev,
    });
  }
}

/** virDomainDiskDefValidateStartupPolicy. */
function validateStartupPolicy(disk: DiskSpec): void {
  const policy = disk.source?.get('startupPolicy');
  if (policy === undefined || policy === 'default') return;
  if (disk.type !== 'volume' && disk.type !== 'file' && disk.type !== 'block' && disk.type !== 'dir') {
    throw xmlError(`disk startupPolicy '${policy}' is not allowed for disk of '${disk.type}' type`);
  }
  if (disk.device !== 'cdrom' && disk.device !== 'floppy' && policy === 'requisite') {
    throw xmlError("disk startupPolicy 'requisite' is allowed only for cdrom or floppy");
  }
}

/** virStorageNetProtocol's names, as a network source's `protocol` takes them. */
const NET_PROTOCOLS: ReadonlySet<string> = new Set([
  'none',
  'nbd',
  'rbd',
  'sheepdog',
  'gluster',
  'iscsi',
  'http',
  'https',
  'ftp',
  'ftps',
  'tftp',
  'ssh',
  'vxhs',
  'nfs',
]);

/** virDomainDiskSourceNetworkParse: a network source names its protocol, and its image unless NBD. */
export function checkNetworkSource(source: XmlElement): void {
  const protocol = enumAttribute(source, 'protocol', NET_PROTOCOLS, true);
  if (!source.attributes.has('name') && protocol !== 'nbd') throw xmlError('missing name for disk source');
}

/** virDomainDiskDefParseXML: a disk-level `<auth>` or `<encryption>` beside its source's own is ambiguous. */
export function checkDiskAuthPlacement(disk: XmlElement): void {
  const source = childElement(disk, 'source');
  if (!source) return;
  if (childElement(disk, 'auth') && childElement(source, 'auth')) throw unsupported('an <auth> definition already found for disk source');
  if (childElement(disk, 'encryption') && childElement(source, 'encryption')) throw unsupported('an <encryption> definition already found for disk source');
}

/** virDomainDeviceDefPostParseCheckFeatures: a driver without VIR_DOMAIN_DEF_FEATURE_DISK_FD refuses a source's `fdgroup`. */
export function checkDiskFdPassing(spec: DomainSpec): void {
  for (const d of spec.devices) {
    if (d.kind === 'disk' && d.source?.has('fdgroup')) throw unsupported(`driver does not support FD passing for disk '${d.target.dev}'`);
  }
}

/** virDomainDefDuplicateDiskInfoValidate: libvirt refuses two disks with the same target, naming both sources. */
export function checkDiskTargets(spec: DomainSpec): void {
  const seen = new Map<string, string>();
  for (const device of spec.devices) {
    if (device.kind !== 'disk') continue;
    const source = device.source?.get('file') ?? device.source?.get('dev') ?? device.source?.get('name') ?? '';
    const earlier = seen.get(device.target.dev);
    if (earlier !== undefined) throw xmlError(`target '${device.target.dev}' duplicated for disk sources '${earlier}' and '${source}'`);
    seen.set(device.target.dev, source);
  }
}
