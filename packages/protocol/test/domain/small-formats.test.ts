// Small parts libvirt 9.0 writes in its own form: the boot menu, spapr-vio addresses, a MAC address's type and check, SPICE's children (XML and errors recorded with python3-libvirt).
import { describe, expect, it } from 'vitest';
import { defineError, formattedDomain } from './define-errors.js';

const dom = (os: string, devices = '', arch = '') =>
  `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid><memory>1048576</memory><os><type${arch}>hvm</type>${os}</os><devices>${devices}</devices></domain>`;
const matching = (xml: string, pattern: RegExp) =>
  formattedDomain(xml)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => pattern.test(l));

describe('small formats', () => {
  it('writes a boot menu’s timeout only when it is enabled, and no menu without enable', () => {
    expect(matching(dom("<bootmenu enable='no' timeout='3000'/>"), /bootmenu/)).toEqual(["<bootmenu enable='no'/>"]);
    expect(matching(dom("<bootmenu enable='yes' timeout='3000'/>"), /bootmenu/)).toEqual(["<bootmenu enable='yes' timeout='3000'/>"]);
    expect(matching(dom("<bootmenu timeout='3000'/>"), /bootmenu/)).toEqual([]);
  });

  it.each([
    [
      'a boot menu timeout past 65535',
      "<bootmenu enable='yes' timeout='65536'/>",
      [67, 20, 'unsupported configuration: invalid value for boot menu timeout, must be in range [0,65535]'],
    ],
    [
      'a boot menu neither enabled nor disabled',
      "<bootmenu enable='maybe'/>",
      [27, 5, "XML error: Invalid value for attribute 'enable' in element 'bootmenu': 'maybe'."],
    ],
    [
      'a negative boot menu timeout',
      "<bootmenu enable='yes' timeout='-1'/>",
      [27, 5, "XML error: Invalid value for attribute 'timeout' in element 'bootmenu': '-1'. Expected non-negative integer value"],
    ],
  ])('refuses %s', (_name, os, expected) => {
    expect(defineError(dom(os))).toEqual(expected);
  });

  it('writes spapr-vio registers as 0x%08llx (hex when given without 0x)', () => {
    const serials =
      "<serial type='pty'><address type='spapr-vio' reg='0x4000'/></serial><serial type='pty'><address type='spapr-vio' reg='30001000'/></serial>" +
      "<serial type='pty'><address type='spapr-vio'/></serial><serial type='pty'><address type='spapr-vio' reg='0x100000000'/></serial>";
    expect(matching(dom('', serials, " arch='ppc64'"), /<address/)).toEqual([
      "<address type='spapr-vio' reg='0x00004000'/>",
      "<address type='spapr-vio' reg='0x30001000'/>",
      "<address type='spapr-vio'/>",
      "<address type='spapr-vio' reg='0x100000000'/>",
      // the console libvirt adds for the first serial port
      "<address type='spapr-vio' reg='0x00004000'/>",
    ]);
  });

  it('keeps a MAC address’s type and check', () => {
    const nics =
      "<interface type='user'><mac address='AA:bb:cc:dd:ee:fe' check='yes' type='static'/></interface><interface type='user'><mac address='aa:bb:cc:dd:ee:ff' type='generated' check='no'/></interface>";
    expect(matching(dom('', nics), /<mac/)).toEqual([
      "<mac address='aa:bb:cc:dd:ee:fe' type='static' check='yes'/>",
      "<mac address='aa:bb:cc:dd:ee:ff' type='generated' check='no'/>",
    ]);
    expect(defineError(dom('', "<interface type='user'><mac address='aa:bb:cc:dd:ee:fe' type='x'/></interface>"))).toEqual([
      27,
      5,
      "XML error: Invalid value for attribute 'type' in element 'mac': 'x'.",
    ]);
  });

  it('writes SPICE’s children in libvirt’s order, a channel as name then mode', () => {
    const spice =
      "<graphics type='spice'><mouse mode='server'/><channel mode='secure' name='main'/><image compression='auto_glz'/><streaming mode='filter'/><clipboard copypaste='no'/><channel name='inputs' mode='insecure'/></graphics>";
    expect(matching(dom('', spice), /^<(channel|image|streaming|mouse|clipboard) /)).toEqual([
      "<channel name='main' mode='secure'/>",
      "<channel name='inputs' mode='insecure'/>",
      "<image compression='auto_glz'/>",
      "<streaming mode='filter'/>",
      "<mouse mode='server'/>",
      "<clipboard copypaste='no'/>",
    ]);
  });
});
