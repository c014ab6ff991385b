// Opt-in differential fuzzing of qemu definitions: the same random XML defined on libvirt 9.0's qemu:///session and on virtwired, acceptance and dumps compared.
import fc from 'fast-check';
import { VirError } from '@virtwire/client';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasLibvirt } from '../conformance/fuzz/libvirt-side.js';
import { definitionXml, devices, machine } from './define-fuzz-devices.js';
import { hasQemu } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

/** `QEMU_DEFINE_DIFF=N` definitions (off by default: it needs libvirtd with KVM), `QEMU_DEFINE_DIFF_SEED`. */
const count = Number(process.env.QEMU_DEFINE_DIFF ?? 0);
const seed = Number(process.env.QEMU_DEFINE_DIFF_SEED ?? Date.now() % 1_000_000);
const UUID = '5d3c1b2a-7e6f-4a9b-8c0d-1e2f3a4b5c6d';

interface Libvirtd {
  dir: string;
  uri(scheme: string, path: string): string;
  stop(): Promise<void>;
}

/** A definition's answer: its inactive dump, or the refusal's message. */
type Answer = { xml: string } | { error: string };

/**
 * What must differ between the two daemons' dumps: MAC addresses (random on both sides) and the
 * emulator's path (libvirt's /usr/bin, virtwired's from PATH).
 */
const normalised = (xml: string) => xml.replace(/\n *<mac address='[^']*'\/>/g, '').replace(/<emulator>[^<]*<\/emulator>/, '<emulator/>');

/**
 * A refusal of virtwire where libvirt accepts that is the driver's documented subset (the qemu
 * driver's README): an element, attribute or value it does not run; on i440fx, a device on a bus
 * past the root, for which libvirt adds pci-bridges (the driver runs none).
 */
const outsideSubset = (message: string, q35: boolean) =>
  /is not supported by the qemu driver|not supported on this machine by the qemu driver|^unsupported configuration: value '/.test(message) ||
  (!q35 && /names bus \d+, which no pcie-root-port or pcie-to-pci-bridge controller provides/.test(message));

/** A message with its numbers and quoted values elided, to class refusals by. */
const shape = (message: string) => message.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N');

describe.skipIf(count === 0 || !hasQemu || !hasLibvirt())('qemu definitions: virtwired against libvirt 9.0', () => {
  const qemu = useQemuDaemon();
  let libvirtd: Libvirtd;
  beforeAll(async () => {
    const { startLibvirtd } = (await import(new URL('../conformance/record/libvirt-daemon.mjs', import.meta.url).href)) as {
      startLibvirtd(options: { kvm: boolean }): Promise<Libvirtd>;
    };
    libvirtd = await startLibvirtd({ kvm: true });
  }, 60_000);
  afterAll(async () => {
    await libvirtd?.stop();
  });

  function onLibvirt(name: string, xml: string): Answer {
    const uri = libvirtd.uri('qemu', '/session');
    const file = join(libvirtd.dir, `${name}.xml`);
    writeFileSync(file, xml);
    chmodSync(file, 0o644);
    try {
      execFileSync('virsh', ['-c', uri, 'define', file], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? error);
      return {
        error:
          stderr
            .split('\n')
            .filter((l) => l.startsWith('error: '))
            .pop()
            ?.slice('error: '.length) ?? stderr,
      };
    }
    const dump = execFileSync('virsh', ['-c', uri, 'dumpxml', '--inactive', name], { encoding: 'utf8' });
    execFileSync('virsh', ['-c', uri, 'undefine', name], { stdio: 'pipe' });
    return { xml: dump.replace(/\n$/, '') };
  }

  async function onVirtwire(name: string, xml: string): Promise<Answer> {
    try {
      const dom = await qemu.conn.domainDefineXML(xml);
      const dump = await dom.getXMLDesc(2);
      await dom.undefine();
      return { xml: dump };
    } catch (error) {
      if (!VirError.is(error)) throw error;
      return { error: error.message };
    }
  }

  it(`${count} definitions from seed ${seed}`, { timeout: 60_000 + count * 1_000 }, async () => {
    const cases = fc.sample(fc.tuple(machine, devices(qemu.images)), { numRuns: count, seed });
    const classes = new Map<string, { n: number; example: string; libvirt: string; virtwire: string }>();
    const note = (cls: string, xml: string, libvirt: string, virtwire: string) => {
      const seen = classes.get(cls);
      if (seen) seen.n++;
      else classes.set(cls, { n: 1, example: xml, libvirt, virtwire });
    };
    for (const [i, [machineName, deviceXml]] of cases.entries()) {
      const name = `diff${i}`;
      const xml = definitionXml(name, machineName, deviceXml, UUID);
      const want = onLibvirt(name, xml);
      const got = await onVirtwire(name, xml);
      // both refusing is agreement; which error each reports first is counted, not judged (the driver checks its subset first)
      if ('error' in want && 'error' in got)
        note(want.error === got.error ? 'both refuse, same error' : 'both refuse, another error', xml, want.error, got.error);
      else if ('error' in want) note('invalid accepted', xml, want.error, 'accepted');
      else if ('error' in got) {
        const q35 = machineName.includes('q35');
        note(outsideSubset(got.error, q35) ? "outside the driver's subset" : `valid rejected: ${shape(got.error)}`, xml, 'accepted', got.error);
      } else if (normalised(want.xml) === normalised(got.xml)) note('same dump', xml, '', '');
      else {
        const a = normalised(want.xml).split('\n');
        const b = normalised(got.xml).split('\n');
        const at = a.findIndex((line, k) => line !== b[k]);
        note(`different dump: ${a[at]?.trim().replace(/'[^']*'/g, "'…'") ?? '(end)'}`, xml, a.slice(at, at + 6).join('\n'), b.slice(at, at + 6).join('\n'));
      }
    }
    const report = [...classes].sort((x, y) => y[1].n - x[1].n);
    console.log(`qemu define differential fuzz, seed ${seed}:\n${report.map(([cls, c]) => `${String(c.n).padStart(5)}  ${cls}`).join('\n')}`);
    const wrong = report.filter(([cls]) => cls === 'invalid accepted' || cls.startsWith('valid rejected') || cls.startsWith('different dump'));
    for (const [cls, c] of wrong) console.log(`--- ${cls}\n${c.example}\nlibvirt:\n${c.libvirt}\nvirtwire:\n${c.virtwire}`);
    expect(wrong.map(([cls]) => cls)).toEqual([]);
  });
});
