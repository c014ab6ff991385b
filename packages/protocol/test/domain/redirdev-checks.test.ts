// USB redirection, its filter and passthrough smartcards as libvirt 9.0's test driver reads and writes them (errors and XML recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, domain, formattedDomain } from './define-errors.js';

const USB = "<controller type='usb' model='qemu-xhci'/>";
/** The formatted lines of `devices` from the first line naming `from` to the end of `<devices>`. */
const lines = (devices: string, from: string) => {
  const all = formattedDomain(domain(USB + devices)).split('\n');
  return all
    .slice(
      all.findIndex((l) => l.includes(`<${from}`)),
      all.findIndex((l) => l.includes('</devices>')),
    )
    .map((l) => l.trim());
};

describe('redirection and smartcards', () => {
  it.each([
    ['a redirection without a type', '<redirdev/>', [1, 20, 'internal error: missing type in redirdev']],
    ['a redirection of an unknown type', "<redirdev type='foo'/>", [67, 20, "unsupported configuration: unknown redirdev character device type 'foo'"]],
    ['a redirection on a bus other than USB', "<redirdev bus='pci' type='spicevmc'/>", [67, 20, "unsupported configuration: unknown redirdev bus 'pci'"]],
    [
      'a UNIX redirection without a path',
      "<redirdev type='unix'><source mode='connect'/></redirdev>",
      [1, 20, 'internal error: Missing source path attribute for char device'],
    ],
    [
      'a reconnecting source without a timeout',
      "<redirdev type='tcp'><source mode='connect' host='h' service='4000'><reconnect enabled='yes'/></source></redirdev>",
      [27, 5, "XML error: Missing required attribute 'timeout' in element 'reconnect'"],
    ],
    [
      'reconnect neither yes nor no',
      "<serial type='unix'><source mode='connect' path='/tmp/s'><reconnect enabled='maybe'/></source></serial>",
      [27, 5, "XML error: Invalid value for attribute 'enabled' in element 'reconnect': 'maybe'."],
    ],
    [
      'a redirection on a PCI address',
      "<redirdev type='spicevmc'><address type='pci' slot='3'/></redirdev>",
      [27, 20, 'XML error: Invalid address for a USB device'],
    ],
    [
      'a passthrough smartcard without a type',
      "<smartcard mode='passthrough'/>",
      [27, 20, 'XML error: passthrough mode requires a character device type attribute'],
    ],
    ['a filter class past a byte', "<redirfilter><usbdev class='0x100' allow='yes'/></redirfilter>", [1, 20, 'internal error: Invalid USB Class code 0x100']],
    [
      'a filter version past 99',
      "<redirfilter><usbdev version='1.100' allow='yes'/></redirfilter>",
      [27, 20, 'XML error: Cannot parse USB device version 1.100'],
    ],
    [
      'a filter rule without allow',
      "<redirfilter><usbdev class='1'/></redirfilter>",
      [27, 5, "XML error: Missing required attribute 'allow' in element 'usbdev'"],
    ],
  ])('refuses %s', (_name, devices, expected) => {
    expect(defineError(domain(USB + devices))).toEqual(expected);
  });

  it('writes a redirection as a character device with its boot order and address, open even when empty', () => {
    expect(
      lines(
        "<redirdev type='spicevmc'/><redirdev type='tcp'><address type='usb' bus='0' port='2'/><boot order='1'/><source host='h' service='4000'/><protocol type='raw'/></redirdev>",
        'redirdev',
      ),
    ).toEqual([
      "<redirdev bus='usb' type='spicevmc'>",
      '</redirdev>',
      "<redirdev bus='usb' type='tcp'>",
      "<source mode='connect' host='h' service='4000'/>",
      "<protocol type='raw'/>",
      "<boot order='1'/>",
      "<address type='usb' bus='0' port='2'/>",
      '</redirdev>',
    ]);
  });

  it('writes a filter’s numbers in libvirt’s hex and version format, and leaves an empty filter out', () => {
    expect(
      lines("<redirfilter><usbdev class='8' vendor='0x15e1' product='0x2007' version='1.1' allow='yes'/><usbdev allow='no'/></redirfilter>", 'redirfilter'),
    ).toEqual([
      '<redirfilter>',
      "<usbdev class='0x08' vendor='0x15E1' product='0x2007' version='1.10' allow='yes'/>",
      "<usbdev allow='no'/>",
      '</redirfilter>',
    ]);
    expect(formattedDomain(domain(`${USB}<redirfilter/>`))).not.toContain('redirfilter');
  });

  it('writes a passthrough smartcard’s source as a character device’s', () => {
    expect(lines("<smartcard mode='passthrough' type='unix'><source path='/tmp/sc'/></smartcard>", 'smartcard')).toEqual([
      "<smartcard mode='passthrough' type='unix'>",
      "<source mode='connect' path='/tmp/sc'/>",
      "<address type='ccid' controller='0' slot='0'/>",
      '</smartcard>',
    ]);
  });
});
