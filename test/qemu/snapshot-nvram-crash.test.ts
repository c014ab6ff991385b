// A UEFI domain's NVRAM copy in snapshots under kill -9: an undone create leaves no copy, a committed revert's restore is finished by recovery.
import { connect, DomainCreateFlags, type Connection } from '@virtwire/client';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failure } from '../helpers/errors.js';
import { spawnDaemon, type SpawnedDaemon } from '../helpers/daemon-process.js';
import { domainXml, hasQemu, killGuestsUnder, QemuSandbox } from './qemu-fixture.js';

const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const hasOvmf = existsSync(OVMF_VARS) && existsSync('/usr/share/OVMF/OVMF_CODE_4M.fd');
/** An NVRAM image whose every byte is `byte` (the guest never runs here: it is started paused, then stopped). */
const filled = (byte: number) => Buffer.alloc(statSync(OVMF_VARS).size, byte);
const uefiXml = (name: string, disk: string) => domainXml(name, [{ target: 'vda', path: disk }]).replace('<os>', "<os firmware='efi'>");

describe.skipIf(!hasQemu || !hasOvmf)('qemu driver: the NVRAM in snapshots, with the daemon killed mid-way', () => {
  const box = QemuSandbox.create();
  const daemons = new Set<SpawnedDaemon>();
  afterAll(async () => {
    for (const daemon of daemons) daemon.child.kill('SIGKILL');
    await Promise.all([...daemons].map((d) => d.exited));
    await killGuestsUnder(join(box.root, 'run'));
    box.cleanup();
  });
  const paths = { state: join(box.root, 'state'), images: join(box.root, 'images'), runtime: join(box.root, 'run') };
  const start = async (failpoint = ''): Promise<{ daemon: SpawnedDaemon; conn: Connection }> => {
    for (const path of Object.values(paths)) mkdirSync(path, { recursive: true });
    const args = ['--state-dir', paths.state, '--storage-root', paths.images, '--qemu-runtime-dir', paths.runtime];
    const daemon = await spawnDaemon(args, failpoint ? { VIRTWIRE_FAILPOINTS: failpoint } : {});
    daemons.add(daemon);
    return { daemon, conn: await connect(`qemu+${daemon.wsAddress}/session`) };
  };
  const stop = async ({ daemon, conn }: { daemon: SpawnedDaemon; conn: Connection }) => {
    await conn.close();
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    daemons.delete(daemon);
  };
  /** Makes `call` on a daemon that dies at `failpoint`, then starts a fresh one (whose start-up recovers the change). */
  const killedAt = async (failpoint: string, call: (conn: Connection) => Promise<unknown>) => {
    const dying = await start(failpoint);
    expect((await failure(call(dying.conn))).name).toBe('ConnectionClosedError');
    await dying.daemon.exited;
    daemons.delete(dying.daemon);
    return start();
  };

  it('leaves no copy of an undone create, and finishes the restore of a committed revert', async () => {
    const setup = await start();
    const disk = await box.image(join(paths.images, 'nk.qcow2'));
    const dom = await setup.conn.domainDefineXML(uefiXml('nk', disk));
    await dom.create(DomainCreateFlags.StartPaused);
    await dom.destroy();
    await stop(setup);
    const nvram = join(paths.state, 'qemu', 'nvram', 'nk_VARS.fd');
    const snapshotDir = join(paths.state, 'qemu', 'snapshots', 'nk');
    const create = (conn: Connection) => conn.domainLookupByName('nk').then((d) => d.snapshotCreateXML('<domainsnapshot><name>k1</name></domainsnapshot>'));
    writeFileSync(nvram, filled(0x5a));

    // killed once the copy's file is reserved (empty), and once it is written: undone, nothing left
    for (const failpoint of ['qemu.snapshot-create.files-journaled', 'qemu.snapshot-create.nvram-saved']) {
      const next = await killedAt(failpoint, create);
      expect((await (await next.conn.domainLookupByName('nk')).listAllSnapshots()).map((s) => s.name)).toEqual([]);
      expect(existsSync(snapshotDir) ? readdirSync(snapshotDir) : []).toEqual([]);
      expect(readFileSync(nvram).equals(filled(0x5a))).toBe(true);
      await stop(next);
    }

    // killed once the revert committed, and once its NVRAM was restored: recovery completes it
    const made = await start();
    await create(made.conn);
    await stop(made);
    const revert = (conn: Connection) => conn.domainLookupByName('nk').then((d) => d.snapshotLookupByName('k1').then((s) => s.revert()));
    for (const failpoint of ['qemu.snapshot-revert.committed', 'qemu.snapshot-revert.nvram-restored']) {
      writeFileSync(nvram, filled(0x6b));
      const next = await killedAt(failpoint, revert);
      expect(readFileSync(nvram).equals(filled(0x5a))).toBe(true);
      expect((await (await next.conn.domainLookupByName('nk')).snapshotCurrent()).name).toBe('k1');
      await stop(next);
    }
  }, 180_000);
});
