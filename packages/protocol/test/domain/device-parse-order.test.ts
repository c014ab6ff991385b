// Devices read in virDomainDefParseXML's order (every element of one kind before the next kind), and the kinds it reads one of at most (errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

describe('the order libvirt reads devices in', () => {
  it.each([
    [
      'a controller before an interface written first',
      "<interface type='user'><mac address='zz'/></interface><controller type='usb' model='bogus'/>",
      [67, 20, "unsupported configuration: Unknown model type 'bogus'"],
    ],
    [
      'a parallel port before a serial port written first',
      "<serial type='pty'><target type='bogus'/></serial><parallel type='bogus'/>",
      [67, 20, 'unsupported configuration: unknown type presented to host for character device: bogus'],
    ],
    [
      "a disk's validation before two disks on one target (virDomainDefValidateInternal runs last)",
      "<disk type='file' device='floppy'><source file='/tmp/a'/><target dev='fda' bus='fdc'/></disk><disk type='file'><source file='/tmp/b'/><target dev='fda' bus='fdc'/></disk>",
      [1, 20, "internal error: Invalid bus type 'fdc' for disk"],
    ],
  ])('reports %s', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });

  it.each([
    ['watchdog', "<watchdog model='i6300esb'/>", [1, 20, 'internal error: only a single watchdog device is supported']],
    ['memballoon', "<memballoon model='virtio'/>", [1, 20, 'internal error: only a single memory balloon device is supported']],
    ['nvram', '<nvram/>', [1, 20, 'internal error: only a single nvram device is supported']],
    ['redirfilter', '<redirfilter/>', [1, 20, 'internal error: only one set of redirection filter rule is supported']],
    ['iommu', "<iommu model='intel'/>", [27, 20, 'XML error: only a single IOMMU device is supported']],
    ['vsock', "<vsock model='virtio'/>", [27, 20, 'XML error: only a single vsock device is supported']],
  ])('refuses two %s devices', (_name, device, expected) => {
    expect(defineError(domain(device + device))).toEqual(expected);
  });

  it('drops a <crypto> device, which libvirt 9.0 does not know (recorded with python3-libvirt)', () => {
    expect(formattedDomain(domain("<crypto model='virtio' type='qemu'><backend model='builtin'/></crypto>"))).not.toContain('crypto');
  });
});
