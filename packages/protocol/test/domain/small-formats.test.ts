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

  it('writes a host device interface’s driver name before its source, without queues or a filter', () => {
    const nic =
      "<interface type='hostdev' managed='yes'><mac address='00:11:22:33:44:55'/><source><address type='pci' domain='0x0000' bus='0x06' slot='0x12' function='0x1'/></source>" +
      "<driver name='vfio' queues='4'/><backend tap='/dev/mytap'/><filterref filter='f'/><model type='virtio'/></interface>";
    const xml = formattedDomain(dom('', nic));
    expect(
      xml
        .slice(xml.indexOf('<interface'), xml.indexOf('</interface>'))
        .split('\n')
        .map((l) => l.trim()),
    ).toEqual([
      "<interface type='hostdev' managed='yes'>",
      "<mac address='00:11:22:33:44:55'/>",
      "<driver name='vfio'/>",
      '<source>',
      "<address type='pci' domain='0x0000' bus='0x06' slot='0x12' function='0x1'/>",
      '</source>',
      "<target dev='testnet0'/>",
      "<model type='virtio'/>",
      "<backend tap='/dev/mytap'/>",
      '',
    ]);
  });

  it('reads a virtio NIC’s driver numbers, drops one queue, and keeps a driver only on virtio NICs', () => {
    const nic = (model: string, driver: string) => `<interface type='user'><mac address='52:54:00:00:00:01'/><model type='${model}'/>${driver}</interface>`;
    expect(matching(dom('', nic('virtio', "<driver queues='1' rx_queue_size='256'/>")), /<driver/)).toEqual(["<driver rx_queue_size='256'/>"]);
    expect(matching(dom('', nic('e1000', "<driver name='vhost' queues='2'/>")), /<driver/)).toEqual([]);
    expect(defineError(dom('', nic('virtio', "<driver queues='-5'/>")))).toEqual([
      27,
      5,
      "XML error: Invalid value for attribute 'queues' in element 'driver': '-5'. Expected non-negative integer value",
    ]);
    expect(defineError(dom('', nic('e1000', "<driver iommu='on'/>")))).toEqual([
      67,
      20,
      'unsupported configuration: iommu driver option is only supported for virtio devices',
    ]);
  });

  it('writes a backend domain by name only, the first one, right after a disk’s source', () => {
    expect(
      matching(
        dom(
          '',
          "<disk type='file'><blockio logical_block_size='512'/><backenddomain name='bar' x='1'/><backenddomain name='baz'/><source file='/a'/><target dev='vda'/></disk>",
        ),
        /^<(source|backenddomain|blockio|target)/,
      ),
    ).toEqual(["<source file='/a'/>", "<backenddomain name='bar'/>", "<blockio logical_block_size='512'/>", "<target dev='vda' bus='virtio'/>"]);
    expect(matching(dom('', "<disk type='file'><backenddomain/><source file='/a'/><target dev='vda'/></disk>"), /backenddomain/)).toEqual([]);
    expect(matching(dom('', "<interface type='bridge'><backenddomain name='foo' y='2'/><source bridge='br0'/></interface>"), /backenddomain/)).toEqual([
      "<backenddomain name='foo'/>",
    ]);
  });

  it('writes no empty title or description, as libvirt reads them (virXPathString)', () => {
    const xml = (top: string) =>
      `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid>${top}<memory>1048576</memory><os><type>hvm</type></os><devices/></domain>`;
    expect(matching(xml('<title></title><description></description>'), /title|description/)).toEqual([]);
    expect(matching(xml('<title/><description> </description>'), /title|description/)).toEqual(['<description> </description>']);
  });

  it('keeps the first <metadata>, its first element of each namespace and nothing without one, declarations as libxml2 writes them', () => {
    const xml = (top: string) =>
      `<domain type='test'><name>c</name><uuid>3e978e16-2dc8-45ed-b8b7-3574083dc879</uuid>${top}<memory>1048576</memory><os><type>hvm</type></os><devices/></domain>`;
    const metadata = (top: string) => {
      const lines = formattedDomain(xml(top))
        .split('\n')
        .map((l) => l.trim());
      return lines.slice(
        lines.findIndex((l) => l.startsWith('<metadata')),
        lines.indexOf('</metadata>') + 1,
      );
    };
    expect(
      metadata(
        "<metadata><herp xmlns:f='http://x/'/><a:foo xmlns:a='http://foo/'>1</a:foo><b:foo xmlns:b='http://foo/'>2</b:foo> text <d xmlns='http://d/'><e/></d></metadata><metadata><z:z xmlns:z='http://z/'/></metadata>",
      ),
    ).toEqual(['<metadata>', '<a:foo xmlns:a="http://foo/">1</a:foo>', '<d xmlns="http://d/">', '<e/>', '</d>', '</metadata>']);
    expect(metadata("<metadata xmlns:m='http://m/'><m:y/><m:z/></metadata>")).toEqual(['<metadata xmlns:m="http://m/">', '<m:y/>', '</metadata>']);
  });
});
