// Character device targets as libvirt 9.0 reads them (virDomainChrDefParseTargetXML, its spicevmc rule, virDomainDefAddConsoleCompat; recorded with python3-libvirt on test:///default).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

describe('character device targets', () => {
  it.each([
    ['a channel without a target', "<channel type='pty'/>", [27, 20, 'XML error: target type must be specified for channel device']],
    [
      'a channel target without a type',
      "<channel type='pty'><target name='x'/></channel>",
      [67, 20, "unsupported configuration: unknown target type '(null)' specified for character device"],
    ],
    [
      'a serial target model libvirt does not know',
      "<serial type='pty'><target type='isa-serial'><model name='bogus'/></target></serial>",
      [67, 20, "unsupported configuration: unknown target model 'bogus' specified for character device"],
    ],
    ['a spicevmc serial port', "<serial type='spicevmc'/>", [67, 20, 'unsupported configuration: spicevmc device type only supports virtio']],
    ['a spicevmc parallel port', "<parallel type='spicevmc'/>", [67, 20, 'unsupported configuration: spicevmc device type only supports virtio']],
    [
      'two consoles without a target type',
      "<console type='pty'/><console type='pty'/>",
      [67, 20, 'unsupported configuration: Only the first console can be a serial port'],
    ],
    [
      'a second console of target type none',
      "<console type='pty'/><console type='pty'><target type='none'/></console>",
      [67, 20, 'unsupported configuration: Only the first console can be a serial port'],
    ],
  ])('refuses %s', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });

  it('takes spicevmc on every target type numbered as a virtio channel (a USB serial port, a Xen console), as libvirt does', () => {
    expect(formattedDomain(domain("<serial type='spicevmc'><target type='usb-serial'/></serial>"))).toContain(
      "<serial type='spicevmc'>\n      <target type='usb-serial' port='0'/>",
    );
    expect(formattedDomain(domain("<console type='spicevmc'><target type='xen'/></console>"))).toContain(
      "<console type='spicevmc'>\n      <target type='xen' port='0'/>",
    );
  });
});
