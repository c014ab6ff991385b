// libvirt's virXMLPropEnum for the model: an attribute whose value must be one of an enum's names, with libvirt's error words.
import { ErrorDomain } from '../../errors/error-domain.js';
import { ErrorNumber } from '../../errors/error-number.js';
import { VirError } from '../../errors/vir-error.js';
import type { XmlElement } from '../xml-tree.js';

/**
 * The value of `el`'s attribute `name`, which must be one of `allowed` (libvirt's virXMLPropEnum):
 * VIR_ERR_XML_ERROR in VIR_FROM_XML, "Invalid value for attribute 'bus' in element 'target': 'x'.",
 * or "Missing required attribute 'type' in element 'graphics'" when `required` and absent.
 */
export function enumAttribute(el: XmlElement, name: string, allowed: ReadonlySet<string>, required = false): string | undefined {
  const value = el.attributes.get(name);
  if (value === undefined) {
    if (required) throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Missing required attribute '${name}' in element '${el.name}'`);
    return undefined;
  }
  if (!allowed.has(value))
    throw VirError.report(ErrorNumber.XmlError, ErrorDomain.Xml, `Invalid value for attribute '${name}' in element '${el.name}': '${value}'.`);
  return value;
}

/** virDomainGraphicsType. */
export const GRAPHICS_TYPES: ReadonlySet<string> = new Set(['sdl', 'vnc', 'rdp', 'desktop', 'spice', 'egl-headless', 'dbus']);
/** virStorageType without `none`. */
export const DISK_TYPES: ReadonlySet<string> = new Set(['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser']);
/** virStorageFileFormat without `none`. */
export const STORAGE_FORMATS: ReadonlySet<string> = new Set([
  'raw',
  'dir',
  'bochs',
  'cloop',
  'dmg',
  'iso',
  'vpc',
  'vdi',
  'fat',
  'vhd',
  'ploop',
  'cow',
  'qcow',
  'qcow2',
  'qed',
  'vmdk',
]);
/** virDomainDiskDevice. */
export const DISK_DEVICES: ReadonlySet<string> = new Set(['disk', 'cdrom', 'floppy', 'lun']);
/** virDomainDiskBus without `none`. */
export const DISK_BUSES: ReadonlySet<string> = new Set(['ide', 'fdc', 'scsi', 'virtio', 'xen', 'usb', 'uml', 'sata', 'sd']);
/** virDomainControllerType. */
export const CONTROLLER_TYPES: ReadonlySet<string> = new Set(['ide', 'fdc', 'scsi', 'sata', 'virtio-serial', 'ccid', 'usb', 'pci', 'xenbus', 'isa']);
/** virDomainNetType. */
export const INTERFACE_TYPES: ReadonlySet<string> = new Set([
  'user',
  'ethernet',
  'vhostuser',
  'server',
  'client',
  'mcast',
  'network',
  'bridge',
  'internal',
  'direct',
  'hostdev',
  'udp',
  'vdpa',
  'null',
  'vds',
]);
/** virDomainChrType (a character device's `type`). */
export const CHAR_DEVICE_TYPES: ReadonlySet<string> = new Set([
  'null',
  'vc',
  'pty',
  'dev',
  'file',
  'pipe',
  'stdio',
  'udp',
  'tcp',
  'unix',
  'spicevmc',
  'spiceport',
  'nmdm',
  'qemu-vdagent',
  'dbus',
]);
/** virDomainVideoType, as a `<model type>` may name it. */
export const VIDEO_TYPES: ReadonlySet<string> = new Set([
  'default',
  'vga',
  'cirrus',
  'vmvga',
  'xen',
  'vbox',
  'qxl',
  'parallels',
  'virtio',
  'gop',
  'none',
  'bochs',
  'ramfb',
]);
