// Disks checked as libvirt 9.0's test driver checks them at define time (virDomainDiskDefValidate and the disk parser; errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

const F = "<source file='/tmp/a.img'/>";
const LUKS = "<secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>";
const rbd = (auth: string) => `<disk type='network'><source protocol='rbd' name='p/i'><host name='h'/>${auth}</source><target dev='vda'/></disk>`;

describe('disks', () => {
  it.each([
    ['a disk without a source', "<disk type='file' device='disk'><target dev='vda'/></disk>", [19, 20, 'missing source information for device vda']],
    [
      'a block disk with an empty source',
      "<disk type='block' device='disk'><source/><target dev='vda'/></disk>",
      [19, 20, 'missing source information for device vda'],
    ],
    [
      'a network source without a protocol',
      "<disk type='network'><source name='x'/><target dev='vda'/></disk>",
      [27, 5, "XML error: Missing required attribute 'protocol' in element 'source'"],
    ],
    [
      'a network source without a name',
      "<disk type='network'><source protocol='rbd'><host name='h'/></source><target dev='vda'/></disk>",
      [27, 20, 'XML error: missing name for disk source'],
    ],
    [
      'a LUN on a file',
      `<disk type='file' device='lun'>${F}<target dev='sda'/></disk>`,
      [67, 20, "unsupported configuration: disk device='lun' is only valid for block type disk source"],
    ],
    [
      'a LUN in qcow2',
      "<disk type='block' device='lun'><driver name='qemu' type='qcow2'/><source dev='/dev/sdz'/><target dev='sda'/></disk>",
      [67, 20, "unsupported configuration: disk device 'lun' must use 'raw' format"],
    ],
    [
      'a LUN over NBD',
      "<disk type='network' device='lun'><source protocol='nbd' name='x'><host name='h'/></source><target dev='sda'/></disk>",
      [67, 20, "unsupported configuration: disk device='lun' is not supported for protocol='nbd'"],
    ],
    [
      'rawio on a plain disk',
      `<disk type='file' device='disk' rawio='yes'>${F}<target dev='sda'/></disk>`,
      [67, 20, "unsupported configuration: rawio can be used only with device='lun'"],
    ],
    [
      'unfiltered sgio',
      "<disk type='block' device='lun' sgio='unfiltered'><source dev='/dev/sdz'/><target dev='sda'/></disk>",
      [67, 20, 'unsupported configuration: unfiltered sgio is no longer supported'],
    ],
    [
      'a total and a read byte limit',
      `<disk type='file'>${F}<target dev='vda'/><iotune><total_bytes_sec>10</total_bytes_sec><read_bytes_sec>5</read_bytes_sec></iotune></disk>`,
      [27, 20, 'XML error: total and read/write bytes_sec cannot be set at the same time'],
    ],
    [
      'a total and a write iops maximum',
      `<disk type='file'>${F}<target dev='vda'/><iotune><total_iops_sec_max>10</total_iops_sec_max><write_iops_sec_max>5</write_iops_sec_max></iotune></disk>`,
      [27, 20, 'XML error: total and read/write iops_sec_max cannot be set at the same time'],
    ],
    [
      'a virtio model on SCSI',
      `<disk type='file' model='virtio'>${F}<target dev='sda' bus='scsi'/></disk>`,
      [67, 20, "unsupported configuration: disk model 'virtio' not supported for bus 'scsi'"],
    ],
    [
      'queues off virtio',
      `<disk type='file'><driver name='qemu' queues='2'/>${F}<target dev='sda'/></disk>`,
      [67, 20, 'unsupported configuration: queues attribute in disk driver element is only supported by virtio-blk'],
    ],
    [
      'event_idx off virtio',
      `<disk type='file'><driver name='qemu' event_idx='on'/>${F}<target dev='hda'/></disk>`,
      [67, 20, 'unsupported configuration: disk event_idx mode supported only for virtio bus'],
    ],
    [
      'iommu off virtio',
      `<disk type='file'><driver name='qemu' iommu='on'/>${F}<target dev='hda'/></disk>`,
      [67, 20, 'unsupported configuration: iommu driver option is only supported for virtio devices'],
    ],
    [
      'a tray on a disk',
      `<disk type='file'>${F}<target dev='vda' tray='open'/></disk>`,
      [67, 20, 'unsupported configuration: tray is only valid for cdrom and floppy'],
    ],
    [
      'a vendor past 8 characters',
      `<disk type='file'>${F}<target dev='sda'/><vendor>ABCDEFGHIJ</vendor></disk>`,
      [67, 20, 'unsupported configuration: disk vendor is more than 8 characters'],
    ],
    [
      'a product past 16 characters',
      `<disk type='file'>${F}<target dev='sda'/><product>ABCDEFGHIJKLMNOPQ</product></disk>`,
      [67, 20, 'unsupported configuration: disk product is more than 16 characters'],
    ],
    [
      'a floppy on IDE',
      `<disk type='file' device='floppy'>${F}<target dev='fda' bus='ide'/></disk>`,
      [1, 20, "internal error: Invalid bus type 'ide' for floppy disk"],
    ],
    [
      'a disk on the floppy controller',
      `<disk type='file'>${F}<target dev='hda' bus='fdc'/></disk>`,
      [1, 20, "internal error: Invalid bus type 'fdc' for disk"],
    ],
    ['removable off USB', `<disk type='file'>${F}<target dev='vda' removable='on'/></disk>`, [27, 20, 'XML error: removable is only valid for usb disks']],
    [
      'a startup policy on a network disk',
      "<disk type='network'><source protocol='nbd' name='x' startupPolicy='optional'><host name='h'/></source><target dev='vda'/></disk>",
      [27, 20, "XML error: disk startupPolicy 'optional' is not allowed for disk of 'network' type"],
    ],
    [
      'a requisite disk',
      "<disk type='file'><source file='/tmp/a.img' startupPolicy='requisite'/><target dev='vda'/></disk>",
      [27, 20, "XML error: disk startupPolicy 'requisite' is allowed only for cdrom or floppy"],
    ],
    [
      'a target that is no disk name',
      `<disk type='file'>${F}<target dev='zda'/></disk>`,
      [27, 20, "XML error: Unknown disk name 'zda' and no address specified"],
    ],
    [
      'a disk name with an address',
      `<disk type='file'>${F}<target dev='foo' bus='virtio'/><address type='pci' slot='4'/></disk>`,
      [1, 20, 'internal error: Invalid harddisk device name: foo'],
    ],
    [
      'a floppy named as a hard disk',
      `<disk type='file' device='floppy'>${F}<target dev='hda' bus='fdc'/></disk>`,
      [1, 20, 'internal error: Invalid floppy device name: hda'],
    ],
    ['an RBD secret without a type', rbd("<auth username='u'><secret usage='x'/></auth>"), [67, 20, "unsupported configuration: unknown secret type '<null>'"]],
    [
      'an RBD secret of iSCSI',
      rbd("<auth username='u'><secret type='iscsi' usage='x'/></auth>"),
      [67, 20, "unsupported configuration: invalid secret type 'iscsi'"],
    ],
    [
      'authentication over NBD',
      "<disk type='network'><source protocol='nbd' name='x'><host name='h'/><auth username='u'><secret type='iscsi' usage='x'/></auth></source><target dev='vda'/></disk>",
      [67, 20, "unsupported configuration: authentication is not supported for protocol 'nbd'"],
    ],
    [
      'auth on the disk and its source',
      rbd("<auth username='u'><secret type='ceph' usage='x'/></auth>").replace('<source', "<auth username='u'><secret type='ceph' usage='x'/></auth><source"),
      [67, 20, 'unsupported configuration: an <auth> definition already found for disk source'],
    ],
    [
      'encryption on the disk and its source',
      `<disk type='file'><source file='/tmp/a.img'><encryption format='luks'>${LUKS}</encryption></source><target dev='vda'/><encryption format='luks'>${LUKS}</encryption></disk>`,
      [67, 20, 'unsupported configuration: an <encryption> definition already found for disk source'],
    ],
    [
      'a LUKS cipher in a backing image',
      `<disk type='file'>${F}<backingStore type='file'><format type='qcow2'/><source file='/tmp/b.img'><encryption format='luks'>${LUKS}<cipher name='aes' size='256'/></encryption></source></backingStore><target dev='vda'/></disk>`,
      [67, 20, 'unsupported configuration: supplying <cipher> for domain disk definition is unnecessary'],
    ],
    [
      'a source passed as file descriptors (the test driver)',
      "<disk type='file'><source file='/tmp/a.img' fdgroup='g'/><target dev='vda'/></disk>",
      [67, 20, "unsupported configuration: driver does not support FD passing for disk 'vda'"],
    ],
    [
      'NVMe namespace 0',
      "<disk type='nvme' device='disk'><source type='pci' managed='yes' namespace='0'><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source><target dev='vda'/></disk>",
      [67, 20, "unsupported configuration: NVMe namespace can't be zero"],
    ],
  ])('refuses %s', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });

  it.each([
    ['an empty CD-ROM', "<disk type='file' device='cdrom'><target dev='hdc'/></disk>"],
    ['a partition-style target name', `<disk type='file'>${F}<target dev='vdb1'/></disk>`],
    ['a raw LUN on a block device', "<disk type='block' device='lun'><driver name='qemu' type='raw'/><source dev='/dev/sdz'/><target dev='sda'/></disk>"],
    ['a snapshot element on a file source (ignored)', "<disk type='file'><source file='/tmp/a.img'><snapshot name='s'/></source><target dev='vda'/></disk>"],
  ])('accepts %s', (_name, devices) => {
    expect(defineError(domain(devices))).toBe('ok');
  });

  const target = (disk: string) =>
    formattedDomain(domain(disk))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('<target'));

  it('writes a target’s tray only when open, a rotation rate as a number, and nothing else', () => {
    expect(target(`<disk type='file' device='floppy'>${F}<target dev='fda' bus='fdc' tray='closed' x='1'/></disk>`)).toEqual(["<target dev='fda' bus='fdc'/>"]);
    expect(target(`<disk type='file' device='cdrom'>${F}<target dev='hda' bus='ide' tray='open'/></disk>`)).toEqual([
      "<target dev='hda' bus='ide' tray='open'/>",
    ]);
    expect(target(`<disk type='file'>${F}<target dev='vda' tray='closed' rotation_rate='0'/></disk>`)).toEqual(["<target dev='vda' bus='virtio'/>"]);
    expect(target(`<disk type='file'>${F}<target dev='sda' bus='usb' removable='on' rotation_rate='07200'/></disk>`)).toEqual([
      "<target dev='sda' bus='usb' removable='on' rotation_rate='7200'/>",
    ]);
  });

  it.each([
    [
      'an unknown tray state',
      `<disk type='file'>${F}<target dev='vda' tray='x'/></disk>`,
      [27, 5, "XML error: Invalid value for attribute 'tray' in element 'target': 'x'."],
    ],
    [
      'a negative rotation rate',
      `<disk type='file'>${F}<target dev='vda' rotation_rate='-1'/></disk>`,
      [27, 5, "XML error: Invalid value for attribute 'rotation_rate' in element 'target': '-1'. Expected non-negative integer value"],
    ],
    [
      'removable neither on nor off',
      `<disk type='file'>${F}<target dev='sda' bus='usb' removable='yes'/></disk>`,
      [27, 5, "XML error: Invalid value for attribute 'removable' in element 'target': 'yes'."],
    ],
  ])('refuses %s in a target', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });
});
