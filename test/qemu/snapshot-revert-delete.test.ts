// Reverting to and deleting qemu-driver snapshots on real QEMU: internal tags, checkpoints, external overlays merged back or replaced.
import {
  DomainCreateFlags,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotDeleteFlags as Delete,
  DomainSnapshotRevertFlags as Revert,
  DomainState,
  ErrorNumber,
  type Connection,
  type Domain,
} from '@virtwire/client';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QmpClient } from '@virtwire/server/qemu-engine';
import {
  backingFiles,
  blockGraph,
  domainXml,
  expectCleanImage,
  failure,
  guestWrite,
  hasQemu,
  imageHasPattern,
  imageTags,
  inspect,
  QemuSandbox,
} from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

const external = (name: string, a: string, b: string) =>
  `<domainsnapshot><name>${name}</name><disks><disk name='vda' snapshot='external'><source file='${a}'/></disk><disk name='vdb' snapshot='external'><source file='${b}'/></disk></disks></domainsnapshot>`;

describe.skipIf(!hasQemu)('qemu driver: revert and delete', () => {
  const qemu = useQemuDaemon();
  let box: QemuSandbox, conn: Connection, runtimeDir: string, images: string;
  beforeAll(() => ({ box, conn, runtimeDir, images } = qemu));
  let counter = 0;
  const monitors: QmpClient[] = [];
  afterEach(async () => {
    await Promise.all(monitors.splice(0).map((m) => m.close()));
  });

  async function domain(): Promise<{ dom: Domain; name: string; a: string; b: string }> {
    const name = `d${++counter}`;
    const a = await box.image(join(images, `${name}-a.qcow2`));
    const b = await box.image(join(images, `${name}-b.qcow2`));
    const dom = await conn.domainDefineXML(
      domainXml(name, [
        { target: 'vda', path: a },
        { target: 'vdb', path: b },
      ]),
    );
    return { dom, name, a, b };
  }

  async function start(dom: Domain, flags = DomainCreateFlags.StartPaused): Promise<{ live: Domain; qmp: QmpClient }> {
    await dom.create(flags);
    const live = await conn.domainLookupByName(dom.name);
    const qmp = await inspect(runtimeDir, live.uuid);
    monitors.push(qmp);
    return { live, qmp };
  }

  it('deletes a live external snapshot by merging each overlay into its base (block commit), then removes the overlays', async () => {
    const { dom, name, a, b } = await domain();
    const { live, qmp } = await start(dom);
    const [oa, ob] = [join(images, `${name}-a.s1`), join(images, `${name}-b.s1`)];
    await live.snapshotCreateXML(external('s1', oa, ob), Create.DiskOnly | Create.Atomic);
    await guestWrite(qmp, 'vda', 0x5a);
    await guestWrite(qmp, 'vdb', 0x6b);
    await (await live.snapshotLookupByName('s1')).delete();
    const graph = await blockGraph(qmp);
    expect(graph.disks.vda!.chain).toEqual([a]);
    expect(graph.disks.vdb!.chain).toEqual([b]);
    expect(graph.nodes.some((n) => n.includes('-g1-'))).toBe(false);
    expect(existsSync(oa) || existsSync(ob)).toBe(false);
    expect(imageHasPattern(a, 0x5a)).toBe(true);
    expect(imageHasPattern(b, 0x6b)).toBe(true);
    expect(await live.snapshotNum()).toBe(0);
    const xml = await live.getXMLDesc();
    expect(xml).toContain(`<source file='${a}'/>`);
    expect(xml).not.toContain(oa);
    await expectCleanImage(a);
    await live.destroy();
  });

  it('deletes an offline external snapshot with qemu-img commit; refuses one whose overlay is no longer the active image', async () => {
    const { dom, name, a, b } = await domain();
    await dom.snapshotCreateXML(external('s1', join(images, `${name}-a.s1`), join(images, `${name}-b.s1`)), Create.DiskOnly);
    await dom.snapshotCreateXML(external('s2', join(images, `${name}-a.s2`), join(images, `${name}-b.s2`)), Create.DiskOnly);
    const inner = await failure((await dom.snapshotLookupByName('s1')).delete());
    expect(inner.code).toBe(ErrorNumber.ConfigUnsupported);
    await (await dom.snapshotLookupByName('s2')).delete();
    expect(await backingFiles(join(images, `${name}-a.s1`))).toEqual([join(images, `${name}-a.s1`), a]);
    await (await dom.snapshotLookupByName('s1')).delete();
    expect(await dom.getXMLDesc()).toContain(`<source file='${b}'/>`);
    expect(existsSync(join(images, `${name}-a.s1`))).toBe(false);
    expect(await dom.hasCurrentSnapshot()).toBe(false);
  });

  it('reverts a stopped domain to an internal snapshot (all disks, qemu-img), and deletes the tag from every disk', async () => {
    const { dom, a, b } = await domain();
    const { live, qmp } = await start(dom);
    await guestWrite(qmp, 'vda', 0x11);
    await live.destroy();
    await dom.snapshotCreateXML('<domainsnapshot><name>i1</name></domainsnapshot>', Create.Atomic);
    const { live: again, qmp: qmp2 } = await start(dom);
    await guestWrite(qmp2, 'vda', 0x22);
    await again.destroy();
    expect(imageHasPattern(a, 0x22)).toBe(true);
    await (await dom.snapshotLookupByName('i1')).revert();
    expect(imageHasPattern(a, 0x11)).toBe(true);
    expect(await dom.isActive()).toBe(false);
    expect(await imageTags(a)).toEqual(['i1']);
    await (await dom.snapshotLookupByName('i1')).delete();
    expect(await imageTags(a)).toEqual([]);
    expect(await imageTags(b)).toEqual([]);
  });

  it("reverts a running guest to a checkpoint (snapshot-load) and keeps the snapshot's run state unless told otherwise", async () => {
    const { dom, a } = await domain();
    const { live, qmp } = await start(dom);
    await guestWrite(qmp, 'vda', 0x31);
    await live.snapshotCreateXML('<domainsnapshot><name>c1</name></domainsnapshot>', Create.Atomic);
    await guestWrite(qmp, 'vda', 0x32);
    await (await live.snapshotLookupByName('c1')).revert();
    expect((await live.getState()).state).toBe(DomainState.Paused);
    expect(imageHasPattern(a, 0x31)).toBe(true);
    await (await live.snapshotLookupByName('c1')).revert(Revert.Running);
    expect((await live.getState()).state).toBe(DomainState.Running);
    await live.destroy();
    await (await dom.snapshotLookupByName('c1')).revert();
    expect(await dom.getState()).toMatchObject({ state: DomainState.Paused, reason: 7 });
    await (await dom.snapshotLookupByName('c1')).delete();
    expect(await imageTags(a)).toEqual([]);
    await (await conn.domainLookupByName(dom.name)).destroy();
  });

  it('reverts to an external snapshot with a fresh overlay on its images (the old overlay stays: snapshot s1 records it)', async () => {
    const { dom, name, a } = await domain();
    const { live, qmp } = await start(dom);
    const [oa, ob] = [join(images, `${name}-a.s1`), join(images, `${name}-b.s1`)];
    await guestWrite(qmp, 'vda', 0x41);
    await live.snapshotCreateXML(external('s1', oa, ob), Create.DiskOnly | Create.Atomic);
    await guestWrite(qmp, 'vda', 0x42);
    await (await live.snapshotLookupByName('s1')).revert(Revert.Paused);
    const back = await conn.domainLookupByName(dom.name);
    const qmp2 = await inspect(runtimeDir, back.uuid);
    monitors.push(qmp2);
    const graph = await blockGraph(qmp2);
    expect(graph.disks.vda!.chain).toEqual([join(images, `${name}-a.s1-r1`), a]);
    expect(imageHasPattern(join(images, `${name}-a.s1-r1`), 0x41)).toBe(true);
    expect(existsSync(oa)).toBe(true); // still the image snapshot s1 recorded as its overlay
    expect(await (await back.snapshotCurrent()).name).toBe('s1');
    await back.destroy();
  });

  it('METADATA_ONLY and CHILDREN: parents relink, current moves to the parent', async () => {
    const { dom } = await domain();
    for (const name of ['m1', 'm2', 'm3']) await dom.snapshotCreateXML(`<domainsnapshot><name>${name}</name></domainsnapshot>`, 0);
    await (await dom.snapshotLookupByName('m2')).delete(Delete.MetadataOnly);
    expect((await (await dom.snapshotLookupByName('m3')).getParent()).name).toBe('m1');
    await (await dom.snapshotLookupByName('m1')).delete(Delete.Children);
    expect(await dom.snapshotNum()).toBe(0);
    expect(await dom.hasCurrentSnapshot()).toBe(false);
  });
});
