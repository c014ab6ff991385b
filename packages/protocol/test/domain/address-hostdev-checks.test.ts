// Device addresses and host devices checked as libvirt 9.0's test driver checks them at define time (each error recorded with python3-libvirt on test:///default).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

const nic = (address: string) => `<interface type='user'>${address}</interface>`;
const usbById = "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product id='0x0010'/></source></hostdev>";
const pciHost = (a: string) => `<hostdev mode='subsystem' type='pci'><source><address ${a}/></source></hostdev>`;
const scsiHost = (adapter: string, unit: string, address = '') =>
  `<hostdev mode='subsystem' type='scsi'><source><adapter name='${adapter}'/><address bus='0' target='0' unit='${unit}'/></source>${address}</hostdev>`;
const mdev = (model: string, uuid: string, extra = '') =>
  `<hostdev mode='subsystem' type='mdev' model='${model}' ${extra}><source><address uuid='${uuid}'/></source></hostdev>`;
const drive = (unit: string) => `<address type='drive' controller='0' bus='0' target='0' unit='${unit}'/>`;
const disk = (dev: string, address = '', bus = '') => `<disk type='file'><source file='/tmp/${dev}.img'/><target dev='${dev}'${bus}/>${address}</disk>`;
const UUID1 = '90c6c135-ad44-41d0-b1b7-bae47de48627';

describe('device addresses (virDomainDeviceAddressParseXML)', () => {
  it.each([
    ['a PCI bus past 0xFF', nic("<address type='pci' bus='0x100' slot='1'/>"), [27, 0, "XML error: Invalid PCI address bus='0x100', must be <= 0xFF"]],
    [
      'a PCI slot past 0x1F',
      "<memballoon model='virtio'><address type='pci' slot='0x20'/></memballoon>",
      [27, 0, "XML error: Invalid PCI address slot='0x20', must be <= 0x1F"],
    ],
    ['a PCI function past 7', nic("<address type='pci' slot='1' function='8'/>"), [27, 0, 'XML error: Invalid PCI address function=0x8, must be <= 7']],
    [
      'a PCI slot that is not a number',
      nic("<address type='pci' slot='x'/>"),
      [27, 5, "XML error: Invalid value for attribute 'slot' in element 'address': 'x'. Expected non-negative integer value"],
    ],
    [
      'a negative PCI slot',
      nic("<address type='pci' slot='-1'/>"),
      [27, 5, "XML error: Invalid value for attribute 'slot' in element 'address': '-1'. Expected non-negative integer value"],
    ],
    [
      'a PCI domain past 32 bits',
      nic("<address type='pci' domain='0x1ffffffff' slot='1'/>"),
      [27, 5, "XML error: Invalid value for attribute 'domain' in element 'address': '0x1ffffffff'. Expected non-negative integer value"],
    ],
    [
      'multifunction neither on nor off',
      nic("<address type='pci' slot='1' multifunction='maybe'/>"),
      [27, 5, "XML error: Invalid value for attribute 'multifunction' in element 'address': 'maybe'."],
    ],
    [
      'a drive unit that is not a number',
      disk('sda', "<address type='drive' unit='x'/>"),
      [27, 5, "XML error: Invalid value for attribute 'unit' in element 'address': 'x'. Expected non-negative integer value"],
    ],
    [
      'a CCW address partly given',
      nic("<address type='ccw' cssid='0xfe' devno='0'/>"),
      [1, 49, 'internal error: Invalid partial specification for virtio ccw address'],
    ],
    [
      'a CCW cssid past 0xfe',
      nic("<address type='ccw' cssid='0xff' ssid='0' devno='1'/>"),
      [1, 49, "internal error: Invalid specification for virtio ccw address: cssid='0xff' ssid='0x0' devno='0x0001'"],
    ],
    ['an unknown address type', nic("<address type='foo'/>"), [67, 20, "unsupported configuration: unknown address type 'foo'"]],
    ['an address without a type', nic("<address bus='1'/>"), [1, 20, 'internal error: No type specified for device address']],
    ['a virtio-s390 address', nic("<address type='virtio-s390'/>"), [27, 20, "XML error: virtio-s390 bus doesn't have an address"]],
    [
      'a USB port path five hubs deep',
      "<input type='tablet' bus='usb'><address type='usb' bus='0' port='1.2.3.4.5'/></input>",
      [1, 49, "internal error: Cannot parse <address> 'port' attribute"],
    ],
    [
      'a negative controller index',
      "<controller type='usb' index='-1'/>",
      [27, 5, "XML error: Invalid value for attribute 'index' in element 'controller': '-1'. Expected non-negative value"],
    ],
    [
      'a controller index that is not a number',
      "<controller type='scsi' index='x'/>",
      [27, 5, "XML error: Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer value"],
    ],
  ])('refuses %s', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });

  it.each([
    ['an all-zero PCI address with a function', nic("<address type='pci' domain='0' bus='0' slot='0' function='3'/>")],
    ['a PCI domain past 16 bits', nic("<address type='pci' domain='0x10000' slot='1'/>")],
    ['a USB port path four hubs deep', "<input type='tablet' bus='usb'><address type='usb' bus='0' port='1.2.3.4'/></input>"],
    ['a complete CCW address', nic("<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>")],
  ])('accepts %s', (_name, devices) => {
    expect(defineError(domain(devices))).toBe('ok');
  });
});

describe('host devices', () => {
  const exists: [number, number, string] = [27, 20, 'XML error: Hostdev already exists in the domain configuration'];
  it.each([
    [
      'a USB device named twice by vendor and product, in two bases',
      usbById + "<hostdev mode='subsystem' type='usb'><source><vendor id='4660'/><product id='16'/></source></hostdev>",
      exists,
    ],
    [
      'a PCI device named twice, in two bases',
      pciHost("domain='0' bus='1' slot='2' function='0'") + pciHost("domain='0x0' bus='0x01' slot='0x02' function='0x0'"),
      exists,
    ],
    ['a SCSI device named twice', scsiHost('scsi_host0', '0') + scsiHost('scsi_host0', '0'), exists],
    ['a mediated device named twice, in two cases', mdev('vfio-pci', UUID1) + mdev('vfio-pci', UUID1.toUpperCase()), exists],
    ['a PCI source address past its range', pciHost("bus='1' slot='40'"), [27, 0, "XML error: Invalid PCI address slot='0x28', must be <= 0x1F"]],
    [
      'a mediated device without a source address',
      "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source/></hostdev>",
      [67, 20, 'unsupported configuration: Missing <address> element'],
    ],
    [
      'a mediated device source without a uuid',
      "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address bus='6' slot='1'/></source></hostdev>",
      [67, 20, "unsupported configuration: Missing 'uuid' attribute for element <address>"],
    ],
    [
      'a vfio-pci mediated device on a drive address',
      mdev('vfio-pci', UUID1).replace('</hostdev>', `${drive('1')}</hostdev>`),
      [27, 20, "XML error: Unsupported address type 'drive' with mediated device model 'vfio-pci'"],
    ],
    [
      'two vGPUs with ramfb',
      mdev('vfio-pci', UUID1, "display='on' ramfb='on'") + mdev('vfio-pci', UUID1.replace('27', '28'), "display='on' ramfb='on'"),
      [67, 20, "unsupported configuration: Only one vgpu device can have 'ramfb' enabled"],
    ],
    [
      'two SCSI host devices at one drive address',
      scsiHost('h', '1', drive('0')) + scsiHost('h', '2', drive('0')),
      [67, 20, "unsupported configuration: SCSI host address controller='0' bus='0' target='0' unit='0' in use by another SCSI host device"],
    ],
    [
      'a SCSI disk whose name takes a SCSI host device’s unit',
      disk('sda', '', " bus='scsi'") + scsiHost('h', '1', drive('0')),
      [67, 20, "unsupported configuration: using disk target name 'sda' conflicts with SCSI host device address controller='0' bus='0' target='0' unit='0"],
    ],
    [
      'a SCSI host device at a SCSI disk’s address',
      disk('sdb', drive('3'), " bus='scsi'") + scsiHost('h', '0', drive('3')),
      [27, 20, "XML error: SCSI host address controller='0' bus='0' target='0' unit='3' in use by a SCSI disk"],
    ],
    [
      'two disks of a bus at one drive address',
      disk('hda') + disk('hdb', drive('0'), " bus='ide'"),
      [67, 20, "unsupported configuration: Found duplicate drive address for disk with target name 'hda' controller='0' bus='0' target='0' unit='0'"],
    ],
  ])('refuses %s', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });

  it.each([
    [
      'two USB devices at different host addresses',
      "<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source></hostdev><hostdev mode='subsystem' type='usb'><source><address bus='1' device='3'/></source></hostdev>",
    ],
    ['one SCSI address on two adapters', scsiHost('scsi_host0', '0') + scsiHost('scsi_host1', '0')],
    ['disks of two buses at one drive address', disk('hda') + disk('sda')],
    [
      'a vfio-ccw mediated device on a CCW address',
      mdev('vfio-ccw', UUID1).replace('</hostdev>', "<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/></hostdev>"),
    ],
  ])('accepts %s', (_name, devices) => {
    expect(defineError(domain(devices))).toBe('ok');
  });

  const addressed = (devices: string) =>
    formattedDomain(domain(devices))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith("<controller type='scsi'") || l.startsWith("<address type='drive'"));

  it('gives a SCSI host device without an address the first free unit, within its controller model’s limits', () => {
    expect(addressed(`<controller type='scsi' index='0' model='lsisas1068'/>${scsiHost('h', '1')}${scsiHost('h', '2')}${scsiHost('h', '3')}`)).toEqual([
      "<controller type='scsi' index='0' model='lsisas1068'/>",
      "<controller type='scsi' index='1' model='lsisas1068'/>",
      drive('0'),
      drive('1'),
      "<address type='drive' controller='1' bus='0' target='0' unit='0'/>",
    ]);
    expect(
      addressed(
        `<controller type='scsi' index='0' model='lsilogic'/><disk type='file'><source file='/a'/><target dev='sda' bus='scsi'/></disk>${scsiHost('h', '1')}${scsiHost('h', '2', drive('2'))}${scsiHost('h', '3')}`,
      ),
    ).toEqual([drive('0'), "<controller type='scsi' index='0' model='lsilogic'/>", drive('1'), drive('2'), drive('3')]);
  });
});
