// The scenario that motivated ATOMIC on real QEMU: a two-disk snapshot whose second overlay is on read-only storage, live and offline.
import {
  DomainCreateFlags,
  DomainSnapshotCreateFlags as Create,
  DomainXMLFlags,
  ErrorDomain,
  ErrorNumber,
  type Connection,
  type Domain,
} from '@virtwire/client';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { QmpClient } from '@virtwire/server/qemu-engine';
import type { TestDaemon } from '../helpers/virtwired.js';
import { backingFiles, blockGraph, canMount, domainXml, expectCleanImage, failure, fileFingerprint, hasQemu, inspect, QemuSandbox } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

const seedXml = (name: string, first: string, second: string) => `<domainsnapshot>
  <name>${name}</name>
  <disks>
    <disk name='vda' snapshot='external'><source file='${first}'/></disk>
    <disk name='vdb' snapshot='external'><source file='${second}'/></disk>
  </disks>
</domainsnapshot>`;

describe.skipIf(!hasQemu || !canMount)('qemu driver: two-disk snapshot with the second overlay on read-only storage', () => {
  let readOnly: string;
  const qemu = useQemuDaemon({ extraRoots: (sandbox) => [(readOnly = sandbox.mountTmpfs(sandbox.path('ro'), { readOnly: true }))] });
  let box: QemuSandbox, server: TestDaemon, conn: Connection, runtimeDir: string, images: string;
  beforeAll(() => ({ box, server, conn, runtimeDir, images } = qemu));

  async function twoDiskDomain(name: string): Promise<Domain> {
    const a = await box.image(join(images, `${name}-a.qcow2`));
    const b = await box.image(join(images, `${name}-b.qcow2`));
    return conn.domainDefineXML(
      domainXml(name, [
        { target: 'vda', path: a },
        { target: 'vdb', path: b },
      ]),
    );
  }

  /** Everything that must stay as it was: domain XML (live and inactive), files, snapshots, intent records. */
  async function observable(dom: Domain) {
    return {
      xml: await dom.getXMLDesc(),
      inactiveXml: await dom.getXMLDesc(DomainXMLFlags.Inactive),
      files: fileFingerprint(images),
      readOnlyFiles: fileFingerprint(readOnly),
      snapshots: await dom.snapshotNum(),
      intents: readdirSync(join(server.stateDir, 'qemu', 'intents')),
    };
  }

  for (const [label, flags] of [
    ['ATOMIC', Create.DiskOnly | Create.Atomic],
    ['without ATOMIC (the atomic path is always taken)', Create.DiskOnly],
  ] as const) {
    it(`running (paused) guest, ${label}: fails with a per-disk report and changes nothing, in QEMU or on disk`, async () => {
      const name = flags & Create.Atomic ? 'live-atomic' : 'live-plain';
      await (await twoDiskDomain(name)).create(DomainCreateFlags.StartPaused);
      const dom = await conn.domainLookupByName(name);
      const qmp: QmpClient = await inspect(runtimeDir, dom.uuid);
      try {
        const graphBefore = await blockGraph(qmp);
        const before = await observable(dom);
        const second = join(readOnly, `${name}-b.s1`);

        const error = await failure(dom.snapshotCreateXML(seedXml('s1', join(images, `${name}-a.s1`), second), flags));
        expect([error.code, error.domain]).toEqual([ErrorNumber.SystemError, ErrorDomain.Qemu]);
        expect(error.message).toBe(`unable to create overlay '${second}' for disk 'vdb': Read-only file system`);
        expect(error.disks).toEqual([
          { disk: 'vda', outcome: 'rolled-back', source: join(images, `${name}-a.qcow2`) },
          { disk: 'vdb', outcome: 'untouched', source: join(images, `${name}-b.qcow2`), reason: error.message },
        ]);
        expect(await blockGraph(qmp)).toEqual(graphBefore);
        expect(await observable(dom)).toEqual(before);

        const ok = await dom.snapshotCreateXML(seedXml('s1', join(images, `${name}-a.s1`), join(images, `${name}-b.s1`)), flags);
        expect(ok.name).toBe('s1');
        const graph = await blockGraph(qmp);
        expect(graph.disks.vda!.chain).toEqual([join(images, `${name}-a.s1`), join(images, `${name}-a.qcow2`)]);
        expect(graph.disks.vdb!.chain).toEqual([join(images, `${name}-b.s1`), join(images, `${name}-b.qcow2`)]);
        const xml = await dom.getXMLDesc();
        expect(xml).toContain(`<source file='${join(images, `${name}-a.s1`)}'/>`);
        expect(xml).toContain(`<source file='${join(images, `${name}-b.qcow2`)}'/>`);
        expect(await dom.getXMLDesc(DomainXMLFlags.Inactive)).toContain(`<source file='${join(images, `${name}-b.s1`)}'/>`);
        for (const overlay of ['a', 'b']) await expectCleanImage(join(images, `${name}-${overlay}.s1`));
        expect(await dom.snapshotNum()).toBe(1);
      } finally {
        await qmp.close();
        await dom.destroy();
      }
    });
  }

  it('stopped domain, ATOMIC and not: fails the same way, leaves no file, and succeeds once the target is writable', async () => {
    const dom = await twoDiskDomain('off');
    for (const flags of [Create.DiskOnly | Create.Atomic, Create.DiskOnly]) {
      const before = await observable(dom);
      const second = join(readOnly, 'off-b.s1');
      const error = await failure(dom.snapshotCreateXML(seedXml('s1', join(images, 'off-a.s1'), second), flags));
      expect([error.code, error.domain, error.message]).toEqual([
        ErrorNumber.SystemError,
        ErrorDomain.Qemu,
        `unable to create overlay '${second}' for disk 'vdb': Read-only file system`,
      ]);
      expect(error.disks?.map((d) => [d.disk, d.outcome])).toEqual([
        ['vda', 'rolled-back'],
        ['vdb', 'untouched'],
      ]);
      expect(await observable(dom)).toEqual(before);
    }
    await dom.snapshotCreateXML(seedXml('s1', join(images, 'off-a.s1'), join(images, 'off-b.s1')), Create.DiskOnly | Create.Atomic);
    expect(await backingFiles(join(images, 'off-a.s1'))).toEqual([join(images, 'off-a.s1'), join(images, 'off-a.qcow2')]);
    expect(await dom.getXMLDesc()).toContain(`<source file='${join(images, 'off-b.s1')}'/>`);
    await expectCleanImage(join(images, 'off-b.s1'));
  });
});
