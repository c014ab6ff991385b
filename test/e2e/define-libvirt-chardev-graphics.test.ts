// Classes of libvirt's own domain test inputs (scripts/libvirt-corpus/domains.mjs): serial ports, consoles, channels, graphics and video, as libvirt 9.0's test driver defines them.
import { ErrorDomain, ErrorNumber } from '@virtwire/client';
import { describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { UUID, domainXml, formatted, testDriverSession } from '../helpers/libvirt-inputs.js';

const t = testDriverSession();

describe('video', () => {
  /** The `<model>` lines of a definition's videos as formatted back. */
  const models = async (os: string, devices: string) => {
    const xml = `<domain type='test'><name>v</name><uuid>${UUID}</uuid><memory>1024</memory>${os}<devices>${devices}</devices></domain>`;
    return (await t.defineAndDump(xml))
      .split('\n')
      .filter((l) => l.includes('<model '))
      .map((l) => l.trim());
  };

  it('gives the test driver’s default model by guest (vga on ppc64, xen for Xen guests)', async () => {
    expect(await models("<os><type arch='ppc64'>hvm</type></os>", "<graphics type='vnc'/>")).toEqual([
      "<model type='vga' vram='16384' heads='1' primary='yes'/>",
    ]);
    expect(await models('<os><type>xen</type></os>', '<video/>')).toEqual(["<model type='xen' vram='4096' heads='1' primary='yes'/>"]);
  });

  it('puts the primary video first, rounds video memory up to a power of two, and keeps primary only on the first', async () => {
    expect(
      await models('<os><type>hvm</type></os>', "<video><model type='qxl' vram='10000'/></video><video><model type='vga' primary='yes'/></video>"),
    ).toEqual(["<model type='vga' vram='16384' heads='1' primary='yes'/>", "<model type='qxl' ram='65536' vram='16384' heads='1'/>"]);
    expect(await models('<os><type>hvm</type></os>', "<video><model type='virtio' heads='1' primary='no'/></video>")).toEqual([
      "<model type='virtio' heads='1' primary='yes'/>",
    ]);
  });

  it('refuses a second primary video as libvirt does', async () => {
    await expectVirError(
      t.conn.domainDefineXML(domainXml('v2', "<video><model type='vga' primary='yes'/></video><video><model type='qxl' primary='yes'/></video>")),
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Domain,
      'unsupported configuration: Only one primary video device is supported',
    );
  });
});

describe('serial ports and consoles', () => {
  it('turns a lone console into the first serial port and its alias', async () => {
    expect(await t.defineAndDump(domainXml('ch1', "<console type='file'><source path='/tmp/c.log'/></console>"))).toBe(
      formatted('ch1', [
        "<serial type='file'>",
        "  <source path='/tmp/c.log'/>",
        "  <target port='0'/>",
        '</serial>',
        "<console type='file'>",
        "  <source path='/tmp/c.log'/>",
        "  <target type='serial' port='0'/>",
        '</console>',
      ]),
    );
  });

  it('replaces a serial console whose source is not the first port’s by that port, and numbers ports', async () => {
    const devices =
      "<serial type='pty'/><serial type='file'><source path='/tmp/s.log'/></serial><console type='file'><source path='/tmp/other.log'/></console>" +
      "<console type='pty'><target type='virtio'/></console>";
    expect(await t.defineAndDump(domainXml('ch2', devices))).toBe(
      formatted('ch2', [
        "<controller type='virtio-serial' index='0'/>",
        "<serial type='pty'>",
        "  <target port='0'/>",
        '</serial>',
        "<serial type='file'>",
        "  <source path='/tmp/s.log'/>",
        "  <target port='1'/>",
        '</serial>',
        "<console type='pty'>",
        "  <target type='serial' port='0'/>",
        '</console>',
        "<console type='pty'>",
        "  <target type='virtio' port='1'/>",
        '</console>',
      ]),
    );
  });

  it('numbers consoles by their position, whatever port they name', async () => {
    const text = await t.defineAndDump(
      domainXml('ch4', "<console type='pty'><target port='7'/></console><console type='pty'><target type='virtio' port='0'/></console>"),
    );
    expect(text).toContain(
      "<console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n    <console type='pty'>\n      <target type='virtio' port='1'/>",
    );
  });

  it('gives a PCI serial port no console, and numbers parallel ports', async () => {
    expect(await t.defineAndDump(domainXml('ch3', "<serial type='pty'><target type='pci-serial'/></serial><parallel type='pty'/><parallel type='pty'/>"))).toBe(
      formatted('ch3', [
        "<serial type='pty'>",
        "  <target type='pci-serial' port='0'/>",
        '</serial>',
        "<parallel type='pty'>",
        "  <target port='0'/>",
        '</parallel>',
        "<parallel type='pty'>",
        "  <target port='1'/>",
        '</parallel>',
      ]),
    );
  });
});

describe('graphics', () => {
  it('completes listens, ports and attribute order as libvirt does for VNC and SPICE', async () => {
    const xml = domainXml(
      'g',
      "<graphics type='vnc' socket='/tmp/vnc.sock'><listen type='address' address='0.0.0.0'/></graphics>" +
        "<graphics type='vnc' port='5900' autoport='yes' keymap='en-us' sharePolicy='force-shared' listen='127.0.0.1'/>" +
        "<graphics type='spice' autoport='no'><gl enable='yes'/></graphics>" +
        "<graphics type='spice' port='5903' tlsPort='5904'><listen type='network' network='default'/></graphics>" +
        "<video><model type='cirrus'/></video>",
    );
    expect(await t.defineAndDump(xml)).toBe(
      formatted('g', [
        "<graphics type='vnc' socket='/tmp/vnc.sock'>",
        "  <listen type='socket' socket='/tmp/vnc.sock'/>",
        '</graphics>',
        "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' keymap='en-us' sharePolicy='force-shared'>",
        "  <listen type='address' address='127.0.0.1'/>",
        '</graphics>',
        "<graphics type='spice'>",
        "  <listen type='none'/>",
        "  <gl enable='yes'/>",
        '</graphics>',
        "<graphics type='spice' port='5903' tlsPort='5904' autoport='no'>",
        "  <listen type='network' network='default'/>",
        '</graphics>',
        '<video>',
        "  <model type='cirrus' vram='16384' heads='1' primary='yes'/>",
        '</video>',
      ]),
    );
  });

  it('refuses a listen attribute the first listen contradicts', async () => {
    await expectVirError(
      t.conn.domainDefineXML(domainXml('g2', "<graphics type='vnc' listen='1.2.3.4'><listen type='address' address='127.0.0.1'/></graphics>")),
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Domain,
      "unsupported configuration: graphics 'listen' attribute '1.2.3.4' must match 'address' attribute of first listen element (found '127.0.0.1')",
    );
  });
});

describe('character device sources', () => {
  it('writes sources as libvirt does: connect by default, TCP’s protocol, both UDP sources, no pty path or channel state in a definition', async () => {
    const xml = domainXml(
      'c',
      "<serial type='tcp'><source host='127.0.0.1' service='2222'/><protocol type='raw'/><target port='0'/></serial>" +
        "<serial type='udp'><source mode='bind' host='127.0.0.1' service='9999'/><source mode='connect' host='127.0.0.1' service='9998'/></serial>" +
        "<serial type='tcp'><source mode='bind' host='127.0.0.1' service='2223' tls='yes'/></serial>" +
        "<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>" +
        "<channel type='unix'><source path='/tmp/x.sock'/><target type='virtio' name='a' state='connected'/></channel>" +
        "<channel type='spicevmc'><target type='virtio'/></channel>" +
        "<serial type='file'><source path='/tmp/log' append='on'/></serial>" +
        "<parallel type='pty'><source path='/dev/pts/3'/></parallel>",
    );
    expect(await t.defineAndDump(xml)).toBe(
      formatted('c', [
        "<controller type='virtio-serial' index='0'/>",
        "<serial type='tcp'>",
        "  <source mode='connect' host='127.0.0.1' service='2222'/>",
        "  <protocol type='raw'/>",
        "  <target port='0'/>",
        '</serial>',
        "<serial type='udp'>",
        "  <source mode='bind' host='127.0.0.1' service='9999'/>",
        "  <source mode='connect' host='127.0.0.1' service='9998'/>",
        "  <target port='1'/>",
        '</serial>',
        "<serial type='tcp'>",
        "  <source mode='bind' host='127.0.0.1' service='2223' tls='yes'/>",
        "  <protocol type='raw'/>",
        "  <target port='2'/>",
        '</serial>',
        "<serial type='file'>",
        "  <source path='/tmp/log' append='on'/>",
        "  <target port='3'/>",
        '</serial>',
        "<parallel type='pty'>",
        "  <target port='0'/>",
        '</parallel>',
        "<console type='tcp'>",
        "  <source mode='connect' host='127.0.0.1' service='2222'/>",
        "  <protocol type='raw'/>",
        "  <target type='serial' port='0'/>",
        '</console>',
        "<channel type='unix'>",
        "  <target type='virtio' name='org.qemu.guest_agent.0'/>",
        '</channel>',
        "<channel type='unix'>",
        "  <source mode='connect' path='/tmp/x.sock'/>",
        "  <target type='virtio' name='a'/>",
        '</channel>',
        "<channel type='spicevmc'>",
        "  <target type='virtio'/>",
        '</channel>',
      ]),
    );
  });

  const refusals: Array<[string, string, string]> = [
    ['a file without a path', "<serial type='file'><source/></serial>", 'internal error: Missing source path attribute for char device'],
    ['TCP without a service', "<serial type='tcp'><source host='h'/></serial>", 'internal error: Missing source service attribute for char device'],
    [
      'reconnection of a listening socket',
      "<serial type='tcp'><source mode='bind' host='h' service='1'><reconnect enabled='yes' timeout='1'/></source></serial>",
      'internal error: chardev reconnect is possible only for connect mode',
    ],
  ];
  for (const [label, devices, message] of refusals) {
    it(`refuses ${label} as libvirt does`, async () => {
      await expectVirError(t.conn.domainDefineXML(domainXml('cr', devices)), ErrorNumber.InternalError, ErrorDomain.Domain, message);
    });
  }
});
