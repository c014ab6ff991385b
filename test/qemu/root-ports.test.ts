// User pcie-root-ports without model, target or address, missing bus indexes, addresses on buses that do not exist yet, and the order libvirt 9.0 writes the controllers in.
import { DomainXMLFlags } from '@virtwire/client';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasQemu } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

const file = (name: string) => new URL(`./libvirt-xml/${name}`, import.meta.url);
const recorded = (name: string) => readFileSync(file(name), 'utf8');

/** `alias`'s versioned machine on this host (`-machine help`: `q35 ... (alias of pc-q35-X.Y)`). */
function machineAlias(alias: string): string {
  const help = execFileSync('qemu-system-x86_64', ['-machine', 'help'], { encoding: 'utf8' });
  return new RegExp(`^${alias}\\s.*\\(alias of (\\S+)\\)`, 'm').exec(help)![1]!;
}

/** Each case: `<case>.input.xml`, libvirt's dump of it (`.q35.xml`) and of that dump defined again (`.q35-again.xml`, when it differs). */
const CASES: ReadonlyArray<[string, string]> = [
  ['root-port-bare', 'a bare root port gets its model name, chassis, port and a root-bus address (never slot 0); the added controllers come after it'],
  ['root-port-missing-buses', 'the bus indexes below a root port of index 3 get root ports too; a given chassis stays'],
  ['root-port-given-slot', 'root ports without an address take the first free slot, not the one a given root port holds'],
  ['address-on-missing-bus', 'a device on a bus no controller provides adds root ports up to it; an all-zero address is assigned anew'],
  ['bridge-bare', 'a bare pcie-to-pci-bridge goes on the free root port and gets its model name'],
];

describe.skipIf(!hasQemu)('qemu driver: PCI controllers the user gives, as libvirt completes and orders them', () => {
  const qemu = useQemuDaemon();
  const fill = (xml: string) =>
    xml.replace('@Q35@', machineAlias('q35')).replace('@EMULATOR@', execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim());

  it.each(CASES)('%s: %s', async (name) => {
    const dom = await qemu.conn.domainDefineXML(recorded(`${name}.input.xml`));
    try {
      const first = await dom.getXMLDesc(DomainXMLFlags.Inactive);
      expect(first).toBe(fill(recorded(`${name}.q35.xml`)));
      // libvirt's parser sorts the controllers it appended, once: the dump defined again is libvirt's second dump, and stays
      const again = existsSync(file(`${name}.q35-again.xml`)) ? fill(recorded(`${name}.q35-again.xml`)) : first;
      const second = await (await qemu.conn.domainDefineXML(first)).getXMLDesc(DomainXMLFlags.Inactive);
      expect(second).toBe(again);
      expect(await (await qemu.conn.domainDefineXML(second)).getXMLDesc(DomainXMLFlags.Inactive)).toBe(again);
    } finally {
      await dom.undefine();
    }
  });
});
