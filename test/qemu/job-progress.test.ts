// DomainGetJobStats and vwsh domjobinfo report a running QEMU job's data processed/remaining/total (a live merge held at "ready"), and nothing when unknown.
import { connect, DomainJobOperation, DomainJobType, DomainSnapshotCreateFlags as Create } from '@virtwire/client';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { vwsh } from '../cli/helpers/vwsh-transcript.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';
import { domainXml, guestWrite, hasQemu, inspect, MiB, target } from './qemu-fixture.js';

const markers = mkdtempSync(join(tmpdir(), 'virtwire-job-progress-'));
const marker = join(markers, 'commit-ready');
// read by the qemu driver when the fixture's daemon starts (this file's own process): the merge of vda waits at "ready"
process.env.VIRTWIRE_FAILPOINTS = `qemu.snapshot-delete.live-commit.ready.vda=pause:${marker}`;

describe.skipIf(!hasQemu)('job progress of a running QEMU job (qemu driver)', () => {
  const qemu = useQemuDaemon();

  it('reports the held block-commit as data processed + remaining = total, and prints no figures when none are known', async () => {
    const { conn, box, images } = qemu;
    const disk = await box.image(join(images, 'jp-vda.qcow2'), 8 * MiB);
    const dom = await conn.domainDefineXML(domainXml('jp', [{ target: target(0), path: disk }]));
    await dom.create();
    const run = (chain: string) => vwsh(['-c', qemu.server.qemuUri, chain]);
    const overlay = join(images, 'jp-vda.s1');
    await dom.snapshotCreateXML(
      `<domainsnapshot><name>s1</name><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`,
      Create.DiskOnly | Create.Atomic,
    );
    // 1 MiB the guest wrote since the snapshot: the merge of the overlay into its base has that much to copy
    const monitor = await inspect(qemu.runtimeDir, dom.uuid);
    await guestWrite(monitor, 'vda', 0x5a, '1M');
    monitor.close();

    const other = await connect(qemu.server.qemuUri);
    const idle = await other.call('DomainGetJobStats', { domain: dom.ref, flags: 0 });
    expect(idle).toEqual({ type: DomainJobType.None, params: {} });

    const deleting = (await dom.snapshotLookupByName('s1')).delete();
    while (!existsSync(marker)) await sleep(10);
    const stats = await other.call('DomainGetJobStats', { domain: dom.ref, flags: 0 });
    expect(stats.type).toBe(DomainJobType.Unbounded);
    expect(stats.params.operation).toBe(DomainJobOperation.SnapshotDelete);
    const { data_processed: processed, data_remaining: remaining, data_total: total } = stats.params;
    expect([typeof processed, typeof remaining, typeof total]).toEqual(['number', 'number', 'number']);
    expect(Number(processed) + Number(remaining)).toBe(total);
    // the merge is ready: everything the guest wrote was copied, and that is at least the 1 MiB
    expect(remaining).toBe(0);
    expect(processed).toBeGreaterThanOrEqual(MiB);
    expect(processed).toBeLessThanOrEqual(8 * MiB);

    // callers asking at once get the same consistent figures
    const together = await Promise.all([1, 2, 3, 4].map(() => other.call('DomainGetJobStats', { domain: dom.ref, flags: 0 })));
    for (const each of together)
      expect([each.params.data_processed, each.params.data_remaining, each.params.data_total]).toEqual([processed, remaining, total]);

    const info = await run('domjobinfo jp');
    // between 1 MiB and 8 MiB, so virsh's vshPrettyCapacity says MiB with three decimals
    const size = (bytes: unknown) => `${(Number(bytes) / MiB).toFixed(3).replace('.', '\\.')} MiB`;
    expect(info.stdout).toMatch(
      new RegExp(
        `^Job type: {9}Unbounded {3}\\nOperation: {8}Snapshot delete\\nTime elapsed: {5}\\d+ +ms\\n` +
          `Data processed: {3}${size(processed)}\\nData remaining: {3}0\\.000 B\\nData total: {7}${size(total)}\\n\\n$`,
      ),
    );

    rmSync(marker);
    await deleting;
    expect(await dom.snapshotNum()).toBe(0);
    // the job is over: no figures for it, none printed
    const done = await other.call('DomainGetJobStats', { domain: dom.ref, flags: 1 /* COMPLETED */ });
    expect(Object.keys(done.params).filter((field) => field.startsWith('data_'))).toEqual([]);
    expect((await run('domjobinfo jp --completed')).stdout).not.toMatch(/Data/);
    await other.close();
    await dom.destroy();
    rmSync(markers, { recursive: true, force: true });
  }, 60_000);
});
