// A revert to an external memory snapshot killed at each of its points (the real virtwired binary): after a restart the guest runs from the snapshot's RAM, or as before the revert.
import { connect, DomainSnapshotCreateFlags as Create, DomainState, DomainXMLFlags, type Connection } from '@virtwire/client';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnDaemon, type SpawnedDaemon } from '../helpers/daemon-process.js';
import { readGuestRam, writeGuestRam } from './guest-ram.js';
import { domainXml, hasQemu, inspect, killGuestsUnder, listFiles, QemuSandbox } from './qemu-fixture.js';

const RAM_AT = 0x3000000;
const A = Buffer.from('ram-before-the-snapshot');
const B = Buffer.from('ram-after--the-snapshot');

/** The revert's points, in order, and whether the revert is done (forward) when the daemon dies there. */
const POINTS: Array<[string, boolean]> = [
  ['qemu.snapshot-revert.journaled', false],
  ['qemu.snapshot-revert.files-journaled', false],
  ['qemu.snapshot-revert.committed', true],
  ['qemu.snapshot-revert.overlay-written.vda', true],
  ['qemu.snapshot-revert.metadata-written', true],
  ['qemu.snapshot-revert.state-applied', true],
  ['qemu.guest.memory-loaded', true],
];

describe.skipIf(!hasQemu)('qemu driver: a revert to a memory snapshot killed at each point', () => {
  let box: QemuSandbox;
  const daemons = new Set<SpawnedDaemon>();
  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), '-b'], { cwd: process.cwd() });
    box = QemuSandbox.create();
  });
  afterEach(async () => {
    for (const daemon of daemons) daemon.child.kill('SIGKILL');
    await Promise.all([...daemons].map((d) => d.exited));
  });
  afterAll(async () => {
    await killGuestsUnder(box.path('run'));
    box?.cleanup();
  });

  it(
    'every point: the guest runs, its RAM the snapshot’s once the revert committed (else as it was), no intent, no stray file',
    { timeout: 180_000 },
    async () => {
      const paths = { state: box.path('state'), images: box.path('images'), runtime: box.path('run') };
      for (const path of Object.values(paths)) mkdirSync(path, { recursive: true });
      const start = async (failpoint = ''): Promise<{ daemon: SpawnedDaemon; conn: Connection }> => {
        const daemon = await spawnDaemon(
          ['--state-dir', paths.state, '--storage-root', paths.images, '--qemu-runtime-dir', paths.runtime, '--qemu-inspection-monitor'],
          { VIRTWIRE_FAILPOINTS: failpoint },
        );
        daemons.add(daemon);
        void daemon.exited.then(() => daemons.delete(daemon));
        return { daemon, conn: await connect(`qemu+${daemon.wsAddress}/session`) };
      };
      let { daemon, conn } = await start();
      const disk = await box.image(join(paths.images, 'vda.qcow2'));
      await (await conn.domainDefineXML(domainXml('mr', [{ target: 'vda', path: disk }]))).create();
      let dom = await conn.domainLookupByName('mr');
      let qmp = await inspect(paths.runtime, dom.uuid);
      await writeGuestRam(qmp, box.root, RAM_AT, A);
      const memory = join(paths.images, 's1.mem');
      await dom.snapshotCreateXML(
        `<domainsnapshot><name>s1</name><memory snapshot='external' file='${memory}'/><disks><disk name='vda' snapshot='external'><source file='${join(paths.images, 'vda.s1')}'/></disk></disks></domainsnapshot>`,
        Create.Atomic,
      );

      for (const [point, forward] of POINTS) {
        await writeGuestRam(qmp, box.root, RAM_AT, B);
        await qmp.close();
        await conn.close();
        daemon.child.kill('SIGTERM');
        await daemon.exited;
        ({ daemon, conn } = await start(point));
        const outcome = await (
          await conn.domainLookupByName('mr')
        )
          .snapshotLookupByName('s1')
          .then((s) => s.revert())
          .then(
            () => 'returned',
            () => 'failed',
          );
        expect(`${outcome} / ${String(await daemon.exited)}`, point).toBe('failed / SIGKILL');
        ({ daemon, conn } = await start());
        dom = await conn.domainLookupByName('mr');
        expect((await dom.getState()).state, point).toBe(DomainState.Running);
        qmp = await inspect(paths.runtime, dom.uuid);
        expect((await readGuestRam(qmp, box.root, RAM_AT, A.length)).toString(), point).toBe((forward ? A : B).toString());
        expect(readdirSync(join(paths.state, 'qemu', 'intents')), point).toEqual([]);
        const referenced = new Set<string>();
        for (const xml of [await dom.getXMLDesc(), await dom.getXMLDesc(DomainXMLFlags.Inactive), await (await dom.snapshotLookupByName('s1')).getXMLDesc()])
          for (const match of xml.matchAll(/file='([^']+)'/g)) referenced.add(match[1]!);
        expect(
          listFiles(paths.images).filter((f) => !referenced.has(join(paths.images, f))),
          point,
        ).toEqual([]);
      }
      await qmp.close();
      await dom.destroy();
      await conn.close();
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    },
  );
});
