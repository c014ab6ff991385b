// A UEFI domain's NVRAM copy in snapshots under kill -9: an undone create leaves no copy, a committed revert's restore is finished by recovery.
import { DomainCreateFlags, type Connection } from '@virtwire/client';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { domainXml, hasQemu, killGuestsUnder, QemuSandbox, withAcpi } from './qemu-fixture.js';
import { KillableDaemons } from './killable-daemon.js';

const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const hasOvmf = existsSync(OVMF_VARS) && existsSync('/usr/share/OVMF/OVMF_CODE_4M.fd');
/** An NVRAM image whose every byte is `byte` (the guest never runs here: it is started paused, then stopped). */
const filled = (byte: number) => Buffer.alloc(statSync(OVMF_VARS).size, byte);
const uefiXml = (name: string, disk: string) => withAcpi(domainXml(name, [{ target: 'vda', path: disk }]).replace('<os>', "<os firmware='efi'>"));

describe.skipIf(!hasQemu || !hasOvmf)('qemu driver: the NVRAM in snapshots, with the daemon killed mid-way', () => {
  const box = QemuSandbox.create();
  const cluster = new KillableDaemons(box.root);
  const { paths } = cluster;
  afterAll(async () => {
    await cluster.killAll();
    await killGuestsUnder(paths.runtime);
    box.cleanup();
  });

  it('leaves no copy of an undone create, and finishes the restore of a committed revert', async () => {
    const setup = await cluster.start();
    const disk = await box.image(join(paths.images, 'nk.qcow2'));
    const dom = await setup.conn.domainDefineXML(uefiXml('nk', disk));
    await dom.create(DomainCreateFlags.StartPaused);
    await dom.destroy();
    await cluster.stop(setup);
    const nvram = join(paths.state, 'qemu', 'nvram', 'nk_VARS.fd');
    const snapshotDir = join(paths.state, 'qemu', 'snapshots', 'nk');
    const create = (conn: Connection) => conn.domainLookupByName('nk').then((d) => d.snapshotCreateXML('<domainsnapshot><name>k1</name></domainsnapshot>'));
    writeFileSync(nvram, filled(0x5a));

    // killed once the copy's file is reserved (empty), and once it is written: undone, nothing left
    for (const failpoint of ['qemu.snapshot-create.files-journaled', 'qemu.snapshot-create.nvram-saved']) {
      const next = await cluster.killedAt(failpoint, create);
      expect((await (await next.conn.domainLookupByName('nk')).listAllSnapshots()).map((s) => s.name)).toEqual([]);
      expect(existsSync(snapshotDir) ? readdirSync(snapshotDir) : []).toEqual([]);
      expect(readFileSync(nvram).equals(filled(0x5a))).toBe(true);
      await cluster.stop(next);
    }

    // killed once the revert committed, and once its NVRAM was restored: recovery completes it
    const made = await cluster.start();
    await create(made.conn);
    await cluster.stop(made);
    const revert = (conn: Connection) => conn.domainLookupByName('nk').then((d) => d.snapshotLookupByName('k1').then((s) => s.revert()));
    for (const failpoint of ['qemu.snapshot-revert.committed', 'qemu.snapshot-revert.nvram-restored']) {
      writeFileSync(nvram, filled(0x6b));
      const next = await cluster.killedAt(failpoint, revert);
      expect(readFileSync(nvram).equals(filled(0x5a))).toBe(true);
      expect((await (await next.conn.domainLookupByName('nk')).snapshotCurrent()).name).toBe('k1');
      await cluster.stop(next);
    }
  }, 180_000);
});
