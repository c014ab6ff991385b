// The qemu driver defines a domain with libvirt's QEMU post-parse defaults, runs it where they place each device, and a snapshot's copy of it is its definition.
import { DomainCreateFlags, DomainSnapshotCreateFlags as Create, DomainXMLFlags, type Domain } from '@virtwire/client';
import { QmpClient } from '@virtwire/server/qemu-engine';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasQemu, inspect } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

/** The definition (written for this test). */
const INPUT = `<domain type='qemu'>
  <name>defaults</name>
  <uuid>8a5f0c2e-3b1d-4e7a-9c6f-2d4b8e1a7f30</uuid>
  <memory unit='KiB'>131072</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='@IMAGES@/vda.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sdb' bus='sata'/><readonly/></disk>
    <interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/></interface>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <video><model type='vga'/></video>
  </devices>
</domain>
`;

/**
 * What libvirt 9.0's qemu:///session gives back for INPUT with GetXMLDesc(INACTIVE) (recorded with
 * libvirtd 9.0 and QEMU 7.2; the machine alias and the emulator's path are the host's).
 */
const LIBVIRT_INACTIVE = `<domain type='qemu'>
  <name>defaults</name>
  <uuid>8a5f0c2e-3b1d-4e7a-9c6f-2d4b8e1a7f30</uuid>
  <memory unit='KiB'>131072</memory>
  <currentMemory unit='KiB'>131072</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='@Q35@'>hvm</type>
    <boot dev='hd'/>
  </os>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>@EMULATOR@</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='@IMAGES@/vda.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='sdb' bus='sata'/>
      <readonly/>
      <address type='drive' controller='0' bus='0' target='0' unit='1'/>
    </disk>
    <controller type='usb' index='0' model='qemu-xhci'>
      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
    </controller>
    <controller type='sata' index='0'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='virtio-serial' index='0'>
      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>
    </controller>
    <controller type='pci' index='1' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='1' port='0x10'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
    </controller>
    <controller type='pci' index='2' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='2' port='0x11'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x1'/>
    </controller>
    <controller type='pci' index='3' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='3' port='0x12'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x2'/>
    </controller>
    <controller type='pci' index='4' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='4' port='0x13'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x3'/>
    </controller>
    <controller type='pci' index='5' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='5' port='0x14'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x4'/>
    </controller>
    <controller type='pci' index='6' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='6' port='0x15'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x5'/>
    </controller>
    <interface type='user'>
      <mac address='52:54:00:12:34:56'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </interface>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <audio id='1' type='none'/>
    <video>
      <model type='vga' vram='16384' heads='1' primary='yes'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </video>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>
    </memballoon>
  </devices>
</domain>
`;

/**
 * libvirt 9.0's `<domain>` in a snapshot of INPUT (shut off, flags 0): the definition formatted and
 * parsed again, which puts the root ports with the PCI root, before the virtio-serial controller.
 */
const LIBVIRT_Q35_SNAPSHOT_COPY = `<domain type='qemu'>
  <name>defaults</name>
  <uuid>8a5f0c2e-3b1d-4e7a-9c6f-2d4b8e1a7f30</uuid>
  <memory unit='KiB'>131072</memory>
  <currentMemory unit='KiB'>131072</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='@Q35@'>hvm</type>
    <boot dev='hd'/>
  </os>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>@EMULATOR@</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='@IMAGES@/vda.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='sdb' bus='sata'/>
      <readonly/>
      <address type='drive' controller='0' bus='0' target='0' unit='1'/>
    </disk>
    <controller type='usb' index='0' model='qemu-xhci'>
      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
    </controller>
    <controller type='sata' index='0'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='1' port='0x10'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
    </controller>
    <controller type='pci' index='2' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='2' port='0x11'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x1'/>
    </controller>
    <controller type='pci' index='3' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='3' port='0x12'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x2'/>
    </controller>
    <controller type='pci' index='4' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='4' port='0x13'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x3'/>
    </controller>
    <controller type='pci' index='5' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='5' port='0x14'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x4'/>
    </controller>
    <controller type='pci' index='6' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='6' port='0x15'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x5'/>
    </controller>
    <controller type='virtio-serial' index='0'>
      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>
    </controller>
    <interface type='user'>
      <mac address='52:54:00:12:34:56'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </interface>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <audio id='1' type='none'/>
    <video>
      <model type='vga' vram='16384' heads='1' primary='yes'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </video>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>
    </memballoon>
  </devices>
</domain>
`;

/** An i440fx definition with an IDE disk (written for this test). */
const PC_INPUT = `<domain type='qemu'>
  <name>defaults-pc</name>
  <uuid>0b7e4d21-6c3a-4f85-a2d9-5e1c7b3f9a64</uuid>
  <memory unit='KiB'>131072</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='@IMAGES@/hda.qcow2'/><target dev='hda' bus='ide'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='@IMAGES@/vda.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='user'><mac address='52:54:00:12:34:57'/><model type='e1000'/></interface>
    <serial type='pty'/>
    <input type='tablet' bus='usb'/>
  </devices>
</domain>
`;

/**
 * libvirt 9.0's `<domain>` in a snapshot of PC_INPUT (shut off, flags 0): the definition formatted for
 * migration (the default USB controller and PCI root left out) and parsed again, so the IDE
 * controller comes first, unlike in its dumpxml.
 */
const LIBVIRT_PC_SNAPSHOT_COPY = `<domain type='qemu'>
  <name>defaults-pc</name>
  <uuid>0b7e4d21-6c3a-4f85-a2d9-5e1c7b3f9a64</uuid>
  <memory unit='KiB'>131072</memory>
  <currentMemory unit='KiB'>131072</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='@PC@'>hvm</type>
    <boot dev='hd'/>
  </os>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>@EMULATOR@</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='@IMAGES@/hda.qcow2'/>
      <target dev='hda' bus='ide'/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='@IMAGES@/vda.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </disk>
    <controller type='ide' index='0'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>
    </controller>
    <controller type='usb' index='0' model='piix3-uhci'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pci-root'/>
    <interface type='user'>
      <mac address='52:54:00:12:34:57'/>
      <model type='e1000'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </interface>
    <serial type='pty'>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <input type='tablet' bus='usb'>
      <address type='usb' bus='0' port='1'/>
    </input>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <audio id='1' type='none'/>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </memballoon>
  </devices>
</domain>
`;

/** `q35`'s versioned machine on this host (`-machine help`: `q35 ... (alias of pc-q35-X.Y)`). */
function machineAlias(alias: string): string {
  const help = execFileSync('qemu-system-x86_64', ['-machine', 'help'], { encoding: 'utf8' });
  return new RegExp(`^${alias}\\s.*\\(alias of (\\S+)\\)`, 'm').exec(help)![1]!;
}

/** Where QEMU put device `id`: `bus:slot.function`, the bus being the root (0) or the index N of root port `pci.N` (QOM's parent_bus and addr). */
async function placeOf(qmp: QmpClient, id: string): Promise<string> {
  const path = `/machine/peripheral/${id}`;
  const bus = await qmp.execute<string>('qom-get', { path, property: 'parent_bus' });
  const devfn = await qmp.execute<number>('qom-get', { path, property: 'addr' });
  const name = bus.split('/').pop()!;
  return `${name === 'pcie.0' ? 0 : Number(/^pci\.(\d+)$/.exec(name)?.[1])}:${devfn >> 3}.${devfn & 7}`;
}

/** The device ids the driver gives QEMU, by the XML element that names an address. */
const DEVICE_IDS: Array<[RegExp, string]> = [
  [/<target dev='vda' bus='virtio'\/>\n\s+<address type='pci' domain='0x0000' bus='(0x[0-9a-f]+)' slot='(0x[0-9a-f]+)' function='(0x[0-9a-f])'/, 'vda'],
  [
    /<controller type='usb' index='0' model='qemu-xhci'>\n\s+<address type='pci' domain='0x0000' bus='(0x[0-9a-f]+)' slot='(0x[0-9a-f]+)' function='(0x[0-9a-f])'/,
    'usb',
  ],
  [
    /<controller type='virtio-serial' index='0'>\n\s+<address type='pci' domain='0x0000' bus='(0x[0-9a-f]+)' slot='(0x[0-9a-f]+)' function='(0x[0-9a-f])'/,
    'virtio-serial0',
  ],
  [/<model type='virtio'\/>\n\s+<address type='pci' domain='0x0000' bus='(0x[0-9a-f]+)' slot='(0x[0-9a-f]+)' function='(0x[0-9a-f])'/, 'net0'],
  [/<model type='vga'[^>]*\/>\n\s+<address type='pci' domain='0x0000' bus='(0x[0-9a-f]+)' slot='(0x[0-9a-f]+)' function='(0x[0-9a-f])'/, 'video0'],
  [/<memballoon model='virtio'>\n\s+<address type='pci' domain='0x0000' bus='(0x[0-9a-f]+)' slot='(0x[0-9a-f]+)' function='(0x[0-9a-f])'/, 'balloon0'],
];

describe.skipIf(!hasQemu)("qemu driver: libvirt's QEMU defaults at define", () => {
  const qemu = useQemuDaemon({ inspectionMonitor: true });
  let dom: Domain;
  let expected: string;
  let emulator: string;
  beforeAll(async () => {
    await qemu.box.image(join(qemu.images, 'vda.qcow2'), 1024 * 1024);
    emulator = execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim();
    expected = LIBVIRT_INACTIVE.replaceAll('@IMAGES@', qemu.images).replace('@Q35@', machineAlias('q35')).replace('@EMULATOR@', emulator);
    dom = await qemu.conn.domainDefineXML(INPUT.replaceAll('@IMAGES@', qemu.images));
  });
  afterAll(async () => {
    await dom?.destroy().catch(() => undefined);
  });

  it('formats the definition as libvirt does: canonical machine, CPU, controllers and root ports, inputs, audio, balloon, addresses', async () => {
    expect(await dom.getXMLDesc(DomainXMLFlags.Inactive)).toBe(expected);
  });

  it('starts the guest with every PCI device where the definition places it', async () => {
    await dom.create(DomainCreateFlags.StartPaused);
    const qmp = await inspect(qemu.runtimeDir, dom.uuid);
    try {
      const xml = await dom.getXMLDesc(DomainXMLFlags.Inactive);
      for (const [pattern, id] of DEVICE_IDS) {
        const [, bus, slot, fn] = pattern.exec(xml) ?? [];
        expect(bus, id).toBeDefined();
        expect(await placeOf(qmp, id), id).toBe(`${Number(bus)}:${Number(slot)}.${Number(fn)}`);
      }
      // the root ports themselves, on the root bus where the XML says
      for (const m of xml.matchAll(/<controller type='pci' index='(\d+)' model='pcie-root-port'>[\s\S]*?slot='(0x[0-9a-f]+)' function='(0x[0-9a-f])'/g)) {
        expect(await placeOf(qmp, `pci.${m[1]}`)).toBe(`0:${Number(m[2])}.${Number(m[3])}`);
      }
    } finally {
      await qmp.close();
      await dom.destroy();
    }
  });

  it('copies the definition into a snapshot as libvirt does; a redefined copy gets the defaults a define would', async () => {
    const snap = await dom.snapshotCreateXML("<domainsnapshot><name>s1</name><disks><disk name='vda' snapshot='internal'/></disks></domainsnapshot>");
    const copyOf = (snapshotXml: string) => /^ {2}<domain type='qemu'>\n[\s\S]*?^ {2}<\/domain>\n/m.exec(snapshotXml)![0].replace(/^ {2}/gm, '');
    const libvirtCopy = LIBVIRT_Q35_SNAPSHOT_COPY.replaceAll('@IMAGES@', qemu.images).replace('@Q35@', machineAlias('q35')).replace('@EMULATOR@', emulator);
    expect(copyOf(await snap.getXMLDesc())).toBe(libvirtCopy);
    await snap.delete();
    const bare = `<domainsnapshot><name>s2</name><state>shutoff</state><creationTime>5</creationTime>${INPUT.replaceAll('@IMAGES@', qemu.images)}</domainsnapshot>`;
    const redefined = await dom.snapshotCreateXML(bare, Create.Redefine);
    expect(copyOf(await redefined.getXMLDesc())).toBe(expected);
    await redefined.delete(2);
  });

  it('gives a ramfb card no PCI slot, as libvirt (the first root port takes 00:01.0), and runs it as QEMU ramfb', async () => {
    const xml = `<domain type='qemu'><name>ramfb</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${qemu.images}/vda.qcow2'/><target dev='vda' bus='virtio'/></disk>
      <video><model type='ramfb'/></video></devices></domain>`;
    const ramfb = await qemu.conn.domainDefineXML(xml);
    const defined = await ramfb.getXMLDesc(DomainXMLFlags.Inactive);
    // libvirt 9.0 (qemu:///session) for the same input: the card without <address>, root ports from slot 1
    expect(defined).toContain("    <video>\n      <model type='ramfb' heads='1' primary='yes'/>\n    </video>\n");
    expect(defined).toContain("<target dev='vda' bus='virtio'/>\n      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>");
    expect(defined).toContain(
      "<controller type='pci' index='1' model='pcie-root-port'>\n      <model name='pcie-root-port'/>\n      <target chassis='1' port='0x8'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0' multifunction='on'/>",
    );
    await ramfb.create(DomainCreateFlags.StartPaused);
    const qmp = await inspect(qemu.runtimeDir, ramfb.uuid);
    try {
      expect(await qmp.execute<string>('qom-get', { path: '/machine/peripheral/video0', property: 'type' })).toBe('ramfb');
      expect(await placeOf(qmp, 'vda')).toBe('2:0.0');
    } finally {
      await qmp.close();
      await ramfb.destroy();
      await ramfb.undefine();
    }
  });

  it('copies an i440fx definition into a snapshot as libvirt does: formatted for migration, parsed again', async () => {
    await qemu.box.image(join(qemu.images, 'hda.qcow2'), 1024 * 1024);
    const pc = await qemu.conn.domainDefineXML(PC_INPUT.replaceAll('@IMAGES@', qemu.images));
    const snap = await pc.snapshotCreateXML('<domainsnapshot><name>pc1</name></domainsnapshot>');
    const copy = /^ {2}<domain type='qemu'>\n[\s\S]*?^ {2}<\/domain>\n/m.exec(await snap.getXMLDesc())![0].replace(/^ {2}/gm, '');
    expect(copy).toBe(LIBVIRT_PC_SNAPSHOT_COPY.replaceAll('@IMAGES@', qemu.images).replace('@PC@', machineAlias('pc')).replace('@EMULATOR@', emulator));
    await snap.delete();
    await pc.undefine();
  });
});
