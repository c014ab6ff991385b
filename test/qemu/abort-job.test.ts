// DomainAbortJob on a 4-disk atomic live snapshot of real QEMU (TCG), aborted at each step before its commit point: every disk or none, no orphan file.
import { connect, DomainSnapshotCreateFlags as Create, ErrorNumber, type Connection } from '@virtwire/client';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { useQemuDaemon } from './qemu-daemon-fixture.js';
import { domainXml, failure, hasQemu, target } from './qemu-fixture.js';

/** The steps of a live external snapshot before its transaction (the commit point), each a pause point. */
const POINTS = ['before-reserve-files', 'before-format-overlays', 'before-add-format-nodes', 'before-transaction'];
const markers = mkdtempSync(join(tmpdir(), 'virtwire-abort-'));
const markerOf = (point: string) => join(markers, point);
// read by the qemu driver when the fixture's daemon starts (this file's own process)
process.env.VIRTWIRE_FAILPOINTS = POINTS.map((p) => `qemu.snapshot-create.live-external.${p}=pause:${markerOf(p)}`).join(',');

/** Waits until the create pauses at one of the points; returns it. */
async function pausedAt(): Promise<string> {
  for (;;) {
    const point = POINTS.find((p) => existsSync(markerOf(p)));
    if (point) return point;
    await sleep(10);
  }
}

describe.skipIf(!hasQemu)('qemu driver: DomainAbortJob', () => {
  const qemu = useQemuDaemon();
  afterAll(() => rmSync(markers, { recursive: true, force: true }));

  /** A running domain `name` with four 8 MiB qcow2 disks, its XML and the images directory's files before any snapshot. */
  async function runningFourDiskDomain(name: string) {
    const { conn, box, images } = qemu;
    const disks = await Promise.all([0, 1, 2, 3].map((i) => box.image(join(images, `${name}-${target(i)}.qcow2`), 8 * 1024 * 1024)));
    const dom = await conn.domainDefineXML(
      domainXml(
        name,
        disks.map((path, i) => ({ target: target(i), path })),
      ),
    );
    await dom.create();
    return { dom, before: await dom.getXMLDesc(), imagesBefore: readdirSync(images).sort() };
  }

  it('aborts a 4-disk atomic snapshot at each step before its commit point: nothing changes, no file is left', async () => {
    const { images } = qemu;
    const other: Connection = await connect(qemu.server.qemuUri);
    const { dom, before, imagesBefore } = await runningFourDiskDomain('ab');

    for (const [round, abortAt] of POINTS.entries()) {
      const name = `s${round}`;
      const overlays = [0, 1, 2, 3].map(
        (i) => `<disk name='${target(i)}' snapshot='external'><source file='${join(images, `ab-${target(i)}.${name}`)}'/></disk>`,
      );
      const creating = failure(
        dom.snapshotCreateXML(`<domainsnapshot><name>${name}</name><disks>${overlays.join('')}</disks></domainsnapshot>`, Create.DiskOnly | Create.Atomic),
      );
      const settled = creating.then((e) => `settled: ${e.code} ${e.message}`);
      for (;;) {
        const point = await Promise.race([pausedAt(), settled]);
        if (point.startsWith('settled')) throw new Error(point);
        if (point === abortAt) {
          // honoured right here, while the step waits: the abort answers once the job stopped
          expect(await other.call('DomainAbortJob', { domain: dom.ref })).toBeNull();
          rmSync(markerOf(point));
          break;
        }
        rmSync(markerOf(point));
      }
      const error = await creating;
      expect([error.code, error.message]).toEqual([ErrorNumber.OperationAborted, 'operation aborted: snapshot job: canceled by client']);
      expect(error.disks?.map((d) => d.outcome).every((o) => o === 'rolled-back' || o === 'untouched')).toBe(true);
      expect(await dom.snapshotNum()).toBe(0);
      expect(await dom.getXMLDesc()).toBe(before);
      expect(readdirSync(images).sort()).toEqual(imagesBefore);
    }

    // with no job running, libvirt's refusal
    const idle = await failure(other.call('DomainAbortJob', { domain: dom.ref }));
    expect([idle.code, idle.message]).toEqual([ErrorNumber.OperationInvalid, 'Requested operation is not valid: no job is active on the domain']);
    // and the same snapshot, not aborted, goes through every pause point and is made
    const made = dom.snapshotCreateXML(
      `<domainsnapshot><name>ok</name><disks>${[0, 1, 2, 3].map((i) => `<disk name='${target(i)}' snapshot='external'><source file='${join(images, `ab-${target(i)}.ok`)}'/></disk>`).join('')}</disks></domainsnapshot>`,
      Create.DiskOnly | Create.Atomic,
    );
    for (let i = 0; i < POINTS.length; i++) rmSync(markerOf(await pausedAt()));
    expect((await made).name).toBe('ok');
    expect(readFileSync(join(qemu.stateDir, 'qemu', 'domains', 'ab.xml'), 'utf8')).toContain('ab-vda.ok');
    await dom.destroy();
    await other.close();
  }, 120_000);

  it("cancels the same snapshot through the SDK's AbortSignal ($/cancelRequest): aborted before its commit point, nothing changes", async () => {
    const { images } = qemu;
    const { dom, before, imagesBefore } = await runningFourDiskDomain('cx');
    const overlays = [0, 1, 2, 3].map((i) => `<disk name='${target(i)}' snapshot='external'><source file='${join(images, `cx-${target(i)}.c1`)}'/></disk>`);
    const controller = new AbortController();
    const creating = failure(
      dom.snapshotCreateXML(`<domainsnapshot><name>c1</name><disks>${overlays.join('')}</disks></domainsnapshot>`, Create.DiskOnly | Create.Atomic, {
        signal: controller.signal,
      }),
    );
    // let it pass two steps, then cancel while the third waits
    for (let step = 0; step < 2; step++) rmSync(markerOf(await pausedAt()));
    const point = await pausedAt();
    controller.abort();
    rmSync(markerOf(point));
    const error = await creating;
    expect([error.code, error.message]).toEqual([ErrorNumber.OperationAborted, 'operation aborted: snapshot job: canceled by client']);
    expect(error.disks?.map((d) => d.outcome).every((o) => o === 'rolled-back' || o === 'untouched')).toBe(true);
    expect(await dom.snapshotNum()).toBe(0);
    expect(await dom.getXMLDesc()).toBe(before);
    expect(readdirSync(images).sort()).toEqual(imagesBefore);
    await dom.destroy();
  }, 120_000);
});
