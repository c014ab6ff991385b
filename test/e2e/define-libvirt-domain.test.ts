// Classes of libvirt's own domain test inputs (scripts/libvirt-corpus/domains.mjs): paths, enumerations, text, CPU, memory, OS and whole-definition checks, as libvirt 9.0's test driver defines them.
import { ErrorDomain, ErrorNumber } from '@virtwire/client';
import { describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { UUID, domainXml, formatted, testDriverSession } from '../helpers/libvirt-inputs.js';

const t = testDriverSession();

describe('paths the test driver only records', () => {
  it('defines block disks and host character devices on /dev, as libvirt’s test driver does (578 of its inputs name /dev/HostVG/…)', async () => {
    const xml = domainXml(
      'blk',
      "<disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='vda'/></disk>" +
        "<disk type='block' device='cdrom'><source dev='/dev/cdrom'/><target dev='hdc'/></disk>" +
        "<serial type='dev'><source path='/dev/ttyS0'/></serial>",
    );
    expect(await t.defineAndDump(xml)).toBe(
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
    await expectVirError(
      t.conn.domainDefineXML(xml),
      ErrorNumber.AccessDenied,
      ErrorDomain.Test,
      "access denied: path '/tmp/a\nb' contains a control character",
    );
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
      await expectVirError(t.conn.domainDefineXML(domainXml('enum', devices)), code, domain, message);
    });
  }

  it('knows libvirt 9.0’s virt types: hvf, not ch', async () => {
    const typed = (type: string) => domainXml('virt', '').replace("type='test'", `type='${type}'`);
    expect(await t.defineAndDump(typed('hvf'))).toContain("<domain type='hvf'>");
    await expectVirError(
      t.conn.domainDefineXML(typed('ch')),
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Domain,
      'unsupported configuration: invalid domain type ch',
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
    expect(await t.defineAndDump(xml)).toBe(lines.join('\n'));
  });
});

describe('cpu', () => {
  /** The `<cpu>` lines of a definition with `cpu`, as formatted back. */
  const cpuLines = async (cpu: string) => {
    const xml = `<domain type='test'><name>c</name><uuid>${UUID}</uuid><memory>4096</memory><vcpu>2</vcpu><os><type>hvm</type></os>${cpu}</domain>`;
    const text = await t.defineAndDump(xml);
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

describe('memory and name', () => {
  it('takes the memory of a definition without <memory> from its NUMA cells', async () => {
    const xml =
      `<domain type='test'><name>n</name><uuid>${UUID}</uuid><vcpu>2</vcpu><os><type>hvm</type></os>` +
      "<cpu><numa><cell cpus='0' memory='512' unit='MiB'/><cell cpus='1' memory='524288'/></numa></cpu></domain>";
    const text = await t.defineAndDump(xml);
    expect(text).toContain("  <memory unit='KiB'>1048576</memory>\n  <currentMemory unit='KiB'>1048576</currentMemory>\n");
  });

  it('refuses memory devices larger than the memory, and a name with a slash, in libvirt’s words', async () => {
    await expectVirError(
      t.conn.domainDefineXML(domainXml('mm', "<memory model='dimm'><target><size unit='KiB'>2048</size><node>0</node></target></memory>")),
      ErrorNumber.XmlError,
      ErrorDomain.Domain,
      'XML error: Total size of memory devices exceeds the total memory size',
    );
    await expectVirError(
      t.conn.domainDefineXML(domainXml('foo/bar', '')),
      ErrorNumber.XmlError,
      ErrorDomain.Domain,
      "XML error: name foo/bar cannot contain '/'",
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
      await expectVirError(t.conn.domainDefineXML(xml), code, domain, message);
    });
  }
});

describe('os', () => {
  /** The `<os>` lines of a definition with `os`, as formatted back. */
  const osLines = async (name: string, os: string) => {
    const text = await t.defineAndDump(`<domain type='test'><name>${name}</name><uuid>${UUID}</uuid><memory>1024</memory>${os}</domain>`);
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
      t.conn.domainDefineXML(xml),
      ErrorNumber.XmlDetail,
      ErrorDomain.Domain,
      "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled",
    );
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
        t.conn.domainDefineXML(`<domain type='test'><name>fw</name><memory>1024</memory>${os}</domain>`),
        ErrorNumber.XmlDetail,
        ErrorDomain.Domain,
        message,
      );
    });
  }

  it('drops <firmware> features without firmware autoselection, as libvirt’s test driver does', async () => {
    const text = await t.defineAndDump(
      `<domain type='test'><name>fw2</name><uuid>${UUID}</uuid><memory>1024</memory><os><type>hvm</type><firmware><feature enabled='no' name='enrolled-keys'/></firmware></os></domain>`,
    );
    expect(text).toContain("  <os>\n    <type arch='i686'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n");
  });
});

describe('architecture', () => {
  it('gives every OS type the test driver’s i686, as libvirt does', async () => {
    for (const type of ['exe', 'linux', 'uml']) {
      const text = await t.defineAndDump(`<domain type='test'><name>a</name><memory>1024</memory><os><type>${type}</type><init>/bin/sh</init></os></domain>`);
      expect(text).toContain(`<type arch='i686'>${type}</type>`);
    }
  });
});
