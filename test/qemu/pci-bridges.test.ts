// Conventional PCI devices on q35 as libvirt 9.0 places them (a pcie-to-pci-bridge on a root port), the NIC model it gives a NIC without one, and new devices of a redefined dump.
import { DomainCreateFlags, DomainXMLFlags } from '@virtwire/client';
import { QmpClient } from '@virtwire/server/qemu-engine';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasQemu, inspect } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

const recorded = (name: string) => readFileSync(new URL(`./libvirt-xml/${name}`, import.meta.url), 'utf8');

/** `alias`'s versioned machine on this host (`-machine help`: `q35 ... (alias of pc-q35-X.Y)`). */
function machineAlias(alias: string): string {
  const help = execFileSync('qemu-system-x86_64', ['-machine', 'help'], { encoding: 'utf8' });
  return new RegExp(`^${alias}\\s.*\\(alias of (\\S+)\\)`, 'm').exec(help)![1]!;
}

/** Where QEMU put device `id`: `bus:slot.function`, the bus being the root (0) or the PCI controller of index N (`pci.N`). */
async function placeOf(qmp: QmpClient, id: string): Promise<string> {
  const path = `/machine/peripheral/${id}`;
  const bus = await qmp.execute<string>('qom-get', { path, property: 'parent_bus' });
  const devfn = await qmp.execute<number>('qom-get', { path, property: 'addr' });
  const name = bus.split('/').pop()!;
  return `${name === 'pcie.0' ? 0 : Number(/^pci\.(\d+)$/.exec(name)?.[1])}:${devfn >> 3}.${devfn & 7}`;
}

/** The PCI address of the device whose element starts at `opening` in `xml`, as `bus:slot.function`. */
function addressAfter(xml: string, opening: string): string {
  const at = xml.indexOf(opening);
  expect(at, opening).toBeGreaterThanOrEqual(0);
  const m = /<address type='pci' domain='0x0000' bus='(0x[0-9a-f]+)' slot='(0x[0-9a-f]+)' function='(0x[0-9a-f])'/.exec(xml.slice(at))!;
  return `${Number(m[1])}:${Number(m[2])}.${Number(m[3])}`;
}

describe.skipIf(!hasQemu)('qemu driver: conventional PCI devices and new devices as libvirt places them', () => {
  const qemu = useQemuDaemon({ inspectionMonitor: true });
  const fill = (xml: string) =>
    xml
      .replaceAll('@IMAGES@', qemu.images)
      .replace('@Q35@', machineAlias('q35'))
      .replace('@PC@', machineAlias('pc'))
      .replace('@EMULATOR@', execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim());

  it('gives a NIC without a model rtl8139 and puts e1000, rtl8139 and piix3-uhci on a pcie-to-pci-bridge, as libvirt; QEMU runs them there', async () => {
    await qemu.box.image(join(qemu.images, 'vda.qcow2'), 1024 * 1024);
    const dom = await qemu.conn.domainDefineXML(fill(recorded('bridged.input.xml')));
    const xml = await dom.getXMLDesc(DomainXMLFlags.Inactive);
    expect(xml).toBe(fill(recorded('bridged.q35.xml')));
    await dom.create(DomainCreateFlags.StartPaused);
    const qmp = await inspect(qemu.runtimeDir, dom.uuid);
    try {
      expect(await qmp.execute<string>('qom-get', { path: '/machine/peripheral/pci.3', property: 'type' })).toBe('pcie-pci-bridge');
      expect(await placeOf(qmp, 'pci.3')).toBe(addressAfter(xml, "<controller type='pci' index='3' model='pcie-to-pci-bridge'>"));
      const nics: Array<[string, string, string]> = [
        ['net0', 'e1000e', "<mac address='52:54:00:12:34:60'/>"],
        ['net1', 'e1000', "<mac address='52:54:00:12:34:61'/>"],
        ['net2', 'rtl8139', "<mac address='52:54:00:12:34:62'/>"],
        ['net3', 'virtio-net-pci', "<mac address='52:54:00:12:34:63'/>"],
      ];
      for (const [id, type, mac] of nics) {
        expect(await qmp.execute<string>('qom-get', { path: `/machine/peripheral/${id}`, property: 'type' }), id).toBe(type);
        expect(await placeOf(qmp, id), id).toBe(addressAfter(xml, mac));
      }
      expect(await qmp.execute<string>('qom-get', { path: '/machine/peripheral/usb', property: 'type' })).toBe('piix3-usb-uhci');
      expect(await placeOf(qmp, 'usb')).toBe(addressAfter(xml, "<controller type='usb' index='0' model='piix3-uhci'>"));
      expect(await placeOf(qmp, 'vda')).toBe(addressAfter(xml, "<target dev='vda' bus='virtio'/>"));
    } finally {
      await qmp.close();
      await dom.destroy();
      await dom.undefine();
    }
  });

  it('gives the new devices of a redefined dump the free root ports, bridge slots and new controllers libvirt gives them (q35)', async () => {
    const dom = await qemu.conn.domainDefineXML(fill(recorded('bridged.input.xml')));
    const dump = await dom.getXMLDesc(DomainXMLFlags.Inactive);
    const more = await qemu.conn.domainDefineXML(dump.replace('</devices>', `${fill(recorded('bridged.more-devices.xml')).trim()}</devices>`));
    expect(await more.getXMLDesc(DomainXMLFlags.Inactive)).toBe(fill(recorded('bridged.q35-more.xml')));
    await more.undefine();
  });

  it('gives the new devices of a redefined i440fx dump the free slots of the root bus, not slots its devices hold', async () => {
    const input = fill(recorded('bridged.input.xml'))
      .replace("machine='q35'", "machine='pc'")
      .split('\n')
      .filter((line) => !line.includes('e1000e'))
      .join('\n');
    const dom = await qemu.conn.domainDefineXML(input);
    const dump = await dom.getXMLDesc(DomainXMLFlags.Inactive);
    const more = await qemu.conn.domainDefineXML(dump.replace('</devices>', `${fill(recorded('bridged.more-devices.xml')).trim()}</devices>`));
    expect(await more.getXMLDesc(DomainXMLFlags.Inactive)).toBe(fill(recorded('bridged.pc-more.xml')));
    await more.undefine();
  });
});
