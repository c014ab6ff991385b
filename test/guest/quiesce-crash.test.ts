// A quiesced snapshot of the real guest interrupted: the daemon killed while the guest is frozen (recovery thaws it and undoes the snapshot), the thaw refused after the commit, or the guest paused from elsewhere before the thaw (the call fails at once, the snapshot stays).
import {
  connect,
  DomainShutdownFlags,
  DomainSnapshotCreateFlags as Create,
  DomainState,
  ErrorNumber,
  ShutoffReason,
  type Connection,
  type Domain,
  type VirError,
} from '@virtwire/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnDaemon, type SpawnedDaemon } from '../helpers/daemon-process.js';
import { hasQemu, inspect, killGuestsUnder, QemuSandbox } from '../qemu/qemu-fixture.js';
import { createDataDisk } from './data-disk.js';
import { consoleOver, guestDomainXml } from './driver-guest-domain.js';
import { GuestAgentClient } from './guest-agent-client.js';
import { guestImage, guestSkipReason } from './guest-image.js';

describe.skipIf(!hasQemu || guestSkipReason !== undefined)("a quiesced snapshot interrupted by the daemon's death", () => {
  const box = QemuSandbox.create();
  const paths = { state: box.path('state'), images: box.path('images'), runtime: box.path('run') };
  for (const dir of Object.values(paths)) mkdirSync(dir, { recursive: true });
  const daemons: SpawnedDaemon[] = [];
  const connections: Connection[] = [];
  // a daemon of its own for each of the other cases (one daemon per state directory)
  const other = { state: box.path('other', 'state'), images: box.path('other', 'images'), runtime: box.path('other', 'run') };
  const third = { state: box.path('third', 'state'), images: box.path('third', 'images'), runtime: box.path('third', 'run') };
  for (const dir of [...Object.values(other), ...Object.values(third)]) mkdirSync(dir, { recursive: true });
  afterAll(async () => {
    for (const conn of connections) await conn.close().catch(() => undefined);
    for (const daemon of daemons) daemon.child.kill('SIGKILL');
    await Promise.all(daemons.map((d) => d.exited));
    await killGuestsUnder(paths.runtime);
    await killGuestsUnder(other.runtime);
    await killGuestsUnder(third.runtime);
    box.cleanup();
  });

  const start = async (failpoints = '', where = paths, extraArgs: string[] = []) => {
    const args = [
      '--state-dir',
      where.state,
      '--storage-root',
      where.images,
      '--storage-root',
      guestImage().dir,
      '--qemu-runtime-dir',
      where.runtime,
      ...extraArgs,
    ];
    const daemon = await spawnDaemon(args, { VIRTWIRE_FAILPOINTS: failpoints });
    daemons.push(daemon);
    const conn = await connect(`qemu+${daemon.wsAddress}/session`);
    connections.push(conn);
    return { daemon, conn };
  };

  /** Defines and starts the test guest on a fresh data disk, and waits for its shell; with its console and its agent's socket. */
  const bootGuest = async (conn: Connection, name: string, diskPath: string) => {
    const disk = await createDataDisk(diskPath, { sizeMiB: 32, label: 'vda' });
    const dom = await conn.domainDefineXML(guestDomainXml(name, disk));
    await dom.create();
    const console = consoleOver(await dom.openConsole());
    const poke = setInterval(() => console.write('\n'), 2_000);
    try {
      await console.waitFor(/virtwire-guest# /, 180_000);
    } finally {
      clearInterval(poke);
    }
    const agentSocket = /<source mode='bind' path='([^']+)'\/>\s*<target type='virtio' name='org\.qemu\.guest_agent\.0'\/>/.exec(await dom.getXMLDesc())![1]!;
    return { dom, console, agentSocket };
  };

  /**
   * Makes the quiesced create of `xml` until one freezes the guest and is held at the
   * before-transaction failpoint (its `marker` appears); an agent that did not answer yet fails the
   * create cleanly (VIR_ERR_AGENT_UNRESPONSIVE) and it is made again. Resolves with the held call's
   * outcome (wrapped: an async function's promise would wait for it), `returned` or `code: message`,
   * which settles once the test removes the marker.
   */
  const heldBeforeTransaction = async (dom: Domain, xml: string, marker: string): Promise<{ outcome: Promise<string> }> => {
    for (let attempt = 0; attempt < 30; attempt++) {
      const made = dom.snapshotCreateXML(xml, Create.DiskOnly | Create.Atomic | Create.Quiesce).then(
        () => 'returned',
        (error: VirError) => `${error.code}: ${error.message}`,
      );
      const held = (async () => {
        for (let i = 0; i < 600 && !existsSync(marker); i++) await sleep(50);
        return existsSync(marker) ? 'held' : 'never held';
      })();
      const first = await Promise.race([made, held]);
      if (first === 'held') return { outcome: made };
      if (!first.startsWith(`${ErrorNumber.AgentUnresponsive}:`)) throw new Error(`the create did not reach its transaction: ${first}`);
      await sleep(2_000);
    }
    throw new Error('the guest agent never answered a freeze');
  };

  /** Checks through the agent's socket that the guest is still frozen, thaws it, and checks it is thawed. */
  const thawFrozen = async (agentSocket: string) => {
    const agent = await GuestAgentClient.connect(agentSocket);
    try {
      expect(await agent.fsfreezeStatus()).toBe('frozen');
      await agent.fsfreezeThaw();
      expect(await agent.fsfreezeStatus()).toBe('thawed');
    } finally {
      agent.close();
    }
  };

  it('recovery at the next start thaws the guest and removes the overlay', async () => {
    const first = await start('qemu.snapshot-create.frozen');
    const { dom, agentSocket } = await bootGuest(first.conn, 'frozen', join(paths.images, 'vda.qcow2'));
    const overlay = join(paths.images, 'vda.s1.qcow2');
    const xml = `<domainsnapshot><name>s1</name><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`;
    // The guest's agent may start a little after its shell (and answer slowly on a loaded machine): a
    // create it did not answer fails cleanly (VIR_ERR_AGENT_UNRESPONSIVE, nothing changed) and is made
    // again; the one that freezes the guest kills the daemon at the failpoint. Any other outcome fails
    // here at once instead of waiting for a daemon that is still alive.
    let outcome = '';
    for (let attempt = 0; attempt < 30; attempt++) {
      outcome = await dom.snapshotCreateXML(xml, Create.DiskOnly | Create.Atomic | Create.Quiesce).then(
        () => 'returned',
        (error: VirError) => (error.name === 'ConnectionClosedError' ? 'daemon died' : `${error.code}: ${error.message}`),
      );
      if (!outcome.startsWith(`${ErrorNumber.AgentUnresponsive}:`)) break;
      await sleep(2_000);
    }
    expect(outcome).toBe('daemon died');
    expect(await first.daemon.exited).toBe('SIGKILL');

    // the daemon died with the guest frozen
    const agent = await GuestAgentClient.connect(agentSocket);
    try {
      expect(await agent.fsfreezeStatus()).toBe('frozen');
    } finally {
      agent.close();
    }

    const second = await start();
    const again = await second.conn.domainLookupByName('frozen');
    expect(await again.isActive()).toBe(true);
    expect(await again.listAllSnapshots()).toEqual([]);
    expect(existsSync(overlay)).toBe(false);
    const after = await GuestAgentClient.connect(agentSocket);
    try {
      expect(await after.fsfreezeStatus()).toBe('thawed');
    } finally {
      after.close();
    }
    // and the thawed agent obeys DomainShutdown's GUEST_AGENT mode: the guest powers itself off
    await again.shutdown(DomainShutdownFlags.GuestAgent);
    for (let i = 0; i < 600 && (await again.isActive()); i++) await sleep(100);
    expect(await again.getState()).toEqual({ state: DomainState.Shutoff, reason: ShutoffReason.Shutdown });
  }, 300_000);

  it("a thaw that fails after the snapshot committed fails the call with the agent's error, and the snapshot stays", async () => {
    const marker = box.path('paused');
    const { conn } = await start(`qemu.snapshot-create.live-external.before-transaction=pause:${marker}`, other);
    const { dom, console, agentSocket } = await bootGuest(conn, 'thaw', join(other.images, 'thaw.qcow2'));
    const overlay = join(other.images, 'thaw.s1.qcow2');
    const xml = `<domainsnapshot><name>t1</name><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`;
    const { outcome: call } = await heldBeforeTransaction(dom, xml, marker);
    // the guest's agent is replaced by one that refuses to thaw
    await console.sh(
      'killall -9 qemu-ga; sleep 0.2; qemu-ga -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0 -t /run -f /run/qemu-ga-2.pid -l /run/qemu-ga-2.log -b guest-fsfreeze-thaw -d',
    );
    rmSync(marker);
    const outcome = await call;
    expect(outcome).toMatch(
      new RegExp(
        `^${ErrorNumber.InternalError}: internal error: unable to execute QEMU agent command 'guest-fsfreeze-thaw': .*; snapshot 't1' was created, but the guest's filesystems may still be frozen$`,
      ),
    );
    expect((await dom.listAllSnapshots()).map((snapshot) => snapshot.name)).toEqual(['t1']);
    expect(existsSync(overlay)).toBe(true);
    expect(await dom.getXMLDesc()).toContain(`<source file='${overlay}'/>`);
    // a well-behaved agent again, which thaws the guest
    await console.sh(
      'killall -9 qemu-ga; sleep 0.2; qemu-ga -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0 -t /run -f /run/qemu-ga-3.pid -l /run/qemu-ga-3.log -d',
    );
    await thawFrozen(agentSocket);
    await dom.destroy();
  }, 300_000);

  it('a guest paused from elsewhere before the thaw fails the call at once with "domain is not running", and the snapshot stays', async () => {
    const marker = box.path('held');
    const { conn } = await start(`qemu.snapshot-create.live-external.before-transaction=pause:${marker}`, third, ['--qemu-inspection-monitor']);
    const { dom, agentSocket } = await bootGuest(conn, 'stopped', join(third.images, 'stopped.qcow2'));
    const overlay = join(third.images, 'stopped.s1.qcow2');
    const xml = `<domainsnapshot><name>p1</name><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`;
    const { outcome: call } = await heldBeforeTransaction(dom, xml, marker);
    // frozen, and paused by another QMP client (an administrator, a watchdog) before the transaction and the thaw
    const monitor = await inspect(third.runtime, dom.uuid);
    try {
      await monitor.execute('stop');
      for (let i = 0; i < 200 && (await dom.getState()).state !== DomainState.Paused; i++) await sleep(50);
      expect((await dom.getState()).state).toBe(DomainState.Paused);
      rmSync(marker);
      // libvirt's qemuSnapshotFSThaw asks qemuDomainAgentAvailable first, which refuses a domain that is not running
      expect(await call).toBe(
        `${ErrorNumber.OperationInvalid}: Requested operation is not valid: domain is not running; snapshot 'p1' was created, but the guest's filesystems may still be frozen`,
      );
      expect((await dom.listAllSnapshots()).map((snapshot) => snapshot.name)).toEqual(['p1']);
      expect(await dom.getXMLDesc()).toContain(`<source file='${overlay}'/>`);
      // still frozen until someone thaws it once it runs again
      await dom.resume();
      await thawFrozen(agentSocket);
    } finally {
      await monitor.close();
    }
    await dom.destroy();
  }, 300_000);
});
