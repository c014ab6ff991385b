// A disk's attributes read as libvirt 9.0's virDomainDiskDefParseXML reads them (errors and dumps recorded with python3-libvirt on test:///default).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

const D = "<source file='/tmp/a.img'/><target dev='vda' bus='virtio'/>";
const disk = (driver: string, attributes = '') => `<disk type='file'${attributes}>${driver}${D}</disk>`;

describe('disk attributes', () => {
  it.each([
    [
      'an unknown cache mode',
      disk("<driver name='qemu' cache='bogus'/>"),
      [27, 5, "XML error: Invalid value for attribute 'cache' in element 'driver': 'bogus'."],
    ],
    ["io='default'", disk("<driver name='qemu' io='default'/>"), [27, 5, "XML error: Invalid value for attribute 'io' in element 'driver': 'default'."]],
    [
      'a read error policy of enospace',
      disk("<driver name='qemu' rerror_policy='enospace'/>"),
      [67, 20, "unsupported configuration: Invalid disk read error policy: 'enospace'"],
    ],
    [
      'I/O thread 0',
      disk("<driver name='qemu' iothread='0'/>"),
      [27, 5, "XML error: Invalid value for attribute 'iothread' in element 'driver': Zero is not permitted"],
    ],
    ["a driver format of 'none'", disk("<driver name='qemu' type='none'/>"), [67, 20, "unsupported configuration: unknown driver format value 'none'"]],
    ["snapshot='default'", disk('', " snapshot='default'"), [27, 5, "XML error: Invalid value for attribute 'snapshot' in element 'disk': 'default'."]],
    [
      "ioeventfd='yes'",
      disk("<driver name='qemu' ioeventfd='yes'/>"),
      [27, 5, "XML error: Invalid value for attribute 'ioeventfd' in element 'driver': 'yes'."],
    ],
    [
      'an unknown device before an unknown cache mode',
      disk("<driver cache='bogus'/>", " device='bogus'"),
      [27, 5, "XML error: Invalid value for attribute 'device' in element 'disk': 'bogus'."],
    ],
  ])('refuses %s', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });

  it("takes cache='default' and model='default' as unset, and writes neither", () => {
    const xml = formattedDomain(domain(disk("<driver name='qemu' cache='default'/>", " model='default'")));
    expect(xml).toContain("<disk type='file' device='disk'>\n      <driver name='qemu'/>");
  });
});
