// Graphics attributes, RDP graphics, parallel port targets and empty PCI addresses as libvirt 9.0 reads and writes them (virDomainGraphicsDefParseXML{RDP,Spice,SDL,DBus}, virDomainChrDefParseTargetXML; recorded with python3-libvirt on test:///default).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

const graphicsOf = (devices: string) => /<graphics[^>]*>/.exec(formattedDomain(domain(devices)))?.[0];

describe('RDP graphics', () => {
  it.each([
    ["<graphics type='rdp' port='5999' autoport='yes'/>", "<graphics type='rdp' port='0' autoport='yes'>"],
    ["<graphics type='rdp' autoport=''/>", "<graphics type='rdp' port='0' autoport='yes'>"],
    [
      "<graphics type='rdp' port='70000' autoport='0' keymap='de' replaceUser='yes' multiUser='no' listen='1.2.3.4'/>",
      "<graphics type='rdp' port='70000' replaceUser='yes' listen='1.2.3.4'>",
    ],
    ["<graphics type='rdp' port='0'/>", "<graphics type='rdp'>"],
  ])('writes %s as libvirt does', (given, written) => {
    expect(graphicsOf(given)).toBe(written);
  });

  it('refuses a port that is not a number', () => {
    expect(defineError(domain("<graphics type='rdp' port='x'/>"))).toEqual([1, 20, 'internal error: cannot parse rdp port x']);
  });
});

describe('graphics attributes', () => {
  it.each([
    ["<graphics type='spice' autoport='off'/>", [27, 5, "XML error: Invalid value for attribute 'autoport' in element 'graphics': 'off'."]],
    ["<graphics type='spice' port='x'/>", [27, 5, "XML error: Invalid value for attribute 'port' in element 'graphics': 'x'. Expected integer value"]],
    ["<graphics type='spice' defaultMode='bogus'/>", [27, 5, "XML error: Invalid value for attribute 'defaultMode' in element 'graphics': 'bogus'."]],
    ["<graphics type='sdl' fullscreen='on'/>", [27, 5, "XML error: Invalid value for attribute 'fullscreen' in element 'graphics': 'on'."]],
    ["<graphics type='dbus' p2p='on'/>", [27, 5, "XML error: Invalid value for attribute 'p2p' in element 'graphics': 'on'."]],
  ])('refuses %s', (devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });
});

describe('parallel port target', () => {
  it('has no type', () => {
    expect(formattedDomain(domain("<parallel type='pty'><target type='isa-serial' port='2'/></parallel>"))).toContain(
      "<parallel type='pty'>\n      <target port='2'/>",
    );
  });
});

describe('an empty PCI address', () => {
  it('loses its function: virPCIDeviceAddressIsEmpty looks at domain, bus and slot only', () => {
    const xml = formattedDomain(
      domain("<controller type='ccid' index='2'><address type='pci' domain='0x0000' bus='0x00' slot='0x00' function='0x4' multifunction='on'/></controller>"),
    );
    expect(xml).toContain("<controller type='ccid' index='2'>\n      <address type='pci' multifunction='on'/>");
  });
});
