// A device `<address>` checked as libvirt's virDomainDeviceAddressParseXML reads it: its type, each type's numbers, PCI and CCW ranges.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import { childElements, type XmlElement } from '../xml-tree.js';
import { propULongLong, propUInt } from './xml-prop.js';
import { enumAttribute } from './xml-enum.js';

/** virDomainDeviceAddressType's names, `none` aside (libvirt refuses it as unknown). */
const ADDRESS_TYPES: ReadonlySet<string> = new Set([
  'pci',
  'drive',
  'virtio-serial',
  'ccid',
  'usb',
  'spapr-vio',
  'virtio-s390',
  'ccw',
  'virtio-mmio',
  'isa',
  'dimm',
  'unassigned',
]);

/** virTristateSwitch, as `multifunction` takes it. */
const ON_OFF: ReadonlySet<string> = new Set(['on', 'off']);

/** VIR_DOMAIN_DEVICE_USB_MAX_PORT_DEPTH: how many hubs a USB port path may cross. */
const USB_MAX_PORT_DEPTH = 4;

const hex = (n: number) => `0x${n.toString(16)}`;
const hexWide = (n: number, width: number) => `0x${n.toString(16).padStart(width, '0')}`;

/**
 * virPCIDeviceAddressParseXML: domain, bus, slot and function (any C base), `multifunction`, and
 * virPCIDeviceAddressIsValid's ranges unless the address is empty (VIR_FROM_NONE, as libvirt reports them).
 */
export function checkPciAddress(address: XmlElement): void {
  const domain = propUInt(address, 'domain', 0) ?? 0;
  const bus = propUInt(address, 'bus', 0) ?? 0;
  const slot = propUInt(address, 'slot', 0) ?? 0;
  const fn = propUInt(address, 'function', 0) ?? 0;
  enumAttribute(address, 'multifunction', ON_OFF);
  if (domain === 0 && bus === 0 && slot === 0) return;
  const range = (message: string) => VirError.report(ErrorNumber.XmlError, ErrorDomain.None, message);
  if (bus > 0xff) throw range(`Invalid PCI address bus='${hex(bus)}', must be <= 0xFF`);
  if (slot > 0x1f) throw range(`Invalid PCI address slot='${hex(slot)}', must be <= 0x1F`);
  if (fn > 7) throw range(`Invalid PCI address function=${hex(fn)}, must be <= 7`);
}

/** virDomainDeviceUSBAddressParsePort: up to four dot-separated port numbers. */
function checkUsbPort(port: string): void {
  const parts = port.split('.');
  const ok = parts.length <= USB_MAX_PORT_DEPTH && parts.every((p, i) => /^[ \t\n\v\f\r]*\+?\d+$/.test(p) && (i === 0 || !/^\s/.test(p)));
  if (!ok || parts.some((p) => Number(p) > 0xffffffff)) {
    throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Device, "Cannot parse <address> 'port' attribute");
  }
}

/** virCCWDeviceAddressParseXML: each number in range, and all three attributes or none (VIR_FROM_DEVICE). */
function checkCcwAddress(address: XmlElement): void {
  const cssid = propUInt(address, 'cssid', 0) ?? 0;
  const ssid = propUInt(address, 'ssid', 0) ?? 0;
  const devno = propUInt(address, 'devno', 0) ?? 0;
  const internal = (message: string) => VirError.report(ErrorNumber.InternalError, ErrorDomain.Device, message);
  if (cssid > 254 || ssid > 3 || devno > 65535) {
    throw internal(`Invalid specification for virtio ccw address: cssid='${hex(cssid)}' ssid='${hex(ssid)}' devno='${hexWide(devno, 4)}'`);
  }
  // libvirt counts the attributes given, not their values.
  const given = ['cssid', 'ssid', 'devno'].filter((n) => address.attributes.has(n)).length;
  if (given > 0 && given < 3) throw internal('Invalid partial specification for virtio ccw address');
}

/**
 * virDomainDeviceAddressParseXML on a device's `<address>`: a type is required and must be known;
 * each type's attributes are numbers in libvirt's base and range.
 */
export function checkDeviceAddress(address: XmlElement): void {
  const type = address.attributes.get('type');
  if (type === undefined) throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Domain, 'No type specified for device address');
  if (!ADDRESS_TYPES.has(type)) throw VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, `unknown address type '${type}'`);
  switch (type) {
    case 'pci':
      checkPciAddress(address);
      break;
    case 'drive':
      for (const name of ['controller', 'bus', 'target', 'unit']) propUInt(address, name, 10);
      break;
    case 'virtio-serial':
      for (const name of ['controller', 'bus', 'port']) propUInt(address, name, 10);
      break;
    case 'ccid':
      for (const name of ['controller', 'slot']) propUInt(address, name, 10);
      break;
    case 'usb': {
      const port = address.attributes.get('port');
      if (port !== undefined) checkUsbPort(port);
      propUInt(address, 'bus', 10);
      break;
    }
    case 'spapr-vio':
      propULongLong(address, 'reg', 16);
      break;
    case 'ccw':
      checkCcwAddress(address);
      break;
    case 'isa':
      propUInt(address, 'iobase', 16);
      propUInt(address, 'irq', 16);
      break;
    case 'virtio-s390':
      throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Domain, "virtio-s390 bus doesn't have an address");
    case 'dimm':
      propUInt(address, 'slot', 10, true);
      propULongLong(address, 'base', 16);
      break;
    default:
      break;
  }
}

/** The device's own `<address>` (the first one, as libvirt reads it), checked. */
export function checkDeviceAddressOf(device: XmlElement): void {
  const address = childElements(device, 'address')[0];
  if (address) checkDeviceAddress(address);
}
