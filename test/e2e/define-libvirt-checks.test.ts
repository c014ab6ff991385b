// libvirt 9.0's define-time checks on a real virtwired's test driver, one case per class (errors recorded with python3-libvirt on test:///default).
import { describe, expect, it } from 'vitest';
import { failure } from '../helpers/errors.js';
import { domainXml, testDriverSession } from '../helpers/libvirt-inputs.js';

const t = testDriverSession();

/** `[code, domain, message]` of defining `devices` (and `extra` after `<os>`), or 'ok' (the domain is undefined again). */
async function define(devices: string, extra = ''): Promise<[number, number, string] | 'ok'> {
  const xml = domainXml('checks', devices, extra);
  try {
    await t.defineAndDump(xml);
    return 'ok';
  } catch {
    const e = await failure(t.conn.domainDefineXML(xml));
    return [e.code, e.domain, e.message];
  }
}

const drive = (unit: string) => `<address type='drive' controller='0' bus='0' target='0' unit='${unit}'/>`;
const scsiHost = (unit: string, address: string) =>
  `<hostdev mode='subsystem' type='scsi'><source><adapter name='h'/><address bus='0' target='0' unit='${unit}'/></source>${address}</hostdev>`;

describe('define-time checks, as libvirt’s test driver makes them', () => {
  it.each([
    [
      'a PCI address past its range',
      "<interface type='user'><address type='pci' bus='0x100' slot='1'/></interface>",
      [27, 0, "XML error: Invalid PCI address bus='0x100', must be <= 0xFF"],
    ],
    [
      'an address number that is not one',
      "<interface type='user'><address type='pci' slot='x'/></interface>",
      [27, 5, "XML error: Invalid value for attribute 'slot' in element 'address': 'x'. Expected non-negative integer value"],
    ],
    [
      'a negative controller index',
      "<controller type='pci' index='-1' model='pci-root'/>",
      [27, 5, "XML error: Invalid value for attribute 'index' in element 'controller': '-1'. Expected non-negative value"],
    ],
    [
      'a USB port path too deep',
      "<input type='tablet' bus='usb'><address type='usb' bus='0' port='1.2.3.4.5'/></input>",
      [1, 49, "internal error: Cannot parse <address> 'port' attribute"],
    ],
    [
      'a host device named twice',
      "<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source></hostdev>".repeat(2),
      [27, 20, 'XML error: Hostdev already exists in the domain configuration'],
    ],
    [
      'two SCSI host devices at one drive address',
      scsiHost('1', drive('0')) + scsiHost('2', drive('0')),
      [67, 20, "unsupported configuration: SCSI host address controller='0' bus='0' target='0' unit='0' in use by another SCSI host device"],
    ],
    ['a disk without a source', "<disk type='file' device='disk'><target dev='vda'/></disk>", [19, 20, 'missing source information for device vda']],
    [
      'a LUN on a file',
      "<disk type='file' device='lun'><source file='/tmp/a.img'/><target dev='sda'/></disk>",
      [67, 20, "unsupported configuration: disk device='lun' is only valid for block type disk source"],
    ],
    [
      'an iSCSI secret of Ceph',
      "<disk type='network'><source protocol='iscsi' name='iqn.2000-01.x:t/1'><host name='h'/><auth username='u'><secret type='ceph' usage='x'/></auth></source><target dev='vda'/></disk>",
      [67, 20, "unsupported configuration: invalid secret type 'ceph'"],
    ],
    [
      'a source passed as file descriptors',
      "<disk type='file'><source file='/tmp/a.img' fdgroup='g'/><target dev='vda'/></disk>",
      [67, 20, "unsupported configuration: driver does not support FD passing for disk 'vda'"],
    ],
    [
      'a USB tablet with USB disabled',
      "<controller type='usb' model='none'/><input type='tablet'/>",
      [67, 20, "unsupported configuration: Can't add USB input device. USB bus is disabled"],
    ],
    [
      'a USB redirection without USB',
      "<controller type='usb' model='none'/><redirdev bus='usb' type='spicevmc'/>",
      [67, 20, 'unsupported configuration: cannot add redirected USB device: USB is disabled for this domain'],
    ],
    ['only a companion USB controller', "<controller type='usb' index='0' model='ich9-uhci1'/>", [35, 20, 'No master USB controller specified']],
    [
      'a PCI root with an address',
      "<controller type='pci' index='0' model='pci-root'><address type='pci' slot='1'/></controller>",
      [67, 20, 'unsupported configuration: pci-root and pcie-root controllers should not have an address'],
    ],
    [
      'a PCI target index past 30',
      "<controller type='pci' index='0' model='pci-root'/><controller type='pci' index='1' model='pci-root'><target index='31'/></controller>",
      [67, 20, "unsupported configuration: PCI controller target index '31' out of range - must be 0-30"],
    ],
    [
      'a UNIX redirection without a path',
      "<controller type='usb' model='qemu-xhci'/><redirdev type='unix'><source mode='connect'/></redirdev>",
      [1, 20, 'internal error: Missing source path attribute for char device'],
    ],
    [
      'a reconnecting source without a timeout',
      "<serial type='tcp'><source mode='connect' host='h' service='4000'><reconnect enabled='yes'/></source></serial>",
      [27, 5, "XML error: Missing required attribute 'timeout' in element 'reconnect'"],
    ],
    [
      'shmem msi without a server',
      "<shmem name='a'><model type='ivshmem-doorbell'/><msi vectors='2'/></shmem>",
      [27, 20, 'XML error: msi option is only supported with a server'],
    ],
    ['a TPM without a backend', "<tpm model='tpm-tis'/>", [27, 20, 'XML error: missing TPM device backend']],
    [
      'a none video beside another',
      "<video><model type='none'/></video><video><model type='vga'/></video>",
      [67, 20, "unsupported configuration: a 'none' video type must be the only video device defined for the domain"],
    ],
    [
      'a negative virtio NIC queue count',
      "<interface type='user'><model type='virtio'/><driver queues='-5'/></interface>",
      [27, 5, "XML error: Invalid value for attribute 'queues' in element 'driver': '-5'. Expected non-negative integer value"],
    ],
    [
      'a memory device without guest NUMA',
      "<memory model='dimm'><target><size unit='KiB'>512</size><node>1</node></target></memory>",
      [35, 20, "can't add memory backend as guest has no NUMA nodes configured"],
    ],
    [
      'two seclabel overrides for a model',
      "<disk type='file'><source file='/tmp/a'><seclabel model='selinux'/><seclabel model='selinux'/></source><target dev='vda'/></disk>",
      [35, 20, 'seclabel for model selinux is already provided'],
    ],
    [
      'a network listen without a network',
      "<graphics type='vnc'><listen type='network'/></graphics>",
      [27, 20, "XML error: 'network' attribute is required for listen type 'network'"],
    ],
    [
      'the passt backend, as the recorded libvirt 9.0 does',
      "<interface type='user'><backend type='passt'/></interface>",
      [27, 20, "XML error: Invalid value for attribute 'type' in element 'backend': 'passt'."],
    ],
    [
      'a BIOS date out of range',
      '',
      [35, 20, "Invalid BIOS 'date' format"],
      "<sysinfo type='smbios'><bios><entry name='date'>999/999/123</entry></bios></sysinfo>",
    ],
    [
      'a system UUID that is not the domain’s',
      '',
      [35, 20, 'UUID mismatch between <uuid> and <sysinfo>'],
      "<sysinfo type='smbios'><system><entry name='uuid'>a94b4335-6a14-8bc4-d6da-f7ea590b6816</entry></system></sysinfo>",
    ],
  ])('refuses %s', async (_name, devices, expected, extra = '') => {
    expect(await define(devices, extra)).toEqual(expected);
  });

  it('gives an input without a bus libvirt’s default for the guest', async () => {
    const xml = await t.defineAndDump(domainXml('inputs', "<input type='tablet'/><input type='mouse'/>"));
    expect(xml).toContain("<input type='tablet' bus='usb'/>\n    <input type='mouse' bus='ps2'/>");
  });

  it('writes a USB redirection as libvirt does: a character device source, open even when empty', async () => {
    const xml = await t.defineAndDump(
      domainXml(
        'redir',
        "<controller type='usb' model='qemu-xhci'/><redirdev type='spicevmc'/><redirdev type='unix'><source path='/tmp/r'/><protocol type='raw'/></redirdev>",
      ),
    );
    expect(xml).toContain(
      "<redirdev bus='usb' type='spicevmc'>\n    </redirdev>\n    <redirdev bus='usb' type='unix'>\n      <source mode='connect' path='/tmp/r'/>\n    </redirdev>",
    );
  });

  it('writes memtune in KiB and features in libvirt’s order with their state', async () => {
    const xml = await t.defineAndDump(
      domainXml('units', '', '<features><pmu/><hap/></features>').replace('<os>', "<memtune><soft_limit unit='MiB'>3</soft_limit></memtune><os>"),
    );
    expect(xml).toContain("<memtune>\n    <soft_limit unit='KiB'>3072</soft_limit>\n  </memtune>");
    expect(xml).toContain("<features>\n    <hap state='on'/>\n    <pmu state='on'/>\n  </features>");
  });

  it('writes numatune as libvirt does: node sets in its form, automatic placement for automatic vCPUs', async () => {
    const xml = await t.defineAndDump(domainXml('numa', '').replace('<os>', "<vcpu placement='auto'>2</vcpu><os>"));
    expect(xml).toContain("<vcpu placement='auto'>2</vcpu>\n  <numatune>\n    <memory mode='strict' placement='auto'/>\n  </numatune>");
    await expect(t.defineAndDump(domainXml('numa', '').replace('<os>', "<numatune><memory placement='static'/></numatune><os>"))).rejects.toMatchObject({
      code: 67,
      message: "unsupported configuration: nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
    });
  });

  it('fills in I/O thread ids and keeps the default I/O thread pool', async () => {
    const top = "<iothreads>3</iothreads><iothreadids><iothread id='2'/></iothreadids><defaultiothread thread_pool_max='3'/>";
    const xml = await t.defineAndDump(domainXml('io', '').replace('<os>', `${top}<os>`));
    expect(xml).toContain(
      "<iothreads>3</iothreads>\n  <iothreadids>\n    <iothread id='2'/>\n    <iothread id='1'/>\n    <iothread id='3'/>\n  </iothreadids>\n  <defaultiothread thread_pool_max='3'/>",
    );
  });

  it('writes cputune as libvirt does: one scheduler per vCPU, scalars first', async () => {
    const top = "<vcpu>2</vcpu><cputune><vcpusched vcpus='0-1' scheduler='batch'/><shares>2048</shares></cputune>";
    const xml = await t.defineAndDump(domainXml('tune', '').replace('<os>', `${top}<os>`));
    expect(xml).toContain(
      "<cputune>\n    <shares>2048</shares>\n    <vcpusched vcpus='0' scheduler='batch'/>\n    <vcpusched vcpus='1' scheduler='batch'/>\n  </cputune>",
    );
  });

  it('writes cache and memory tunes as libvirt does, and refuses colliding caches in VIR_FROM_RESCTRL', async () => {
    const tune = (tunes: string) => domainXml('resctrl', '').replace('<os>', `<vcpu>2</vcpu><cputune>${tunes}</cputune><os>`);
    const xml = await t.defineAndDump(
      tune(
        "<cachetune vcpus='1,0' id='x'><cache id='0' level='3' type='both' size='3072'/></cachetune><memorytune vcpus='0-1'><node id='0' bandwidth='20'/></memorytune>",
      ),
    );
    expect(xml).toContain(
      "<cputune>\n    <cachetune vcpus='0-1'>\n      <cache id='0' level='3' type='both' size='3' unit='MiB'/>\n    </cachetune>\n    <memorytune vcpus='0-1'>\n      <node id='0' bandwidth='20'/>\n    </memorytune>\n  </cputune>",
    );
    await expect(
      t.defineAndDump(tune("<cachetune vcpus='0'><cache id='0' level='3' type='both' size='1'/><cache id='0' level='3' type='code' size='1'/></cachetune>")),
    ).rejects.toMatchObject({ code: 27, domain: 67, message: "XML error: Colliding cache allocations for cache level '3' id '0', type 'code'" });
  });

  it('writes an interface’s model in libvirt’s spelling and its backend’s paths sanitised', async () => {
    const xml = await t.defineAndDump(domainXml('nic', "<interface type='user'><model type='ViRtIo'/><backend tap='//dev//tap/' logFile='/a'/></interface>"));
    expect(xml).toContain("<model type='virtio'/>\n      <backend tap='//dev/tap' logFile='/a'/>");
  });

  it('writes the domain’s security labels as libvirt does: type first, only what the type has', async () => {
    const labels = "<seclabel model='selinux' type='static'><label>L</label><imagelabel>I</imagelabel></seclabel><seclabel model='dac' type='dynamic'/>";
    const xml = await t.defineAndDump(domainXml('labels', '').replace('</devices>', `</devices>${labels}`));
    expect(xml).toContain(
      "</devices>\n  <seclabel type='static' model='selinux' relabel='no'>\n    <label>L</label>\n  </seclabel>\n  <seclabel type='dynamic' model='dac' relabel='yes'/>\n</domain>",
    );
  });

  it('writes a backing chain as libvirt does: format before source, no indexes, and refuses an image without format', async () => {
    const chain = "<backingStore type='file' index='2'><source file='/tmp/b.qcow2'></source><format type='qcow2'/><backingStore/></backingStore>";
    const xml = await t.defineAndDump(domainXml('chain', `<disk type='file'><source file='/tmp/a.qcow2'/>${chain}<target dev='vda'/></disk>`));
    expect(xml).toContain(
      "<backingStore type='file'>\n        <format type='qcow2'/>\n        <source file='/tmp/b.qcow2'/>\n        <backingStore/>\n      </backingStore>",
    );
    await expect(
      t.defineAndDump(
        domainXml(
          'chain',
          "<disk type='file'><source file='/tmp/a'/><backingStore type='file'><source file='/tmp/b'/></backingStore><target dev='vda'/></disk>",
        ),
      ),
    ).rejects.toMatchObject({ code: 27, message: 'XML error: missing disk backing store format' });
  });

  it('generates a generation ID for an empty <genid>, and writes a given one in libvirt’s form', async () => {
    const withGenid = (genid: string) => domainXml('genid', '').replace('<memory>', `${genid}<memory>`);
    expect(await t.defineAndDump(withGenid('<genid/>'))).toMatch(/<genid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}<\/genid>/);
    expect(await t.defineAndDump(withGenid('<genid>E9392370-2917-565E-692B-D057F46512D6</genid>'))).toContain(
      '<genid>e9392370-2917-565e-692b-d057f46512d6</genid>',
    );
  });

  it('keeps a MAC address’s type and check, and writes a boot menu timeout only when enabled', async () => {
    const xml = await t.defineAndDump(
      domainXml('mac', "<interface type='user'><mac address='aa:bb:cc:dd:ee:fe' check='yes' type='static'/></interface>").replace(
        '</os>',
        "<bootmenu enable='no' timeout='3000'/></os>",
      ),
    );
    expect(xml).toContain("<mac address='aa:bb:cc:dd:ee:fe' type='static' check='yes'/>");
    expect(xml).toContain("<bootmenu enable='no'/>");
  });

  it('writes a host device interface’s driver before its source, with its name only', async () => {
    const nic =
      "<interface type='hostdev' managed='yes'><mac address='00:11:22:33:44:55'/><source><address type='pci' domain='0x0000' bus='0x06' slot='0x12' function='0x1'/></source><driver name='vfio' queues='4'/></interface>";
    const xml = await t.defineAndDump(domainXml('hnic', nic));
    expect(xml).toContain("<mac address='00:11:22:33:44:55'/>\n      <driver name='vfio'/>\n      <source>");
  });

  it('refuses guest NUMA cell ids that are not 0..n-1', async () => {
    const cpu = "<cpu><numa><cell id='0' cpus='0' memory='512'/><cell id='2' cpus='1' memory='512'/></numa></cpu>";
    await expect(t.defineAndDump(domainXml('cells', '').replace('<devices>', `${cpu}<devices>`))).rejects.toMatchObject({
      code: 27,
      message: "XML error: Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed",
    });
  });

  it('writes guest NUMA distances as libvirt does: the local one added, the reverse one filled in', async () => {
    const cpu =
      "<cpu><numa><cell id='0' cpus='0' memory='512'><distances><sibling id='1' value='21'/></distances></cell><cell id='1' cpus='1' memory='512'/></numa></cpu>";
    const xml = await t.defineAndDump(domainXml('dist', '').replace('<devices>', `${cpu}<devices>`).replace('<os>', '<vcpu>2</vcpu><os>'));
    expect(xml).toContain(
      "<cell id='1' cpus='1' memory='512' unit='KiB'>\n        <distances>\n          <sibling id='0' value='21'/>\n          <sibling id='1' value='10'/>\n        </distances>\n      </cell>",
    );
  });

  it('writes a memory balloon’s statistics period before its address', async () => {
    const xml = await t.defineAndDump(
      domainXml('balloon', "<memballoon model='virtio'><address type='pci' domain='0' bus='0' slot='18' function='0'/><stats period='10'/></memballoon>"),
    );
    expect(xml).toContain(
      "<memballoon model='virtio'>\n      <stats period='10'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x12' function='0x0'/>\n    </memballoon>",
    );
  });

  it('writes a closed tray as libvirt does: not at all', async () => {
    const xml = await t.defineAndDump(
      domainXml('tray', "<disk type='file' device='floppy'><source file='/tmp/f.img'/><target dev='fda' bus='fdc' tray='closed'/></disk>"),
    );
    expect(xml).toContain("<target dev='fda' bus='fdc'/>");
  });

  it('addresses SCSI host devices as libvirt does, a second controller of the first one’s model when it is full', async () => {
    const hosts = [1, 2, 3].map((unit) => scsiHost(String(unit), '')).join('');
    const xml = await t.defineAndDump(domainXml('scsi', `<controller type='scsi' index='0' model='lsisas1068'/>${hosts}`));
    expect(xml).toContain("<controller type='scsi' index='1' model='lsisas1068'/>");
    expect(xml).toContain("<address type='drive' controller='1' bus='0' target='0' unit='0'/>");
  });

  it('writes no default panic device, and a watchdog’s default action', async () => {
    const xml = await t.defineAndDump(domainXml('panic', "<watchdog model='i6300esb'/><panic/>"));
    expect(xml).toContain("<watchdog model='i6300esb' action='reset'/>\n  </devices>");
  });

  it('writes a disk’s backend domain after its source', async () => {
    const xml = await t.defineAndDump(domainXml('backend', "<disk type='file'><backenddomain name='bar'/><source file='/tmp/a'/><target dev='vda'/></disk>"));
    expect(xml).toContain("<source file='/tmp/a'/>\n      <backenddomain name='bar'/>\n      <target dev='vda' bus='virtio'/>");
  });

  it('drops a user interface’s filter and a network interface’s port id, as libvirt does for a definition', async () => {
    const nics =
      "<interface type='user'><mac address='00:11:22:33:44:01'/><filterref filter='f'/></interface><interface type='network'><mac address='00:11:22:33:44:02'/><source network='n' portid='873be5a0-6b8a-4a0b-a1df-ef3659cd64bc'/></interface>";
    const xml = await t.defineAndDump(domainXml('filters', nics));
    expect(xml).not.toContain('filterref');
    expect(xml).toContain("<source network='n'/>");
  });

  it('writes no empty description', async () => {
    const xml = await t.defineAndDump(domainXml('described', '').replace('<memory>', '<description></description><memory>'));
    expect(xml).not.toContain('description');
  });

  it('keeps one metadata element per namespace, as libvirt does', async () => {
    const metadata = "<metadata><app1:foo xmlns:app1='http://foo.org/'>a</app1:foo><app3:foo xmlns:app3='http://foo.org/'>b</app3:foo><plain/></metadata>";
    const xml = await t.defineAndDump(domainXml('meta', '').replace('<memory>', `${metadata}<memory>`));
    expect(xml).toContain('<metadata>\n    <app1:foo xmlns:app1="http://foo.org/">a</app1:foo>\n  </metadata>');
  });

  it('still defines distinct host devices on distinct addresses', async () => {
    expect(await define(scsiHost('1', drive('0')) + scsiHost('2', drive('1')))).toBe('ok');
  });
});
