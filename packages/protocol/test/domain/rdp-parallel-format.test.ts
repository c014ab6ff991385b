// RDP graphics and parallel port targets as libvirt 9.0 reads and writes them (virDomainGraphicsDefParseXMLRDP, virDomainChrDefParseTargetXML; recorded with python3-libvirt on test:///default).
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

describe('parallel port target', () => {
  it('has no type', () => {
    expect(formattedDomain(domain("<parallel type='pty'><target type='isa-serial' port='2'/></parallel>"))).toContain(
      "<parallel type='pty'>\n      <target port='2'/>",
    );
  });
});
