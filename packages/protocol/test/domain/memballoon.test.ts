// <memballoon> as libvirt 9.0's test driver reads and writes it (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

const balloon = (devices: string) => {
  const lines = formattedDomain(domain(devices))
    .split('\n')
    .map((l) => l.trim());
  return lines.slice(
    lines.findIndex((l) => l.startsWith('<memballoon')),
    lines.indexOf('</devices>'),
  );
};

describe('memballoon', () => {
  it('writes model and switches, then the statistics period, alias, address and driver options, in libvirt’s order', () => {
    expect(
      balloon(
        "<memballoon model='virtio' freePageReporting='on' autodeflate='off'><driver packed='on' iommu='on' x='1'/><address type='pci' domain='0' bus='0' slot='18' function='0'/><stats period='0x10'/><alias name='ua-b'/></memballoon>",
      ),
    ).toEqual([
      "<memballoon model='virtio' autodeflate='off' freePageReporting='on'>",
      "<stats period='16'/>",
      "<alias name='ua-b'/>",
      "<address type='pci' domain='0x0000' bus='0x00' slot='0x12' function='0x0'/>",
      "<driver iommu='on' packed='on'/>",
      '</memballoon>',
    ]);
  });

  it('writes no period when it is negative, no empty driver, and no address for model none', () => {
    expect(balloon("<memballoon model='virtio'><stats period='-5'/><driver/></memballoon>")).toEqual(["<memballoon model='virtio'/>"]);
    expect(
      balloon("<memballoon model='none'><stats period='3'/><alias name='ua-b'/><address type='pci' domain='0' bus='0' slot='18' function='0'/></memballoon>"),
    ).toEqual(["<memballoon model='none'>", "<stats period='3'/>", '</memballoon>']);
  });

  it.each([
    [
      'a period that is not a number',
      "<memballoon model='virtio'><stats period='x'/></memballoon>",
      [27, 5, "XML error: Invalid value for attribute 'period' in element 'stats': 'x'. Expected integer value"],
    ],
    ['a balloon without model', '<memballoon/>', [27, 5, "XML error: Missing required attribute 'model' in element 'memballoon'"]],
    ['an unknown model', "<memballoon model='x'/>", [27, 5, "XML error: Invalid value for attribute 'model' in element 'memballoon': 'x'."]],
    [
      'autodeflate neither on nor off',
      "<memballoon model='virtio' autodeflate='yes'/>",
      [27, 5, "XML error: Invalid value for attribute 'autodeflate' in element 'memballoon': 'yes'."],
    ],
  ])('refuses %s', (_what, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });
});
