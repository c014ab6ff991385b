// Out of space on the storage root (a small tmpfs): a clear error, nothing left behind, and the same request succeeds once space is freed.
import {
  DomainCreateFlags,
  DomainSnapshotCreateFlags as Create,
  DomainXMLFlags,
  ErrorDomain,
  ErrorNumber,
  type Connection,
  type Domain,
} from '@virtwire/client';
import { promises as fs, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { QmpClient } from '@virtwire/server/qemu-engine';
import type { TestDaemon } from '../helpers/virtwired.js';
import { blockGraph, canMount, domainXml, expectCleanImage, failure, hasQemu, inspect, listFiles, QemuSandbox } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

const request = (name: string, a: string, b: string) =>
  `<domainsnapshot><name>${name}</name><disks><disk name='vda' snapshot='external'><source file='${a}'/></disk><disk name='vdb' snapshot='external'><source file='${b}'/></disk></disks></domainsnapshot>`;

/** Fills the filesystem of `dir` until at most `leaveBytes` are free. */
async function fill(dir: string, leaveBytes: number): Promise<void> {
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  await fs.writeFile(join(dir, 'filler'), Buffer.alloc(Math.max(0, free - leaveBytes)));
}

describe.skipIf(!hasQemu || !canMount)('qemu driver: out of space on the storage root', () => {
  let small: string;
  const qemu = useQemuDaemon({ extraRoots: (sandbox) => [(small = sandbox.mountTmpfs(sandbox.path('small'), { sizeBytes: 4 * 1024 * 1024 }))] });
  let box: QemuSandbox, server: TestDaemon, conn: Connection, runtimeDir: string, images: string;
  beforeAll(() => ({ box, server, conn, runtimeDir, images } = qemu));

  async function twoDisks(name: string): Promise<Domain> {
    const a = await box.image(join(images, `${name}-a.qcow2`), 1024 * 1024 * 1024);
    const b = await box.image(join(images, `${name}-b.qcow2`), 1024 * 1024 * 1024);
    return conn.domainDefineXML(
      domainXml(name, [
        { target: 'vda', path: a },
        { target: 'vdb', path: b },
      ]),
    );
  }

  for (const mode of ['live', 'offline'] as const) {
    it(`${mode}: the overlay that does not fit fails with ENOSPC, every other one is removed, and it works after freeing space`, async () => {
      let dom = await twoDisks(`${mode}-full`);
      let qmp: QmpClient | undefined;
      if (mode === 'live') {
        await dom.create(DomainCreateFlags.StartPaused);
        dom = await conn.domainLookupByName(dom.name);
        qmp = await inspect(runtimeDir, dom.uuid);
      }
      try {
        const [oa, ob] = [join(small, `${mode}-a.s1`), join(small, `${mode}-b.s1`)];
        const smallBefore = listFiles(small);
        // room for an empty file (tmpfs counts inodes apart), not for one block of a qcow2 overlay: the
        // driver writes overlays sparsely (about 12 KiB of a 1 GiB disk's), QEMU's blockdev-create 256 KiB
        await fill(small, 0);
        const graphBefore = qmp ? await blockGraph(qmp) : undefined;
        const xmlBefore = await dom.getXMLDesc(DomainXMLFlags.Inactive);
        const imagesBefore = listFiles(images);

        const error = await failure(dom.snapshotCreateXML(request('s1', oa, ob), Create.DiskOnly | Create.Atomic));
        expect([error.code, error.domain]).toEqual([ErrorNumber.SystemError, ErrorDomain.Qemu]);
        expect(error.message).toMatch(new RegExp(`^unable to create overlay '${small}/${mode}-[ab]\\.s1' for disk 'vd[ab]': .*No space left on device`));
        expect(error.disks?.every((d) => d.outcome !== 'changed')).toBe(true);
        expect(error.disks?.filter((d) => d.reason !== undefined)).toHaveLength(1);
        expect(listFiles(small)).toEqual([...smallBefore, 'filler'].sort());
        expect(listFiles(images)).toEqual(imagesBefore);
        expect(await dom.getXMLDesc(DomainXMLFlags.Inactive)).toBe(xmlBefore);
        if (qmp) expect(await blockGraph(qmp)).toEqual(graphBefore);
        expect(await dom.snapshotNum()).toBe(0);
        expect(readdirSync(join(server.stateDir, 'qemu', 'intents'))).toEqual([]);

        await fs.rm(join(small, 'filler'));
        await dom.snapshotCreateXML(request('s1', oa, ob), Create.DiskOnly | Create.Atomic);
        expect(listFiles(small)).toEqual([...smallBefore, `${mode}-a.s1`, `${mode}-b.s1`].sort());
        for (const overlay of [oa, ob]) await expectCleanImage(overlay);
        if (qmp) expect((await blockGraph(qmp)).disks.vdb!.chain[0]).toBe(ob);
      } finally {
        await qmp?.close();
        if (mode === 'live') await dom.destroy();
      }
    });
  }
});
