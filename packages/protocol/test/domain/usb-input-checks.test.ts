// Input buses and USB presence checked as libvirt 9.0's test driver checks them at define time (errors and XML recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { DomainDefinition, QEMU_DRIVER_DEFAULTS } from '../../src/xml.js';
import { defineError, domain, formattedDomain } from './define-errors.js';

const NONE = "<controller type='usb' model='none'/>";

describe('USB presence', () => {
  it.each([
    [
      'a USB tablet with USB disabled (its default bus)',
      `${NONE}<input type='tablet'/>`,
      [67, 20, "unsupported configuration: Can't add USB input device. USB bus is disabled"],
    ],
    [
      'a host USB device with USB disabled',
      `${NONE}<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source></hostdev>`,
      [67, 20, "unsupported configuration: Can't add host USB device: USB is disabled in this host"],
    ],
    ['a USB hub with USB disabled', `${NONE}<hub type='usb'/>`, [67, 20, "unsupported configuration: Can't add USB hub: USB is disabled for this domain"]],
    [
      'a USB redirection with USB disabled',
      `${NONE}<redirdev bus='usb' type='spicevmc'/>`,
      [67, 20, 'unsupported configuration: cannot add redirected USB device: USB is disabled for this domain'],
    ],
    [
      'a USB redirection without any USB controller',
      "<redirdev type='spicevmc'/>",
      [67, 20, 'unsupported configuration: cannot add redirected USB device: USB is disabled for this domain'],
    ],
    ['two USB controllers of model none', NONE + NONE, [35, 20, "Can't add another USB controller: USB is disabled for this domain"]],
    [
      'model none after another USB controller',
      `<controller type='usb' index='0' model='ich9-ehci1'/>${NONE}`,
      [35, 20, "Can't add another USB controller: USB is disabled for this domain"],
    ],
    ['only a companion USB controller', "<controller type='usb' index='0' model='ich9-uhci1'/>", [35, 20, 'No master USB controller specified']],
    [
      'a USB input on a PCI address',
      "<input type='tablet' bus='usb'><address type='pci' slot='3'/></input>",
      [27, 20, 'XML error: Invalid address for a USB device'],
    ],
    ['an unknown input type', "<input type='joystick'/>", [67, 20, "unsupported configuration: unknown input device type 'joystick'"]],
    ['an unknown input bus', "<input type='mouse' bus='serial'/>", [67, 20, "unsupported configuration: unknown input bus type 'serial'"]],
  ])('refuses %s', (_name, devices, expected) => {
    expect(defineError(domain(devices))).toEqual(expected);
  });

  it('accepts a PS/2 mouse with USB disabled, and a redirection beside a USB controller', () => {
    expect(defineError(domain(`${NONE}<input type='mouse'/>`))).toBe('ok');
    expect(defineError(domain("<controller type='usb' model='qemu-xhci'/><redirdev bus='usb' type='spicevmc'/>"))).toBe('ok');
  });

  it('lets a QEMU definition redirect USB without naming a controller (the driver adds one), not with USB disabled', () => {
    const qemu = (devices: string) => () =>
      DomainDefinition.parse(`<domain type='qemu'><name>q</name><memory>1024</memory><os><type>hvm</type></os><devices>${devices}</devices></domain>`, {
        generateUuid: () => '3e978e16-2dc8-45ed-b8b7-3574083dc879',
        defaults: QEMU_DRIVER_DEFAULTS,
      });
    expect(qemu("<redirdev bus='usb' type='spicevmc'/>")).not.toThrow();
    expect(qemu(`${NONE}<redirdev bus='usb' type='spicevmc'/>`)).toThrow('cannot add redirected USB device: USB is disabled for this domain');
  });

  it('gives inputs libvirt’s default bus: PS/2 for an x86 mouse, USB for a tablet and for a mouse elsewhere', () => {
    const inputs = (xml: string) =>
      formattedDomain(xml)
        .split('\n')
        .filter((l) => l.includes('<input'))
        .map((l) => l.trim());
    expect(inputs(domain("<input type='tablet'/><input type='mouse'/><input type='keyboard' bus='virtio'/>"))).toEqual([
      "<input type='tablet' bus='usb'/>",
      "<input type='mouse' bus='ps2'/>",
      "<input type='keyboard' bus='virtio'/>",
    ]);
    expect(inputs(domain("<input type='mouse'/>", '', "<os><type arch='aarch64'>hvm</type></os>"))).toEqual(["<input type='mouse' bus='usb'/>"]);
  });
});
