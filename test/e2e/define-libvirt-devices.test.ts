// Classes of libvirt's own domain test inputs (scripts/libvirt-corpus/domains.mjs): devices defined on a real virtwired as libvirt 9.0's test driver defines them.
import { ErrorDomain, ErrorNumber } from '@virtwire/client';
import { describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { UUID, domainXml, formatted, testDriverSession } from '../helpers/libvirt-inputs.js';

const t = testDriverSession();

describe('controllers', () => {
  it('orders controllers by index within their type and numbers those without one, USB2 companions sharing their master’s', async () => {
    const xml = domainXml(
      'ctl',
      "<controller type='scsi' index='2'/><controller type='usb' model='ich9-ehci1'/><controller type='usb' model='ich9-uhci1'/>" +
        "<controller type='scsi' index='0'/><controller type='usb' model='ich9-ehci1'/><controller type='scsi'/><controller type='virtio-serial'/>",
    );
    expect(await t.defineAndDump(xml)).toBe(
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
    expect(await t.defineAndDump(domainXml('ide', '<controller/>'))).toBe(formatted('ide', ["<controller type='ide' index='0'/>"]));
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
    expect(await t.defineAndDump(xml)).toBe(
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

describe('implicit controllers', () => {
  it('appends an implicit controller after the given ones, as virDomainDefAddController does', async () => {
    const xml = domainXml(
      'ap',
      "<controller type='virtio-serial' index='1'/><controller type='pci' index='0' model='pci-root'/><channel type='pty'><target type='virtio' name='a'/></channel>",
    );
    expect(await t.defineAndDump(xml)).toBe(
      formatted('ap', [
        "<controller type='virtio-serial' index='1'/>",
        "<controller type='pci' index='0' model='pci-root'/>",
        "<controller type='virtio-serial' index='0'/>",
        "<channel type='pty'>",
        "  <target type='virtio' name='a'/>",
        '</channel>',
      ]),
    );
  });

  it('adds every SCSI controller up to the one a drive address names, virtio-serial for a virtio channel, CCID for smartcards (each given a slot)', async () => {
    const xml = domainXml(
      'impl',
      "<disk type='file' device='disk'><source file='/tmp/a.img'/><target dev='sda' bus='scsi'/><address type='drive' controller='2' bus='0' target='0' unit='0'/></disk>" +
        "<smartcard mode='host'/><smartcard mode='host'/>" +
        "<channel type='pty'><target type='virtio' name='org.example.0'/><address type='virtio-serial' controller='1' bus='0' port='1'/></channel>",
    );
    expect(await t.defineAndDump(xml)).toBe(
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
    expect(await t.defineAndDump(xml)).toBe(
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
    expect(await t.defineAndDump(xml)).toBe(expected);
  });
});

describe('interfaces', () => {
  it('keeps a given target name unless libvirt generated it, names the others testnetN as the test driver does, in libvirt’s child order', async () => {
    const xml = domainXml(
      'n',
      "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/><bandwidth><inbound average='1000'/></bandwidth><target dev='vnet3'/></interface>" +
        "<interface type='ethernet'><mac address='52:54:00:00:00:02'/><target dev='mytap0' managed='no'/><guest dev='eth0'/></interface>" +
        "<interface type='user'><mac address='52:54:00:00:00:03'/><target dev='testnet0'/></interface>",
    );
    expect(await t.defineAndDump(xml)).toBe(
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

describe('disk defaults', () => {
  it('makes a disk without source a file disk, a vhost-user disk unsnapshottable, and leaves out a read-only disk’s snapshot=no', async () => {
    const xml = domainXml(
      'dd',
      "<disk type='network' device='cdrom'><target dev='hdc'/></disk><disk type='file' device='cdrom' snapshot='no'><source file='/a.iso'/><target dev='hdd'/></disk>" +
        "<disk type='vhostuser' device='disk'><source type='unix' path='/tmp/vhost.sock'><reconnect enabled='yes' timeout='10'/></source><target dev='vda' bus='virtio'/></disk>",
    );
    expect(await t.defineAndDump(xml)).toBe(
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
    expect(await t.defineAndDump(xml)).toBe(
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
    expect(await t.defineAndDump(xml)).toBe(
      formatted('mc', ["<disk type='file' device='disk'>", "  <source file='/tmp/a.img'/>", "  <target dev='vda' bus='virtio'/>", '</disk>']).replace(
        "<memory unit='KiB'>",
        "<memory dumpCore='off' unit='KiB'>",
      ),
    );
  });
});

describe('boot loadparm', () => {
  it('upper-cases an interface’s loadparm and refuses a bad one as libvirt does', async () => {
    const text = await t.defineAndDump(
      domainXml('lp', "<interface type='user'><mac address='52:54:00:00:00:01'/><boot order='1' loadparm='system1'/></interface>"),
    );
    expect(text).toContain("      <boot order='1' loadparm='SYSTEM1'/>\n");
    await expectVirError(
      t.conn.domainDefineXML(domainXml('lp2', "<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><boot order='1' loadparm='a#b'/></disk>")),
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
    expect(await t.defineAndDump(xml)).toBe(
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
      t.conn.domainDefineXML(xml),
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
    const text = await t.defineAndDump(xml);
    expect(text).toContain("  <features>\n    <hyperv mode='custom'>\n      <relaxed state='on'/>\n    </hyperv>\n  </features>\n");
    expect(text).toContain(
      "    <filesystem type='mount' accessmode='mapped' fmode='0644' dmode='0755'>\n      <source dir='/export/fs1'/>\n      <target dir='fs1'/>\n    </filesystem>\n" +
        "    <filesystem type='mount' accessmode='passthrough'>\n",
    );
    const passthrough = await t.defineAndDump(
      `<domain type='test'><name>f2</name><uuid>${UUID}</uuid><memory>1024</memory><os><type>hvm</type></os><features><hyperv mode='passthrough'/></features></domain>`,
    );
    expect(passthrough).toContain("    <hyperv mode='passthrough'>\n    </hyperv>\n");
  });
});
