// An interface's model and MAC address read as libvirt 9.0 reads them (virDomainNetSetModelString, virMacAddrParse; recorded with python3-libvirt on test:///default).
import { describe, expect, it } from 'vitest';
import { DomainDefinition, TEST_DRIVER_DEFAULTS } from '../../src/xml.js';
import { defineError, domain, formattedDomain } from './define-errors.js';

const nic = (inner: string) => `<interface type='user'>${inner}</interface>`;

describe('interface model and MAC', () => {
  it.each([
    ['a multicast MAC', nic("<mac address='01:00:00:00:00:01'/>"), [27, 20, "XML error: expected unicast mac address, found multicast '01:00:00:00:00:01'"]],
    ['a short multicast MAC', nic("<mac address='1:2:3:4:5:6'/>"), [27, 20, "XML error: expected unicast mac address, found multicast '1:2:3:4:5:6'"]],
    ['a MAC that is not one', nic("<mac address='zz'/>"), [27, 20, "XML error: unable to parse mac address 'zz'"]],
    ['a model name with invalid characters', nic("<model type='bogus!'/>"), [8, 20, 'invalid argument: Model name contains invalid characters']],
    [
      'a bad model name before a bad MAC',
      nic("<mac address='zz'/><model type='bogus!'/>"),
      [8, 20, 'invalid argument: Model name contains invalid characters'],
    ],
  ])('refuses %s', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });

  it('writes a MAC of short groups with two digits each, and a known model as libvirt names it', () => {
    const xml = formattedDomain(domain(nic("<mac address='2:2:3:4:5:6'/><model type='VIRTIO'/><driver queues='2'/>")));
    expect(xml).toContain("<mac address='02:02:03:04:05:06'/>");
    expect(xml).toContain("<model type='virtio'/>\n      <driver queues='2'/>");
    expect(formattedDomain(domain(nic("<mac address='02:00:00:00:00:01'/><model type='am79c970a'/>")))).toContain("<model type='Am79C970A'/>");
  });

  it("takes model 'unknown' as no model", () => {
    expect(formattedDomain(domain(nic("<mac address='02:00:00:00:00:01'/><model type='unknown'/>")))).not.toContain('<model');
  });

  it('gives an interface without a MAC the one the parse generates, and none without a generator', () => {
    const xml = domain("<interface type='user'/>");
    const generated = DomainDefinition.parse(xml, { defaults: TEST_DRIVER_DEFAULTS, generateMac: () => '52:54:00:12:34:56' }).format({ secure: true });
    expect(generated).toContain("<interface type='user'>\n      <mac address='52:54:00:12:34:56'/>");
    expect(formattedDomain(xml)).not.toContain('<mac');
  });
});
