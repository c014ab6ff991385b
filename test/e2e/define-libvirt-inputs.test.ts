// Classes of libvirt's own domain test inputs (found by scripts/libvirt-corpus/domains.mjs), defined on a real virtwired as libvirt 9.0's test driver defines them.
import { connect, ErrorDomain, ErrorNumber, type Connection } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

let server: TestDaemon;
let conn: Connection;
beforeAll(async () => {
  server = await startTestDaemon();
  conn = await connect(server.uri());
});
afterAll(async () => {
  await conn?.close();
  await server?.close();
});

const UUID = '3e978e16-2dc8-45ed-b8b7-3574083dc879';
/** A test-driver domain with these devices (and `extra` top-level elements after `<os>`). */
const domainXml = (name: string, devices: string, extra = '') =>
  `<domain type='test'><name>${name}</name><uuid>${UUID}</uuid><memory>1024</memory><os><type>hvm</type></os>${extra}<devices>${devices}</devices></domain>`;

/** Defines `xml`, returns its dumpxml (flags 0), and undefines it again. */
async function defineAndDump(xml: string): Promise<string> {
  const domain = await conn.domainDefineXML(xml);
  try {
    return await domain.getXMLDesc(0);
  } finally {
    await domain.undefine();
  }
}

/** The `<domain>` libvirt 9.0's test driver formats back, with `devices` as its device lines. */
const formatted = (name: string, devices: string[]) =>
  [
    "<domain type='test'>",
    `  <name>${name}</name>`,
    `  <uuid>${UUID}</uuid>`,
    "  <memory unit='KiB'>1024</memory>",
    "  <currentMemory unit='KiB'>1024</currentMemory>",
    "  <vcpu placement='static'>1</vcpu>",
    '  <os>',
    "    <type arch='i686'>hvm</type>",
    "    <boot dev='hd'/>",
    '  </os>',
    "  <clock offset='utc'/>",
    '  <on_poweroff>destroy</on_poweroff>',
    '  <on_reboot>restart</on_reboot>',
    '  <on_crash>destroy</on_crash>',
    '  <devices>',
    ...devices.map((line) => `    ${line}`),
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');

describe('paths the test driver only records', () => {
  it('defines block disks and host character devices on /dev, as libvirt’s test driver does (578 of its inputs name /dev/HostVG/…)', async () => {
    const xml = domainXml(
      'blk',
      "<disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='vda'/></disk>" +
        "<disk type='block' device='cdrom'><source dev='/dev/cdrom'/><target dev='hdc'/></disk>" +
        "<serial type='dev'><source path='/dev/ttyS0'/></serial>",
    );
    expect(await defineAndDump(xml)).toBe(
      formatted('blk', [
        "<disk type='block' device='disk'>",
        "  <source dev='/dev/sdb'/>",
        "  <target dev='vda' bus='virtio'/>",
        '</disk>',
        "<disk type='block' device='cdrom'>",
        "  <source dev='/dev/cdrom'/>",
        "  <target dev='hdc' bus='ide'/>",
        '  <readonly/>',
        "  <address type='drive' controller='0' bus='1' target='0' unit='0'/>",
        '</disk>',
        "<controller type='ide' index='0'/>",
        "<serial type='dev'>",
        "  <source path='/dev/ttyS0'/>",
        "  <target port='0'/>",
        '</serial>',
        "<console type='dev'>",
        "  <source path='/dev/ttyS0'/>",
        "  <target type='serial' port='0'/>",
        '</console>',
      ]),
    );
  });

  it('still refuses a path with a control character', async () => {
    const xml = domainXml('ctl', "<disk type='file' device='disk'><source file='/tmp/a&#10;b'/><target dev='vda'/></disk>");
    await expectVirError(conn.domainDefineXML(xml), ErrorNumber.AccessDenied, ErrorDomain.Test, "access denied: path '/tmp/a\nb' contains a control character");
  });
});

describe('controllers', () => {
  it('orders controllers by index within their type and numbers those without one, USB2 companions sharing their master’s', async () => {
    const xml = domainXml(
      'ctl',
      "<controller type='scsi' index='2'/><controller type='usb' model='ich9-ehci1'/><controller type='usb' model='ich9-uhci1'/>" +
        "<controller type='scsi' index='0'/><controller type='usb' model='ich9-ehci1'/><controller type='scsi'/><controller type='virtio-serial'/>",
    );
    expect(await defineAndDump(xml)).toBe(
      formatted('ctl', [
        "<controller type='scsi' index='0'/>",
        "<controller type='scsi' index='2'/>",
        "<controller type='scsi' index='1'/>",
        "<controller type='usb' index='0' model='ich9-ehci1'/>",
        "<controller type='usb' index='0' model='ich9-uhci1'>",
        "  <master startport='0'/>",
        '</controller>',
        "<controller type='usb' index='1' model='ich9-ehci1'/>",
        "<controller type='virtio-serial' index='0'/>",
      ]),
    );
  });

  it('gives a controller without a type libvirt’s default, ide', async () => {
    expect(await defineAndDump(domainXml('ide', '<controller/>'))).toBe(formatted('ide', ["<controller type='ide' index='0'/>"]));
  });
});

describe('enumerated attributes', () => {
  const invalid = (attribute: string, element: string, value: string) =>
    [ErrorNumber.XmlError, ErrorDomain.Xml, `XML error: Invalid value for attribute '${attribute}' in element '${element}': '${value}'.`] as const;
  const refusals: Array<[string, string, readonly [number, number, string]]> = [
    ['a graphics type', "<graphics type='constructor'/>", invalid('type', 'graphics', 'constructor')],
    ['an empty graphics type', "<graphics type=''/>", invalid('type', 'graphics', '')],
    ['no graphics type', '<graphics/>', [ErrorNumber.XmlError, ErrorDomain.Xml, "XML error: Missing required attribute 'type' in element 'graphics'"]],
    ['a disk bus', "<disk type='file'><source file='/a'/><target dev='sda' bus='__proto__'/></disk>", invalid('bus', 'target', '__proto__')],
    ['the disk bus none', "<disk type='file'><source file='/a'/><target dev='sda' bus='none'/></disk>", invalid('bus', 'target', 'none')],
    ['the disk type none', "<disk type='none'><source file='/a'/><target dev='sda'/></disk>", invalid('type', 'disk', 'none')],
    ['a disk device', "<disk type='file' device='bogus'><source file='/a'/><target dev='sda'/></disk>", invalid('device', 'disk', 'bogus')],
    ['a controller type', "<controller type='bogus' index='0'/>", invalid('type', 'controller', 'bogus')],
    ['an interface type', "<interface type=''/>", invalid('type', 'interface', '')],
    [
      'a character device type',
      "<console type='bogus'/>",
      [ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, 'unsupported configuration: unknown type presented to host for character device: bogus'],
    ],
    [
      'a video model',
      "<video><model type='constructor'/></video>",
      [ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, "unsupported configuration: unknown video model 'constructor'"],
    ],
  ];
  for (const [label, devices, [code, domain, message]] of refusals) {
    it(`refuses ${label} as libvirt does (${code})`, async () => {
      await expectVirError(conn.domainDefineXML(domainXml('enum', devices)), code, domain, message);
    });
  }

  it('knows libvirt 9.0’s virt types: hvf, not ch', async () => {
    const typed = (type: string) => domainXml('virt', '').replace("type='test'", `type='${type}'`);
    expect(await defineAndDump(typed('hvf'))).toContain("<domain type='hvf'>");
    await expectVirError(
      conn.domainDefineXML(typed('ch')),
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Domain,
      'unsupported configuration: invalid domain type ch',
    );
  });
});

describe('device info', () => {
  it('keeps only user aliases, formats addresses as libvirt does, and keeps a serial port’s target type', async () => {
    const xml = domainXml(
      'info',
      "<disk type='file' device='disk'><source file='/tmp/a.img'/><target dev='sda' bus='scsi'/><alias name='ua-d1'/><address type='drive' controller='0' unit='1'/></disk>" +
        "<disk type='file' device='disk'><source file='/tmp/b.img'/><target dev='vda' bus='virtio'/><alias name='virtio-disk0'/>" +
        "<address type='pci' domain='0' bus='0' slot='5' function='0'/></disk>" +
        "<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target><alias name='serial0'/></serial>" +
        "<input type='mouse' bus='usb'><alias name='input0'/><address type='usb' bus='0' port='1'/></input>" +
        "<memballoon model='virtio'><alias name='ua-balloon'/><address type='pci' domain='0x0000' bus='0x00' slot='0x00' function='0x0'/></memballoon>",
    );
    expect(await defineAndDump(xml)).toBe(
      formatted('info', [
        "<disk type='file' device='disk'>",
        "  <source file='/tmp/a.img'/>",
        "  <target dev='sda' bus='scsi'/>",
        "  <alias name='ua-d1'/>",
        "  <address type='drive' controller='0' bus='0' target='0' unit='1'/>",
        '</disk>',
        "<disk type='file' device='disk'>",
        "  <source file='/tmp/b.img'/>",
        "  <target dev='vda' bus='virtio'/>",
        "  <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>",
        '</disk>',
        "<controller type='scsi' index='0'/>",
        "<serial type='pty'>",
        "  <target type='isa-serial' port='0'>",
        "    <model name='isa-serial'/>",
        '  </target>',
        '</serial>',
        "<console type='pty'>",
        "  <target type='serial' port='0'/>",
        '</console>',
        "<input type='mouse' bus='usb'>",
        "  <address type='usb' bus='0' port='1'/>",
        '</input>',
        "<memballoon model='virtio'>",
        "  <alias name='ua-balloon'/>",
        "  <address type='pci'/>",
        '</memballoon>',
      ]),
    );
  });
});

describe('text', () => {
  it('writes <metadata> as libxml2 dumps it for libvirt, and drops the blank text of a device', async () => {
    const xml =
      `<domain type='test'><name>m</name><uuid>${UUID}</uuid><memory>1024</memory><os><type>hvm</type></os>` +
      `<metadata><a:x xmlns:a='urn:a' v="it's &quot;q&quot; &lt;&gt;&amp;"><a:y>it's "t" &lt;&gt; &amp;</a:y><a:z>  </a:z>\n   <a:w/></a:x></metadata>` +
      "<devices><input type='mouse' bus='usb'>\n  </input></devices></domain>";
    const lines = formatted('m', ["<input type='mouse' bus='usb'/>"]).split('\n');
    lines.splice(
      3,
      0,
      '  <metadata>',
      `    <a:x xmlns:a="urn:a" v="it's &quot;q&quot; &lt;&gt;&amp;">`,
      `      <a:y>it's "t" &lt;&gt; &amp;</a:y>`,
      '      <a:z>  </a:z>',
      '      <a:w/>',
      '    </a:x>',
      '  </metadata>',
    );
    expect(await defineAndDump(xml)).toBe(lines.join('\n'));
  });
});

describe('implicit controllers', () => {
  it('adds every SCSI controller up to the one a drive address names, virtio-serial for a virtio channel, CCID for smartcards (each given a slot)', async () => {
    const xml = domainXml(
      'impl',
      "<disk type='file' device='disk'><source file='/tmp/a.img'/><target dev='sda' bus='scsi'/><address type='drive' controller='2' bus='0' target='0' unit='0'/></disk>" +
        "<smartcard mode='host'/><smartcard mode='host'/>" +
        "<channel type='pty'><target type='virtio' name='org.example.0'/><address type='virtio-serial' controller='1' bus='0' port='1'/></channel>",
    );
    expect(await defineAndDump(xml)).toBe(
      formatted('impl', [
        "<disk type='file' device='disk'>",
        "  <source file='/tmp/a.img'/>",
        "  <target dev='sda' bus='scsi'/>",
        "  <address type='drive' controller='2' bus='0' target='0' unit='0'/>",
        '</disk>',
        "<controller type='scsi' index='0'/>",
        "<controller type='scsi' index='1'/>",
        "<controller type='scsi' index='2'/>",
        "<controller type='virtio-serial' index='1'/>",
        "<controller type='ccid' index='0'/>",
        "<smartcard mode='host'>",
        "  <address type='ccid' controller='0' slot='0'/>",
        '</smartcard>',
        "<smartcard mode='host'>",
        "  <address type='ccid' controller='0' slot='1'/>",
        '</smartcard>',
        "<channel type='pty'>",
        "  <target type='virtio' name='org.example.0'/>",
        "  <address type='virtio-serial' controller='1' bus='0' port='1'/>",
        '</channel>',
      ]),
    );
  });
});

describe('video', () => {
  /** The `<model>` lines of a definition's videos as formatted back. */
  const models = async (os: string, devices: string) => {
    const xml = `<domain type='test'><name>v</name><uuid>${UUID}</uuid><memory>1024</memory>${os}<devices>${devices}</devices></domain>`;
    return (await defineAndDump(xml))
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
      conn.domainDefineXML(domainXml('v2', "<video><model type='vga' primary='yes'/></video><video><model type='qxl' primary='yes'/></video>")),
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Domain,
      'unsupported configuration: Only one primary video device is supported',
    );
  });
});

describe('cpu', () => {
  /** The `<cpu>` lines of a definition with `cpu`, as formatted back. */
  const cpuLines = async (cpu: string) => {
    const xml = `<domain type='test'><name>c</name><uuid>${UUID}</uuid><memory>4096</memory><vcpu>2</vcpu><os><type>hvm</type></os>${cpu}</domain>`;
    const text = await defineAndDump(xml);
    const start = text.indexOf('  <cpu');
    if (start === -1) return [];
    const end = text.indexOf('\n  <clock');
    return text.slice(start, end).split('\n');
  };

  it('fills libvirt’s defaults (custom mode, exact match, allow fallback, require policy, one die) and its order', async () => {
    expect(await cpuLines("<cpu match='minimum'><model>core2duo</model><feature name='lahf_lm'/><feature policy='disable' name='ds'/></cpu>")).toEqual([
      "  <cpu mode='custom' match='minimum'>",
      "    <model fallback='allow'>core2duo</model>",
      "    <feature policy='require' name='lahf_lm'/>",
      "    <feature policy='disable' name='ds'/>",
      '  </cpu>',
    ]);
    expect(await cpuLines("<cpu><topology sockets='2' cores='1' threads='1'/></cpu>")).toEqual([
      '  <cpu>',
      "    <topology sockets='2' dies='1' cores='1' threads='1'/>",
      '  </cpu>',
    ]);
    expect(
      await cpuLines(
        "<cpu><model fallback='forbid'>Haswell</model><maxphysaddr bits='42' mode='emulate'/><numa><cell id='1' cpus='1' memory='1' unit='MiB'/><cell id='0' cpus='0' memory='1024'/></numa></cpu>",
      ),
    ).toEqual([
      "  <cpu mode='custom' match='exact'>",
      "    <model fallback='forbid'>Haswell</model>",
      "    <maxphysaddr mode='emulate' bits='42'/>",
      '    <numa>',
      "      <cell id='0' cpus='0' memory='1024' unit='KiB'/>",
      "      <cell id='1' cpus='1' memory='1024' unit='KiB'/>",
      '    </numa>',
      '  </cpu>',
    ]);
  });

  it('drops an empty <cpu> and a host-passthrough CPU’s model', async () => {
    expect(await cpuLines('<cpu/>')).toEqual([]);
    expect(await cpuLines("<cpu mode='host-passthrough' migratable='on'><model>x</model></cpu>")).toEqual(["  <cpu mode='host-passthrough' migratable='on'/>"]);
  });
});

describe('disks', () => {
  it('orders disks as libvirt inserts them, drops image indexes, gives a floppy its bus and an iSCSI name its LUN', async () => {
    const xml = domainXml(
      'd',
      "<disk type='file' device='disk'><source file='/tmp/c.img' index='3'/><backingStore type='file' index='4'><format type='qcow2'/><source file='/tmp/base.img'/><backingStore/></backingStore><target dev='vdc'/></disk>" +
        "<disk type='file' device='disk'><readonly/><source file='/tmp/b.img'/><target dev='vdb' bus='virtio'/></disk>" +
        "<disk type='file' device='disk'><source file='/tmp/a.img'/><target dev='vda'/></disk>" +
        "<disk type='network' device='disk'><source protocol='iscsi' name='iqn.1992-01.com.example'><host name='h'/></source><target dev='sdb'/></disk>" +
        "<disk type='file' device='floppy'><source file='/tmp/f.img'/><target dev='fda'/></disk>" +
        "<disk type='file' device='disk'><source file='/tmp/s.img'/><target dev='sda' bus='scsi'/></disk>",
    );
    expect(await defineAndDump(xml)).toBe(
      formatted('d', [
        "<disk type='file' device='disk'>",
        "  <source file='/tmp/a.img'/>",
        "  <target dev='vda' bus='virtio'/>",
        '</disk>',
        "<disk type='file' device='floppy'>",
        "  <source file='/tmp/f.img'/>",
        "  <target dev='fda' bus='fdc'/>",
        "  <address type='drive' controller='0' bus='0' target='0' unit='0'/>",
        '</disk>',
        "<disk type='network' device='disk'>",
        "  <source protocol='iscsi' name='iqn.1992-01.com.example/0'>",
        "    <host name='h' port='3260'/>",
        '  </source>',
        "  <target dev='sdb' bus='scsi'/>",
        "  <address type='drive' controller='0' bus='0' target='0' unit='1'/>",
        '</disk>',
        "<disk type='file' device='disk'>",
        "  <source file='/tmp/c.img'/>",
        "  <backingStore type='file'>",
        "    <format type='qcow2'/>",
        "    <source file='/tmp/base.img'/>",
        '    <backingStore/>',
        '  </backingStore>',
        "  <target dev='vdc' bus='virtio'/>",
        '</disk>',
        "<disk type='file' device='disk'>",
        "  <source file='/tmp/b.img'/>",
        "  <target dev='vdb' bus='virtio'/>",
        '  <readonly/>',
        '</disk>',
        "<disk type='file' device='disk'>",
        "  <source file='/tmp/s.img'/>",
        "  <target dev='sda' bus='scsi'/>",
        "  <address type='drive' controller='0' bus='0' target='0' unit='0'/>",
        '</disk>',
        "<controller type='scsi' index='0'/>",
        "<controller type='fdc' index='0'/>",
      ]),
    );
  });
});

describe('host devices', () => {
  it('writes a subsystem device’s managed flag and libvirt’s attribute order, PCI and zPCI addresses, an iSCSI LUN; a boot order means no <boot dev>', async () => {
    const xml = domainXml(
      'hd',
      "<hostdev type='mdev' model='vfio-pci' display='on' mode='subsystem'><source><address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source></hostdev>" +
        "<hostdev mode='subsystem' type='pci'><source><address domain='33' bus='222' slot='31' function='1'/></source><boot order='1'/>" +
        "<address type='pci' domain='0' bus='0' slot='8' function='0'><zpci uid='1'/></address></hostdev>" +
        "<hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='iqn.1992-01.com.example'><host name='example.org' port='3260'/></source>" +
        "<address type='drive' controller='0' bus='0' target='0' unit='1'/></hostdev>",
    );
    const expected = formatted('hd', [
      "<controller type='scsi' index='0'/>",
      "<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='on'>",
      '  <source>',
      "    <address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/>",
      '  </source>',
      '</hostdev>',
      "<hostdev mode='subsystem' type='pci' managed='no'>",
      '  <source>',
      "    <address domain='0x0021' bus='0xde' slot='0x1f' function='0x1'/>",
      '  </source>',
      "  <boot order='1'/>",
      "  <address type='pci' domain='0x0000' bus='0x00' slot='0x08' function='0x0'>",
      "    <zpci uid='0x0001' fid='0x00000000'/>",
      '  </address>',
      '</hostdev>',
      "<hostdev mode='subsystem' type='scsi' managed='no'>",
      "  <source protocol='iscsi' name='iqn.1992-01.com.example/0'>",
      "    <host name='example.org' port='3260'/>",
      '  </source>',
      "  <address type='drive' controller='0' bus='0' target='0' unit='1'/>",
      '</hostdev>',
    ]).replace("    <boot dev='hd'/>\n", '');
    expect(await defineAndDump(xml)).toBe(expected);
  });
});

describe('memory and name', () => {
  it('takes the memory of a definition without <memory> from its NUMA cells', async () => {
    const xml =
      `<domain type='test'><name>n</name><uuid>${UUID}</uuid><vcpu>2</vcpu><os><type>hvm</type></os>` +
      "<cpu><numa><cell cpus='0' memory='512' unit='MiB'/><cell cpus='1' memory='524288'/></numa></cpu></domain>";
    const text = await defineAndDump(xml);
    expect(text).toContain("  <memory unit='KiB'>1048576</memory>\n  <currentMemory unit='KiB'>1048576</currentMemory>\n");
  });

  it('refuses memory devices larger than the memory, and a name with a slash, in libvirt’s words', async () => {
    await expectVirError(
      conn.domainDefineXML(domainXml('mm', "<memory model='dimm'><target><size unit='KiB'>2048</size><node>0</node></target></memory>")),
      ErrorNumber.XmlError,
      ErrorDomain.Domain,
      'XML error: Total size of memory devices exceeds the total memory size',
    );
    await expectVirError(
      conn.domainDefineXML(domainXml('foo/bar', '')),
      ErrorNumber.XmlError,
      ErrorDomain.Domain,
      "XML error: name foo/bar cannot contain '/'",
    );
  });
});

describe('serial ports and consoles', () => {
  it('turns a lone console into the first serial port and its alias', async () => {
    expect(await defineAndDump(domainXml('ch1', "<console type='file'><source path='/tmp/c.log'/></console>"))).toBe(
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
    expect(await defineAndDump(domainXml('ch2', devices))).toBe(
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
    const text = await defineAndDump(
      domainXml('ch4', "<console type='pty'><target port='7'/></console><console type='pty'><target type='virtio' port='0'/></console>"),
    );
    expect(text).toContain(
      "<console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n    <console type='pty'>\n      <target type='virtio' port='1'/>",
    );
  });

  it('gives a PCI serial port no console, and numbers parallel ports', async () => {
    expect(await defineAndDump(domainXml('ch3', "<serial type='pty'><target type='pci-serial'/></serial><parallel type='pty'/><parallel type='pty'/>"))).toBe(
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
    expect(await defineAndDump(xml)).toBe(
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
      conn.domainDefineXML(domainXml('g2', "<graphics type='vnc' listen='1.2.3.4'><listen type='address' address='127.0.0.1'/></graphics>")),
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
    expect(await defineAndDump(xml)).toBe(
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
      await expectVirError(conn.domainDefineXML(domainXml('cr', devices)), ErrorNumber.InternalError, ErrorDomain.Domain, message);
    });
  }
});

describe('interfaces', () => {
  it('keeps a given target name unless libvirt generated it, names the others testnetN as the test driver does, in libvirt’s child order', async () => {
    const xml = domainXml(
      'n',
      "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/><bandwidth><inbound average='1000'/></bandwidth><target dev='vnet3'/></interface>" +
        "<interface type='ethernet'><mac address='52:54:00:00:00:02'/><target dev='mytap0' managed='no'/><guest dev='eth0'/></interface>" +
        "<interface type='user'><mac address='52:54:00:00:00:03'/><target dev='testnet0'/></interface>",
    );
    expect(await defineAndDump(xml)).toBe(
      formatted('n', [
        "<interface type='user'>",
        "  <mac address='52:54:00:00:00:01'/>",
        '  <bandwidth>',
        "    <inbound average='1000'/>",
        '  </bandwidth>',
        "  <target dev='testnet1'/>",
        "  <model type='virtio'/>",
        '</interface>',
        "<interface type='ethernet'>",
        "  <mac address='52:54:00:00:00:02'/>",
        "  <target dev='mytap0' managed='no'/>",
        "  <guest dev='eth0'/>",
        '</interface>',
        "<interface type='user'>",
        "  <mac address='52:54:00:00:00:03'/>",
        "  <target dev='testnet0'/>",
        '</interface>',
      ]),
    );
  });
});

describe('checks of a complete definition', () => {
  const unsupportedConfig = (message: string) => [ErrorNumber.ConfigUnsupported, ErrorDomain.Domain, `unsupported configuration: ${message}`] as const;
  const refusals: Array<[string, string, string, readonly [number, number, string]]> = [
    [
      'two PCI controllers with one index',
      '',
      "<controller type='pci' index='0' model='pci-root'/><controller type='pci' index='1' model='pci-bridge'/><controller type='pci' index='1' model='pci-bridge'/>",
      [ErrorNumber.XmlError, ErrorDomain.Domain, "XML error: Multiple 'pci' controllers with index '1'"],
    ],
    [
      'one boot order on two devices',
      '',
      "<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><boot order='1'/></disk><interface type='user'><boot order='1'/></interface>",
      unsupportedConfig("boot order '1' used for more than one device"),
    ],
    [
      'device boot orders beside <os><boot>',
      "<boot dev='hd'/>",
      "<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><boot order='1'/></disk>",
      unsupportedConfig('per-device boot elements cannot be used together with os/boot elements'),
    ],
    [
      'a floppy on a PCI address',
      '',
      "<disk type='file' device='floppy'><source file='/a'/><target dev='fda'/><address type='pci' domain='0' bus='0' slot='5' function='0'/></disk>",
      unsupportedConfig("Invalid address type 'pci' for the disk 'fda' with the bus type 'fdc'"),
    ],
  ];
  for (const [label, os, devices, [code, domain, message]] of refusals) {
    it(`refuses ${label} as libvirt does`, async () => {
      const xml = `<domain type='test'><name>v</name><memory>1024</memory><os><type>hvm</type>${os}</os><devices>${devices}</devices></domain>`;
      await expectVirError(conn.domainDefineXML(xml), code, domain, message);
    });
  }
});

describe('disk defaults', () => {
  it('makes a disk without source a file disk, a vhost-user disk unsnapshottable, and leaves out a read-only disk’s snapshot=no', async () => {
    const xml = domainXml(
      'dd',
      "<disk type='network' device='cdrom'><target dev='hdc'/></disk><disk type='file' device='cdrom' snapshot='no'><source file='/a.iso'/><target dev='hdd'/></disk>" +
        "<disk type='vhostuser' device='disk'><source type='unix' path='/tmp/vhost.sock'><reconnect enabled='yes' timeout='10'/></source><target dev='vda' bus='virtio'/></disk>",
    );
    expect(await defineAndDump(xml)).toBe(
      formatted('dd', [
        "<disk type='file' device='cdrom'>",
        "  <target dev='hdc' bus='ide'/>",
        '  <readonly/>',
        "  <address type='drive' controller='0' bus='1' target='0' unit='0'/>",
        '</disk>',
        "<disk type='file' device='cdrom'>",
        "  <source file='/a.iso'/>",
        "  <target dev='hdd' bus='ide'/>",
        '  <readonly/>',
        "  <address type='drive' controller='0' bus='1' target='0' unit='1'/>",
        '</disk>',
        "<disk type='vhostuser' device='disk' snapshot='no'>",
        "  <source type='unix' path='/tmp/vhost.sock'>",
        "    <reconnect enabled='yes' timeout='10'/>",
        '  </source>',
        "  <target dev='vda' bus='virtio'/>",
        '</disk>',
        "<controller type='ide' index='0'/>",
      ]),
    );
  });
});

describe('os', () => {
  /** The `<os>` lines of a definition with `os`, as formatted back. */
  const osLines = async (name: string, os: string) => {
    const text = await defineAndDump(`<domain type='test'><name>${name}</name><uuid>${UUID}</uuid><memory>1024</memory>${os}</domain>`);
    return text.slice(text.indexOf('  <os'), text.indexOf('  </os>')).split('\n');
  };

  it('writes firmware after the type, enrolled keys implying secure boot, a ROM loader by default, and keeps an NVRAM source', async () => {
    expect(await osLines('o1', "<os firmware='efi'><type>hvm</type><firmware><feature enabled='yes' name='enrolled-keys'/></firmware></os>")).toEqual([
      "  <os firmware='efi'>",
      "    <type arch='i686'>hvm</type>",
      '    <firmware>',
      "      <feature enabled='yes' name='enrolled-keys'/>",
      "      <feature enabled='yes' name='secure-boot'/>",
      '    </firmware>',
      "    <boot dev='hd'/>",
      '',
    ]);
    expect(
      await osLines(
        'o2',
        "<os><type>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader><nvram type='file'><source file='/var/lib/libvirt/nvram/guest_VARS.fd'/></nvram></os>",
      ),
    ).toEqual([
      '  <os>',
      "    <type arch='i686'>hvm</type>",
      "    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>",
      "    <nvram type='file'>",
      "      <source file='/var/lib/libvirt/nvram/guest_VARS.fd'/>",
      '    </nvram>',
      "    <boot dev='hd'/>",
      '',
    ]);
    expect(await osLines('o3', '<os><type>hvm</type><loader>/usr/share/seabios/bios.bin</loader></os>')).toContain(
      "    <loader type='rom'>/usr/share/seabios/bios.bin</loader>",
    );
  });

  it('refuses enrolled keys with secure boot disabled', async () => {
    const xml =
      "<domain type='test'><name>o4</name><memory>1024</memory><os firmware='efi'><type>hvm</type><firmware><feature enabled='yes' name='enrolled-keys'/><feature enabled='no' name='secure-boot'/></firmware></os></domain>";
    await expectVirError(
      conn.domainDefineXML(xml),
      ErrorNumber.XmlDetail,
      ErrorDomain.Domain,
      "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled",
    );
  });
});

describe('disk details libvirt keeps', () => {
  it('keeps a disk’s model, its driver’s children, transient attributes and boot loadparm, drops a default cache, orders source children', async () => {
    const xml = domainXml(
      'dk',
      "<disk type='file' device='disk' model='virtio-transitional'><driver name='qemu' type='qcow2' cache='default'><metadata_cache><max_size unit='bytes'>1000</max_size></metadata_cache></driver>" +
        "<source file='/tmp/a.qcow2'/><target dev='vda' bus='virtio'/><transient shareBacking='yes'/><boot order='1' loadparm='SYSTEM1'/></disk>" +
        "<disk type='network' device='disk'><source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/1'><host name='example.com' port='3260'/>" +
        "<auth username='myname'><secret type='iscsi' usage='mycluster_myname'/></auth><initiator><iqn name='iqn.2013-07.com.example:client'/></initiator></source>" +
        "<target dev='vdb' bus='virtio'/></disk>",
    );
    expect(await defineAndDump(xml)).toBe(
      formatted('dk', [
        "<disk type='file' device='disk' model='virtio-transitional'>",
        "  <driver name='qemu' type='qcow2'>",
        '    <metadata_cache>',
        "      <max_size unit='bytes'>1000</max_size>",
        '    </metadata_cache>',
        '  </driver>',
        "  <source file='/tmp/a.qcow2'/>",
        "  <target dev='vda' bus='virtio'/>",
        "  <transient shareBacking='yes'/>",
        "  <boot order='1' loadparm='SYSTEM1'/>",
        '</disk>',
        "<disk type='network' device='disk'>",
        "  <source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/1'>",
        "    <host name='example.com' port='3260'/>",
        '    <initiator>',
        "      <iqn name='iqn.2013-07.com.example:client'/>",
        '    </initiator>',
        "    <auth username='myname'>",
        "      <secret type='iscsi' usage='mycluster_myname'/>",
        '    </auth>',
        '  </source>',
        "  <target dev='vdb' bus='virtio'/>",
        '</disk>',
      ]).replace("    <boot dev='hd'/>\n", ''),
    );
  });
});

describe('memory dumpCore and block-job mirrors', () => {
  it('keeps <memory dumpCore> and drops a disk’s <mirror> from a definition, as libvirt does', async () => {
    const xml = domainXml(
      'mc',
      "<disk type='file' device='disk'><source file='/tmp/a.img'/><mirror file='/tmp/copy.img' ready='yes'/><target dev='vda'/></disk>",
    ).replace('<memory>1024</memory>', "<memory dumpCore='off' unit='KiB'>1024</memory>");
    expect(await defineAndDump(xml)).toBe(
      formatted('mc', ["<disk type='file' device='disk'>", "  <source file='/tmp/a.img'/>", "  <target dev='vda' bus='virtio'/>", '</disk>']).replace(
        "<memory unit='KiB'>",
        "<memory dumpCore='off' unit='KiB'>",
      ),
    );
  });
});

describe('boot loadparm', () => {
  it('upper-cases an interface’s loadparm and refuses a bad one as libvirt does', async () => {
    const text = await defineAndDump(
      domainXml('lp', "<interface type='user'><mac address='52:54:00:00:00:01'/><boot order='1' loadparm='system1'/></interface>"),
    );
    expect(text).toContain("      <boot order='1' loadparm='SYSTEM1'/>\n");
    await expectVirError(
      conn.domainDefineXML(domainXml('lp2', "<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><boot order='1' loadparm='a#b'/></disk>")),
      ErrorNumber.InternalError,
      ErrorDomain.Domain,
      "internal error: invalid loadparm value 'A#B', expecting chars in set of [a-zA-Z0-9.] and blank spaces",
    );
  });
});

describe('rng', () => {
  it('gives a random backend /dev/random and writes an egd backend as a character device source', async () => {
    const xml = domainXml(
      'r',
      "<rng model='virtio'><backend model='random'/></rng><rng model='virtio'><rate bytes='123' period='1234'/><backend model='egd' type='tcp'><source host='1.2.3.4' service='1234'/></backend></rng>",
    );
    expect(await defineAndDump(xml)).toBe(
      formatted('r', [
        "<rng model='virtio'>",
        "  <backend model='random'>/dev/random</backend>",
        '</rng>',
        "<rng model='virtio'>",
        "  <rate bytes='123' period='1234'/>",
        "  <backend model='egd' type='tcp'>",
        "    <source mode='connect' host='1.2.3.4' service='1234'/>",
        "    <protocol type='raw'/>",
        '  </backend>',
        '</rng>',
      ]),
    );
  });

  it('refuses an egd backend on a unix socket without a path', async () => {
    const xml = domainXml('r2', "<rng model='virtio'><backend model='egd' type='unix'><source mode='connect' host='1.2.3.4' service='1234'/></backend></rng>");
    await expectVirError(
      conn.domainDefineXML(xml),
      ErrorNumber.InternalError,
      ErrorDomain.Domain,
      'internal error: Missing source path attribute for char device',
    );
  });
});

describe('filesystems and hyperv', () => {
  it('completes filesystems and <hyperv> as libvirt does', async () => {
    const xml =
      `<domain type='test'><name>f</name><uuid>${UUID}</uuid><memory>1024</memory><os><type>hvm</type></os><features><hyperv><relaxed state='on'/></hyperv></features>` +
      "<devices><filesystem accessmode='mapped' fmode='644' dmode='755'><source dir='/export/fs1'/><target dir='fs1'/></filesystem>" +
      "<filesystem><source dir='/export/fs2'/><target dir='fs2'/></filesystem></devices></domain>";
    const text = await defineAndDump(xml);
    expect(text).toContain("  <features>\n    <hyperv mode='custom'>\n      <relaxed state='on'/>\n    </hyperv>\n  </features>\n");
    expect(text).toContain(
      "    <filesystem type='mount' accessmode='mapped' fmode='0644' dmode='0755'>\n      <source dir='/export/fs1'/>\n      <target dir='fs1'/>\n    </filesystem>\n" +
        "    <filesystem type='mount' accessmode='passthrough'>\n",
    );
    const passthrough = await defineAndDump(
      `<domain type='test'><name>f2</name><uuid>${UUID}</uuid><memory>1024</memory><os><type>hvm</type></os><features><hyperv mode='passthrough'/></features></domain>`,
    );
    expect(passthrough).toContain("    <hyperv mode='passthrough'>\n    </hyperv>\n");
  });
});

describe('loader and NVRAM checks', () => {
  const refusals: Array<[string, string]> = [
    ["<os firmware='bios'><type>hvm</type><nvram>/tmp/v.fd</nvram></os>", "firmware type 'bios' does not support nvram"],
    ["<os><type>hvm</type><loader type='pflash'/></os>", 'no loader path specified and firmware auto selection disabled'],
    ["<os><type>hvm</type><loader type='rom' stateless='no'>/a.bin</loader></os>", 'Only pflash loader type permits NVRAM'],
    ['<os><type>hvm</type><nvram>/tmp/v.fd</nvram></os>', 'no loader path specified and firmware auto selection disabled'],
  ];
  for (const [os, message] of refusals) {
    it(`refuses ${os} as libvirt does`, async () => {
      await expectVirError(
        conn.domainDefineXML(`<domain type='test'><name>fw</name><memory>1024</memory>${os}</domain>`),
        ErrorNumber.XmlDetail,
        ErrorDomain.Domain,
        message,
      );
    });
  }

  it('drops <firmware> features without firmware autoselection, as libvirt’s test driver does', async () => {
    const text = await defineAndDump(
      `<domain type='test'><name>fw2</name><uuid>${UUID}</uuid><memory>1024</memory><os><type>hvm</type><firmware><feature enabled='no' name='enrolled-keys'/></firmware></os></domain>`,
    );
    expect(text).toContain("  <os>\n    <type arch='i686'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n");
  });
});
