// DomainAbortJob on qemu snapshot revert and delete held before their commit point: honoured, nothing changed, no file left; the same calls then go through.
import { connect, DomainJobOperation, DomainJobType, DomainSnapshotCreateFlags as Create, ErrorNumber, type Connection } from '@virtwire/client';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useQemuDaemon } from './qemu-daemon-fixture.js';
import { domainXml, failure, hasQemu, target } from './qemu-fixture.js';

const markers = mkdtempSync(join(tmpdir(), 'virtwire-abort-rd-'));
const REVERT = join(markers, 'revert');
const DELETE = join(markers, 'delete');
const MERGING = join(markers, 'merging');
// read by the qemu driver when the fixture's daemon starts (this file's own process)
process.env.VIRTWIRE_FAILPOINTS = `qemu.snapshot-revert.before-commit=pause:${REVERT},qemu.snapshot-delete.before-commit=pause:${DELETE},qemu.snapshot-delete.offline-commit.before-commit.vda=pause:${MERGING}`;

async function reached(marker: string): Promise<void> {
  while (!existsSync(marker)) await sleep(10);
}

describe.skipIf(!hasQemu)('qemu driver: DomainAbortJob on revert and delete', () => {
  const qemu = useQemuDaemon();

  it('aborts an external revert and a delete before their commit point (nothing changed), refuses after it', async () => {
    const { conn, box, images } = qemu;
    const other: Connection = await connect(qemu.server.qemuUri);
    const disk = await box.image(join(images, 'ard-vda.qcow2'), 8 * 1024 * 1024);
    const dom = await conn.domainDefineXML(domainXml('ard', [{ target: target(0), path: disk }]));
    const external = (name: string) =>
      `<domainsnapshot><name>${name}</name><disks><disk name='vda' snapshot='external'><source file='${join(images, `ard-vda.${name}`)}'/></disk></disks></domainsnapshot>`;
    await dom.snapshotCreateXML(external('s1'), Create.DiskOnly);
    await dom.snapshotCreateXML(external('s2'), Create.DiskOnly);
    const before = { xml: await dom.getXMLDesc(), files: readdirSync(images).sort(), current: (await dom.snapshotCurrent()).name };
    const unchanged = async () => {
      expect(await dom.getXMLDesc()).toBe(before.xml);
      expect(readdirSync(images).sort()).toEqual(before.files);
      expect((await dom.snapshotCurrent()).name).toBe(before.current);
      expect((await dom.listAllSnapshots()).map((s) => s.name).sort()).toEqual(['s1', 's2']);
    };

    // revert to s1: its fresh overlay is reserved, then the revert waits at its commit point
    const reverting = failure((await dom.snapshotLookupByName('s1')).revert());
    await reached(REVERT);
    expect(readdirSync(images).length).toBe(before.files.length + 1);
    expect(await other.call('DomainGetJobStats', { domain: dom.ref, flags: 0 })).toEqual({
      type: DomainJobType.Unbounded,
      params: { operation: DomainJobOperation.SnapshotRevert, time_elapsed: expect.any(Number) },
    });
    expect(await other.call('DomainAbortJob', { domain: dom.ref })).toBeNull();
    rmSync(REVERT);
    const revertError = await reverting;
    expect([revertError.code, revertError.message]).toEqual([ErrorNumber.OperationAborted, 'operation aborted: snapshot job: canceled by client']);
    await unchanged();

    // delete s2 (its overlay merged into s1's): aborted before the first disk changes
    const deleting = failure((await dom.snapshotLookupByName('s2')).delete());
    await reached(DELETE);
    expect(await other.call('DomainAbortJob', { domain: dom.ref })).toBeNull();
    rmSync(DELETE);
    const deleteError = await deleting;
    expect([deleteError.code, deleteError.message]).toEqual([ErrorNumber.OperationAborted, 'operation aborted: snapshot job: canceled by client']);
    await unchanged();

    // not aborted, both go through the same points; past its commit point (merging the overlay) the delete refuses an abort
    const deleted = (await dom.snapshotLookupByName('s2')).delete();
    await reached(DELETE);
    rmSync(DELETE);
    await reached(MERGING);
    const late = await failure(other.call('DomainAbortJob', { domain: dom.ref }));
    expect([late.code, late.message]).toEqual([
      ErrorNumber.OperationInvalid,
      'Requested operation is not valid: the job passed its commit point and cannot be aborted',
    ]);
    rmSync(MERGING);
    await deleted;
    expect((await dom.listAllSnapshots()).map((s) => s.name)).toEqual(['s1']);
    const reverted = (await dom.snapshotLookupByName('s1')).revert();
    await reached(REVERT);
    rmSync(REVERT);
    await reverted;
    expect((await dom.snapshotCurrent()).name).toBe('s1');
    // with the job over, an abort is refused with libvirt's error
    const idle = await failure(other.call('DomainAbortJob', { domain: dom.ref }));
    expect(idle.code).toBe(ErrorNumber.OperationInvalid);
    await other.close();
    rmSync(markers, { recursive: true, force: true });
  }, 60_000);
});
