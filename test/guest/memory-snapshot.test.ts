// The flagship of external memory snapshots on the real test guest: a 2-disk atomic snapshot with memory, then a revert brings back RAM and disks without a reboot.
import { DomainSnapshotCreateFlags as Create, DomainState, type Domain } from '@virtwire/client';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasQemu } from '../qemu/qemu-fixture.js';
import { useQemuDaemon } from '../qemu/qemu-daemon-fixture.js';
import { createDataDisk, readDataDiskFile } from './data-disk.js';
import type { GuestConsole } from './guest-console.js';
import { consoleOver, guestDomainXml } from './driver-guest-domain.js';
import { guestImage, guestSkipReason } from './guest-image.js';

const BOOT_MS = 180_000;

describe.skipIf(!hasQemu || guestSkipReason !== undefined)('the test guest: external memory snapshot and revert', () => {
  const qemu = useQemuDaemon({ extraRoots: () => [guestImage().dir] });
  let dom: Domain;
  const consoles: Array<{ close(): void }> = [];

  /** A console on the guest's current QEMU, at its shell prompt. */
  async function shell(): Promise<GuestConsole> {
    const stream = await dom.openConsole();
    consoles.push(stream);
    const console = consoleOver(stream);
    const poke = setInterval(() => console.write('\n'), 1_000);
    try {
      await console.waitFor(/virtwire-guest# /, BOOT_MS);
    } finally {
      clearInterval(poke);
    }
    return console;
  }

  beforeAll(async () => {
    const vda = await createDataDisk(`${qemu.images}/vda.qcow2`, { sizeMiB: 32, label: 'vda' });
    const vdb = await createDataDisk(`${qemu.images}/vdb.qcow2`, { sizeMiB: 32, label: 'vdb' });
    dom = await qemu.conn.domainDefineXML(guestDomainXml('memguest', vda, [vdb]));
    await dom.create();
  }, BOOT_MS + 30_000);
  afterAll(async () => {
    for (const c of consoles) c.close();
    await dom?.destroy().catch(() => undefined);
  });

  it(
    'marker A, an atomic 2-disk snapshot with memory, marker B, revert: the same boot runs on with A in RAM and on both disks, without B',
    { timeout: BOOT_MS + 120_000 },
    async () => {
      let console = await shell();
      const boot = (await console.sh('cat /proc/sys/kernel/random/boot_id')).trim();
      // A in RAM (the root filesystem is the initramfs, in RAM) and on both disks
      await console.sh('echo A > /tmp/marker && echo A > /mnt/vda/a && echo A > /mnt/vdb/a && sync', 20_000);

      const memory = `${qemu.images}/s1.mem`;
      const xml = `<domainsnapshot><name>s1</name><memory snapshot='external' file='${memory}'/><disks>
      <disk name='vda' snapshot='external'><source file='${qemu.images}/vda.s1'/></disk>
      <disk name='vdb' snapshot='external'><source file='${qemu.images}/vdb.s1'/></disk></disks></domainsnapshot>`;
      const started = performance.now();
      await dom.snapshotCreateXML(xml, Create.Atomic);
      const createMs = performance.now() - started;
      // the guest runs on: B in RAM and on both disks
      await console.sh('echo B > /tmp/marker && echo B > /mnt/vda/b && echo B > /mnt/vdb/b && sync', 20_000);
      expect((await console.sh('cat /tmp/marker')).trim()).toBe('B');
      expect(await readDataDiskFile(`${qemu.images}/vda.qcow2`, '/a')).toBe('A\n');

      const reverting = performance.now();
      await (await dom.snapshotLookupByName('s1')).revert();
      const revertMs = performance.now() - reverting;
      expect((await dom.getState()).state).toBe(DomainState.Running);
      console = await shell();
      expect((await console.sh('cat /proc/sys/kernel/random/boot_id')).trim()).toBe(boot);
      expect((await console.sh('cat /tmp/marker')).trim()).toBe('A');
      expect((await console.sh('cat /mnt/vda/a /mnt/vdb/a')).trim()).toBe('A\nA');
      expect((await console.run('ls /mnt/vda/b /mnt/vdb/b')).status).not.toBe(0);
      // the guest writes on after the revert, into the fresh overlays
      await console.sh('echo C > /mnt/vda/c && sync', 20_000);
      process.stdout.write(
        `[memory snapshot] 256 MiB guest: create ${createMs.toFixed(0)} ms, revert ${revertMs.toFixed(0)} ms, memory file ${statSync(memory).size} bytes\n`,
      );
    },
  );
});
