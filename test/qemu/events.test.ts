// The qemu driver's events through a real virtwired and real QEMU (TCG): lifecycle from its calls, from QMP STOP/RESUME, from QEMU's death, and snapshot events.
import {
  connect,
  DomainEventId,
  DomainGetJobStatsFlags,
  DomainJobOperation,
  DomainJobType,
  DomainSnapshotCreateFlags,
  DomainSnapshotDeleteFlags,
  type DomainEventParams,
} from '@virtwire/client';
import { readPidFile, waitForProcessExit } from '@virtwire/server/qemu-engine';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { useQemuDaemon } from './qemu-daemon-fixture.js';
import { domainXml, hasQemu, inspect } from './qemu-fixture.js';

/** An event as `virsh event` names it: `Started Booted`, `snapshot created s1`. */
function describeEvent(e: DomainEventParams): string {
  if (e.eventID === DomainEventId.Lifecycle) return `${e.event}/${e.detail}`;
  if (e.eventID === DomainEventId.Snapshot) return `snapshot ${e.action} ${e.snapshot}`;
  return `event ${e.eventID}`;
}

describe.skipIf(!hasQemu)('qemu driver: events', () => {
  const qemu = useQemuDaemon({ inspectionMonitor: true });

  it('sends lifecycle and job-completed events for start, suspend, resume, a pause and a reset from the monitor, snapshots, destroy and QEMU dying', async () => {
    const watcher = await connect(qemu.server.qemuUri);
    const seen: string[] = [];
    const record = (e: DomainEventParams) => seen.push(describeEvent(e));
    await watcher.on('lifecycle', record);
    await watcher.on('snapshot', record);
    // a guest without an operating system may reset itself again after the reset asked for: count them apart
    let reboots = 0;
    await watcher.on('reboot', () => reboots++);
    await watcher.on('job-completed', (e) => {
      if (e.eventID === DomainEventId.JobCompleted) seen.push(`job ${e.params.operation} ${e.params.success} ${typeof e.params.time_elapsed}`);
    });
    const { conn, box, runtimeDir } = qemu;
    const disk = await box.image(join(qemu.images, 'ev.qcow2'));
    const dom = await conn.domainDefineXML(domainXml('ev', [{ target: 'vda', path: disk }]));
    await dom.create();
    await dom.suspend();
    await dom.resume();
    // a pause and a resume QEMU reports itself (QMP STOP and RESUME), not asked for through the daemon
    const monitor = await inspect(runtimeDir, dom.uuid);
    await monitor.execute('stop');
    await vi.waitFor(() => expect(seen.at(-1)).toBe('3/0'), { timeout: 10_000, interval: 20 });
    await monitor.execute('cont');
    await vi.waitFor(() => expect(seen.at(-1)).toBe('4/0'), { timeout: 10_000, interval: 20 });
    // a reset of the guest (QMP RESET) is libvirt's REBOOT event
    await monitor.execute('system_reset');
    await vi.waitFor(() => expect(reboots).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    await monitor.close();
    const snap = await dom.snapshotCreateXML(
      `<domainsnapshot><name>s1</name><disks><disk name='vda' snapshot='external'><source file='${join(qemu.images, 'ev.s1.qcow2')}'/></disk></disks></domainsnapshot>`,
      DomainSnapshotCreateFlags.DiskOnly,
    );
    const stats = await conn.call('DomainGetJobStats', { domain: dom.ref, flags: DomainGetJobStatsFlags.Completed });
    expect(stats).toEqual({
      type: DomainJobType.Completed,
      params: { operation: DomainJobOperation.Snapshot, time_elapsed: expect.any(Number), success: true },
    });
    expect(await conn.call('DomainGetJobStats', { domain: dom.ref, flags: 0 })).toEqual({ type: DomainJobType.None, params: {} });
    await snap.delete(DomainSnapshotDeleteFlags.MetadataOnly);
    await dom.destroy();
    await dom.create();
    const live = await conn.domainLookupByName('ev');
    const pid = await readPidFile(join(runtimeDir, live.uuid, 'qemu.pid'));
    process.kill(pid!, 'SIGKILL');
    await waitForProcessExit(pid!, 10_000);
    await vi.waitFor(() => expect(seen.at(-1)).toBe('5/5'), { timeout: 10_000, interval: 20 });
    await dom.undefine();
    await watcher.getVersion();

    expect(seen).toEqual([
      '0/0', // Defined Added
      '2/0', // Started Booted
      '3/0', // Suspended Paused
      '4/0', // Resumed Unpaused
      '3/0', // Suspended Paused (QMP STOP)
      '4/0', // Resumed Unpaused (QMP RESUME)
      'snapshot created s1',
      'snapshot current-changed s1',
      'job 6 true number', // JOB_COMPLETED, operation SNAPSHOT
      'snapshot deleted s1',
      'snapshot current-changed null',
      'job 10 true number', // JOB_COMPLETED, operation SNAPSHOT_DELETE
      '5/1', // Stopped Destroyed
      '2/0', // Started Booted
      '5/5', // Stopped Failed: QEMU gone without a SHUTDOWN event, as libvirt's qemuProcessHandleMonitorEOF
      '1/0', // Undefined Removed
    ]);
    await watcher.close();
  });
});
