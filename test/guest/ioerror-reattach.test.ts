// A disk error while no daemon runs: the real guest fills its disk after virtwired was SIGKILLed, QEMU pauses it (run state io-error), and the next daemon re-attaches and reports it paused with reason IOERROR.
import { connect, DomainSnapshotCreateFlags as Create, DomainState, type Connection } from '@virtwire/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { QmpClient } from '@virtwire/server/qemu-engine';
import { spawnDaemon, type SpawnedDaemon } from '../helpers/daemon-process.js';
import { canMount, hasQemu, inspect, killGuestsUnder, QemuSandbox } from '../qemu/qemu-fixture.js';
import { createDataDisk } from './data-disk.js';
import { consoleOver, guestDomainXml } from './driver-guest-domain.js';
import { GuestAgentClient } from './guest-agent-client.js';
import { guestImage, guestSkipReason } from './guest-image.js';

const BOOT_MS = 180_000;

/** Polls `probe` until it returns true, for at most `ms` (then throws with `what`). */
async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(200);
  }
}

describe.skipIf(!hasQemu || guestSkipReason !== undefined || !canMount)('a guest paused by a disk error while no daemon ran', () => {
  const box = QemuSandbox.create();
  const paths = { state: box.path('state'), images: box.path('images'), runtime: box.path('run') };
  for (const dir of Object.values(paths)) mkdirSync(dir, { recursive: true });
  // the overlay the guest writes into lives on a small filesystem the test fills
  const full = canMount ? box.mountTmpfs(box.path('full'), { sizeBytes: 8 * 1024 * 1024 }) : '';
  const daemons: SpawnedDaemon[] = [];
  const connections: Connection[] = [];
  const monitors: QmpClient[] = [];
  const agents: GuestAgentClient[] = [];
  afterAll(async () => {
    for (const agent of agents) agent.close();
    for (const monitor of monitors) await monitor.close().catch(() => undefined);
    for (const conn of connections) await conn.close().catch(() => undefined);
    for (const daemon of daemons) daemon.child.kill('SIGKILL');
    await Promise.all(daemons.map((d) => d.exited));
    await killGuestsUnder(paths.runtime);
    box.cleanup();
  });

  const start = async () => {
    const args = ['--state-dir', paths.state, '--qemu-runtime-dir', paths.runtime, '--qemu-inspection-monitor'];
    for (const root of [paths.images, guestImage().dir, full]) args.push('--storage-root', root);
    const daemon = await spawnDaemon(args);
    daemons.push(daemon);
    const conn = await connect(`qemu+${daemon.wsAddress}/session`);
    connections.push(conn);
    return { daemon, conn };
  };

  it('the next daemon reports it paused with reason IOERROR (5), and it runs on once there is room', async () => {
    const first = await start();
    const disk = await createDataDisk(join(paths.images, 'vda.qcow2'), { sizeMiB: 32, label: 'vda' });
    const dom = await first.conn.domainDefineXML(guestDomainXml('full', disk));
    await dom.create();
    const console = consoleOver(await dom.openConsole());
    const poke = setInterval(() => console.write('\n'), 2_000);
    try {
      await console.waitFor(/virtwire-guest# /, BOOT_MS);
    } finally {
      clearInterval(poke);
    }
    const agentSocket = /<source mode='bind' path='([^']+)'\/>\s*<target type='virtio' name='org\.qemu\.guest_agent\.0'\/>/.exec(await dom.getXMLDesc())![1]!;

    // room for a new overlay's metadata, not for what the guest writes next (QEMU's policy for a full disk: stop)
    const { blocks, bsize } = statfsSync(full);
    writeFileSync(join(full, 'filler'), Buffer.alloc(blocks * bsize - 48 * 1024));
    const xml = `<domainsnapshot><name>io1</name><disks><disk name='vda' snapshot='external'><source file='${full}/vda.io1.qcow2'/></disk></disks></domainsnapshot>`;
    await dom.snapshotCreateXML(xml, Create.DiskOnly | Create.Atomic);

    // the daemon dies; only then does the guest write (through its agent, whose socket QEMU serves)
    first.daemon.child.kill('SIGKILL');
    expect(await first.daemon.exited).toBe('SIGKILL');
    const agent = await GuestAgentClient.connect(agentSocket, 60_000);
    agents.push(agent);
    const { pid } = await agent.execute<{ pid: number }>('guest-exec', {
      path: '/bin/sh',
      arg: ['-c', 'dd if=/dev/urandom of=/mnt/vda/big bs=64k count=16 conv=fsync 2>/dev/null'],
    });
    const monitor = await inspect(paths.runtime, dom.uuid);
    monitors.push(monitor);
    await until('QEMU paused on the I/O error', 120_000, async () => (await monitor.execute<{ status: string }>('query-status')).status === 'io-error');
    // no daemon saw it: the status file still says the guest runs
    expect(readFileSync(join(paths.runtime, dom.uuid, 'status.xml'), 'utf8')).toMatch(/<domstatus [^>]*state='running'/);

    const second = await start();
    const again = await second.conn.domainLookupByName('full');
    expect(await again.getState()).toEqual({ state: DomainState.Paused, reason: 5 }); // VIR_DOMAIN_PAUSED_IOERROR

    // room again: QEMU retries the write and the guest's dd finishes
    rmSync(join(full, 'filler'));
    await again.resume();
    expect(await again.getState()).toEqual({ state: DomainState.Running, reason: 5 }); // VIR_DOMAIN_RUNNING_UNPAUSED
    let exit: { exited: boolean; exitcode?: number } = { exited: false };
    await until('the guest finished writing', 120_000, async () => (exit = await agent.execute('guest-exec-status', { pid })).exited);
    expect(exit.exitcode).toBe(0);
    await again.destroy();
  }, 300_000);
});
