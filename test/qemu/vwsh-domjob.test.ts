// vwsh domjobinfo and domjobabort on a live qemu snapshot held at a step before its commit point: virsh's lines, and the abort honoured.
import { DomainSnapshotCreateFlags as Create, ErrorNumber } from '@virtwire/client';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { vwsh } from '../cli/helpers/vwsh-transcript.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';
import { domainXml, failure, hasQemu, target } from './qemu-fixture.js';

const markers = mkdtempSync(join(tmpdir(), 'virtwire-vwsh-job-'));
const marker = join(markers, 'before-transaction');
// read by the qemu driver when the fixture's daemon starts (this file's own process)
process.env.VIRTWIRE_FAILPOINTS = `qemu.snapshot-create.live-external.before-transaction=pause:${marker}`;

describe.skipIf(!hasQemu)('vwsh domjobinfo and domjobabort (qemu driver)', () => {
  const qemu = useQemuDaemon();

  it('shows the held snapshot job, aborts it before its commit point, then shows the failed job', async () => {
    const { conn, box, images } = qemu;
    const disk = await box.image(join(images, 'vj-vda.qcow2'), 8 * 1024 * 1024);
    const dom = await conn.domainDefineXML(domainXml('vj', [{ target: target(0), path: disk }]));
    await dom.create();
    const imagesBefore = readdirSync(images).sort();
    const run = (chain: string) => vwsh(['-c', qemu.server.qemuUri, chain]);

    const overlay = `<disk name='vda' snapshot='external'><source file='${join(images, 'vj-vda.s1')}'/></disk>`;
    const creating = failure(
      dom.snapshotCreateXML(`<domainsnapshot><name>s1</name><disks>${overlay}</disks></domainsnapshot>`, Create.DiskOnly | Create.Atomic),
    );
    while (!existsSync(marker)) await sleep(10);
    const info = await run('domjobinfo vj');
    expect(info.stdout).toMatch(/^Job type: {9}Unbounded {3}\nOperation: {8}Snapshot {4}\nTime elapsed: {5}\d+ +ms\n\n$/);
    expect(await run('domjobabort vj')).toEqual({ stdout: '\n', stderr: '', code: 0 });
    const error = await creating;
    expect([error.code, error.message]).toEqual([ErrorNumber.OperationAborted, 'operation aborted: snapshot job: canceled by client']);
    expect(await dom.snapshotNum()).toBe(0);
    expect(readdirSync(images).sort()).toEqual(imagesBefore);

    const after = await run('domjobinfo vj --completed --anystats');
    expect(after.stdout).toMatch(
      /^Job type: {9}Failed {6}\nOperation: {8}Snapshot {4}\nTime elapsed: {5}\d+ +ms\nError message: {4}operation aborted: snapshot job: canceled by client\n\n$/,
    );
    expect((await run('domjobabort vj')).stderr).toBe('error: Requested operation is not valid: no job is active on the domain\n');
    await dom.destroy();
    rmSync(markers, { recursive: true, force: true });
  }, 60_000);
});
