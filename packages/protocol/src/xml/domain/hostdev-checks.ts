// Host device checks libvirt makes: source addresses (parse), SCSI drive addresses given and checked and mediated-device addresses (post-parse), duplicates and drive-address conflicts (validate).
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElement, childElements, element, type XmlElement } from '../xml-tree.js';
import { checkPciAddress } from './address-checks.js';
import type { DiskSpec, DomainSpec } from './domain-spec.js';
import { cStrToInteger } from './xml-prop.js';

const xmlError = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, message);
const unsupported = (message: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, message);

const isSubsystem = (el: XmlElement) => (el.attributes.get('mode') ?? 'subsystem') === 'subsystem';
const sourceOf = (el: XmlElement) => childElement(el, 'source');

/** A number as libvirt compares it (any C base), or the text itself when it is not one. */
function num(value: string | undefined): string {
  if (value === undefined) return '0';
  const n = cStrToInteger(value, 0);
  return n && !n.negative ? n.value.toString() : value;
}

/**
 * virDomainHostdevDefParseXMLSubsys's address checks: a PCI host device's source address
 * (virPCIDeviceAddressParseXML), a mediated device's source `<address uuid>`.
 */
export function checkHostdevSource(el: XmlElement): void {
  if (!isSubsystem(el)) return;
  const type = el.attributes.get('type');
  const address = sourceOf(el) && childElement(sourceOf(el)!, 'address');
  if (type === 'pci' && address) checkPciAddress(address);
  if (type === 'mdev') {
    if (!address) throw unsupported('Missing <address> element');
    if (!address.attributes.has('uuid')) throw unsupported("Missing 'uuid' attribute for element <address>");
  }
}

/** The key two host devices share when libvirt's virDomainHostdevMatch finds them equal, or undefined when none. */
function matchKey(el: XmlElement): string | undefined {
  const source = sourceOf(el);
  const type = el.attributes.get('type') ?? '';
  const a = (child: string | undefined, attribute: string) => (source && child ? childElement(source, child)?.attributes.get(attribute) : undefined);
  if (!isSubsystem(el)) {
    const text = (name: string) =>
      source
        ? childElement(source, name)
            ?.children.filter((c) => typeof c === 'string')
            .join('')
        : undefined;
    const value = type === 'storage' ? text('block') : type === 'misc' ? text('char') : type === 'net' ? text('interface') : undefined;
    return value === undefined ? undefined : `caps/${type}/${value}`;
  }
  switch (type) {
    case 'pci': {
      const address = source && childElement(source, 'address');
      const parts = ['domain', 'bus', 'slot', 'function'].map((k) => num(address?.attributes.get(k)));
      return `pci/${parts.join('/')}`;
    }
    case 'usb': {
      const bus = num(a('address', 'bus'));
      const device = num(a('address', 'device'));
      if (bus !== '0' && device !== '0') return `usb/address/${bus}/${device}`;
      return `usb/id/${num(a('vendor', 'id'))}/${num(a('product', 'id'))}`;
    }
    case 'scsi': {
      const protocol = source?.attributes.get('protocol') ?? 'adapter';
      if (protocol === 'iscsi') {
        const host = source && childElement(source, 'host');
        return `scsi/iscsi/${host?.attributes.get('name') ?? ''}/${host?.attributes.get('port') ?? ''}/${source?.attributes.get('name') ?? ''}`;
      }
      const address = source && childElement(source, 'address');
      const parts = ['bus', 'target', 'unit'].map((k) => num(address?.attributes.get(k)));
      return `scsi/adapter/${a('adapter', 'name') ?? ''}/${parts.join('/')}`;
    }
    case 'scsi_host':
      return `scsi_host/${source?.attributes.get('protocol') ?? ''}/${source?.attributes.get('wwpn') ?? ''}`;
    case 'mdev':
      return `mdev/${(a('address', 'uuid') ?? '').toLowerCase()}`;
    default:
      return undefined;
  }
}

const hostdevs = (spec: DomainSpec) => spec.devices.flatMap((d) => (d.kind === 'other' && d.element.name === 'hostdev' ? [d.element] : []));

/** A device's own `<address type='drive'>` as [controller, bus, target, unit], or undefined. */
function driveAddress(el: XmlElement): number[] | undefined {
  const address = childElements(el, 'address')[0];
  if (address?.attributes.get('type') !== 'drive') return undefined;
  return ['controller', 'bus', 'target', 'unit'].map((k) => Number(address.attributes.get(k) ?? 0));
}

const diskDrive = (d: DiskSpec) =>
  d.address?.type === 'drive' ? ['controller', 'bus', 'target', 'unit'].map((k) => Number(d.address!.attributes.get(k) ?? 0)) : undefined;
const isScsiHostdev = (el: XmlElement) => isSubsystem(el) && el.attributes.get('type') === 'scsi';
const same = (x: number[], y: number[]) => x.every((v, i) => v === y[i]);

/**
 * virDomainDiskDefAssignAddress's check for a SCSI disk given its address by its name: the unit it
 * takes may not be a SCSI host device's (controller, unit; bus and target 0).
 */
export function checkScsiDiskAgainstHostdevs(spec: DomainSpec, disk: DiskSpec, controller: number, unit: number): void {
  for (const el of hostdevs(spec)) {
    const address = isScsiHostdev(el) ? driveAddress(el) : undefined;
    if (address && same(address, [controller, 0, 0, unit])) {
      throw unsupported(
        `using disk target name '${disk.target.dev}' conflicts with SCSI host device address controller='${controller}' bus='0' target='0' unit='${unit}`,
      );
    }
  }
}

/** SCSI_NARROW_BUS_MAX_CONT_UNIT: the units of a SCSI controller libvirt's test driver addresses. */
const SCSI_UNITS = 7;
/** virDomainSCSIDriveAddressIsUsed's limits by controller model: the highest unit, and a unit the controller keeps. */
const SCSI_MODEL_LIMITS: Readonly<Record<string, { max?: number; reserved?: number }>> = {
  'virtio-scsi': { max: 16383 },
  'virtio-transitional': { max: 16383 },
  'virtio-non-transitional': { max: 16383 },
  ibmvscsi: { max: 31, reserved: 7 },
  lsisas1068: { max: 1 },
  lsisas1078: { max: 255 },
  lsilogic: { reserved: 7 },
  vmpvscsi: { reserved: 7 },
  buslogic: { reserved: 7 },
  ncr53c90: { max: 6 },
  dc390: { max: 6 },
  am53c974: { max: 6 },
};

/**
 * virDomainHostdevAssignAddress: a SCSI host device without an address takes the first unit (bus
 * and target 0) of the first controller with one free: within the controller model's limits, and
 * used by no SCSI disk or SCSI host device.
 */
function withScsiAddress(spec: DomainSpec, el: XmlElement, scsiDisks: readonly DiskSpec[]): XmlElement {
  const used = (controller: number, unit: number) => {
    const model = spec.devices.find((c) => c.kind === 'controller' && c.type === 'scsi' && c.index === controller);
    const limits = (model?.kind === 'controller' && model.model !== undefined && SCSI_MODEL_LIMITS[model.model]) || {};
    if ((limits.max !== undefined && unit > limits.max) || unit === limits.reserved) return true;
    const address = [controller, 0, 0, unit];
    return (
      scsiDisks.some((d) => diskDrive(d) && same(diskDrive(d)!, address)) ||
      hostdevs(spec).some((h) => isScsiHostdev(h) && driveAddress(h) && same(driveAddress(h)!, address))
    );
  };
  for (let controller = 0; ; controller++) {
    for (let unit = 0; unit < SCSI_UNITS; unit++) {
      if (used(controller, unit)) continue;
      const address = element('address', { type: 'drive', controller: String(controller), bus: '0', target: '0', unit: String(unit) });
      return { ...el, children: [...el.children, address] };
    }
  }
}

/** virDomainHostdevDefPostParse: a SCSI host device without an address gets one, and its address is not a SCSI disk's; a mediated device's address type fits its model. */
export function postParseHostdevs(spec: DomainSpec): void {
  const scsiDisks = spec.devices.filter((d): d is DiskSpec => d.kind === 'disk' && d.target.bus === 'scsi');
  for (const device of spec.devices) {
    if (device.kind !== 'other' || device.element.name !== 'hostdev') continue;
    const el = device.element;
    if (!isSubsystem(el)) continue;
    const type = el.attributes.get('type');
    if (type === 'scsi') {
      if (childElements(el, 'address').length === 0) device.element = withScsiAddress(spec, el, scsiDisks);
      const address = driveAddress(device.element);
      if (address && scsiDisks.some((d) => diskDrive(d) && same(diskDrive(d)!, address))) {
        const [controller, bus, target, unit] = address;
        throw xmlError(`SCSI host address controller='${controller}' bus='${bus}' target='${target}' unit='${unit}' in use by a SCSI disk`);
      }
    }
    if (type === 'mdev') {
      const model = el.attributes.get('model');
      const addressType = childElements(el, 'address')[0]?.attributes.get('type');
      if (addressType === undefined) continue;
      if ((model === 'vfio-pci' && addressType !== 'pci') || (model === 'vfio-ccw' && addressType !== 'ccw')) {
        throw xmlError(`Unsupported address type '${addressType}' with mediated device model '${model}'`);
      }
    }
  }
}

/** virDomainDefHostdevValidate: no host device twice, and at most one vGPU with ramfb. */
export function validateHostdevs(spec: DomainSpec): void {
  const seen = new Set<string>();
  let ramfb = false;
  for (const el of hostdevs(spec)) {
    const key = matchKey(el);
    if (key !== undefined && seen.has(key)) throw xmlError('Hostdev already exists in the domain configuration');
    if (key !== undefined) seen.add(key);
    if (isSubsystem(el) && el.attributes.get('type') === 'mdev' && el.attributes.get('ramfb') === 'on') {
      if (ramfb) throw unsupported("Only one vgpu device can have 'ramfb' enabled");
      ramfb = true;
    }
  }
}

/** virDomainDefDuplicateDriveAddressesValidate: no two disks of a bus, nor two SCSI host devices, nor a host device and a SCSI disk, at one drive address. */
export function validateDriveAddresses(spec: DomainSpec): void {
  const disks = spec.devices.filter((d): d is DiskSpec => d.kind === 'disk');
  disks.forEach((disk, i) => {
    const address = diskDrive(disk);
    if (!address) return;
    for (const other of disks.slice(i + 1)) {
      const theirs = diskDrive(other);
      if (other.target.bus === disk.target.bus && theirs && same(address, theirs)) {
        const [controller, bus, target, unit] = address;
        throw unsupported(
          `Found duplicate drive address for disk with target name '${disk.target.dev}' controller='${controller}' bus='${bus}' target='${target}' unit='${unit}'`,
        );
      }
    }
  });
  const scsi = hostdevs(spec).filter(isScsiHostdev);
  scsi.forEach((el, i) => {
    const address = driveAddress(el);
    if (!address) return;
    // libvirt's message names the bus as the controller and the controller as the bus.
    const [controller, bus, target, unit] = address;
    const where = `controller='${bus}' bus='${controller}' target='${target}' unit='${unit}'`;
    for (const other of scsi.slice(i + 1)) {
      const theirs = driveAddress(other);
      if (theirs && same(address, theirs)) throw unsupported(`SCSI host address ${where} in use by another SCSI host device`);
    }
    if (disks.some((d) => d.target.bus === 'scsi' && diskDrive(d) && same(diskDrive(d)!, address))) {
      throw unsupported(`SCSI host address ${where} in use by another SCSI disk`);
    }
  });
}
