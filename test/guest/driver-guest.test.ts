// The real test guest run by virtwired's qemu driver: user networking, the guest agent's channel, and its serial console through the SDK.
import {
  connect,
  DomainConsoleFlags,
  DomainShutdownFlags,
  DomainEventId,
  DomainEventSuspendedDetail,
  DomainEventType,
  DomainSnapshotCreateFlags as Create,
  DomainState,
  ErrorNumber,
  type ByteStream,
  type Domain,
} from '@virtwire/client';
import { existsSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../helpers/errors.js';
import { canMount, hasQemu } from '../qemu/qemu-fixture.js';
import { useQemuDaemon } from '../qemu/qemu-daemon-fixture.js';
import { createDataDisk, dataDiskNeedsRecovery, readDataDiskFile } from './data-disk.js';
import type { GuestConsole } from './guest-console.js';
import { consoleOver, guestDomainXml } from './driver-guest-domain.js';
import { guestImage, guestSkipReason } from './guest-image.js';

const BOOT_MS = 180_000;
const VWSH = fileURLToPath(new URL('../../packages/cli/bin/vwsh.js', import.meta.url));

describe.skipIf(!hasQemu || guestSkipReason !== undefined)('the test guest under the qemu driver', () => {
  let small = '';
  let medium = '';
  const qemu = useQemuDaemon({
    extraRoots: (box) => [
      guestImage().dir,
      ...(canMount
        ? [
            (small = box.mountTmpfs(box.path('small'), { sizeBytes: 256 * 1024 })),
            (medium = box.mountTmpfs(box.path('medium'), { sizeBytes: 8 * 1024 * 1024 })),
          ]
        : []),
    ],
  });
  let dom: Domain;
  let stream: ByteStream;
  let console: GuestConsole;

  beforeAll(async () => {
    const disk = await createDataDisk(`${qemu.images}/vda.qcow2`, { sizeMiB: 32, label: 'vda', files: { marker: 'from the host\n' } });
    dom = await qemu.conn.domainDefineXML(guestDomainXml('guest', disk));
    await dom.create();
    stream = await dom.openConsole();
    console = consoleOver(stream);
    // the banner comes once at boot, and again on demand (the pty drops what QEMU writes before anyone reads it)
    const ready = console.waitForBanner(BOOT_MS);
    const poke = setInterval(() => console.write('\n'), 2_000);
    try {
      await console.waitFor(/virtwire-guest# /, BOOT_MS);
    } finally {
      clearInterval(poke);
    }
    void ready.catch(() => undefined);
  }, BOOT_MS + 30_000);
  afterAll(async () => {
    stream?.close();
    await dom?.destroy().catch(() => undefined);
  });

  it('answers on its serial console through DomainOpenConsole: the banner, with the network up and the agent started', async () => {
    const from = console.position;
    console.write('banner\n');
    const banner = await console.waitForBanner(60_000, from);
    expect(banner).toMatchObject({ firmware: 'bios', ip: '10.0.2.15', disks: ['vda'], agent: true, consoles: ['ttyS0'] });
    expect(await console.sh('cat /mnt/vda/marker')).toBe('from the host\n');
  });

  it('reaches the network through type=user (DHCP lease, gateway, DNS)', async () => {
    expect(await console.sh('ip route show default')).toContain('via 10.0.2.2 dev eth0');
    expect(await console.sh('cat /etc/resolv.conf')).toContain('nameserver 10.0.2.3');
  });

  it('delivers bytes written at once after the console opened', async () => {
    // FORCE: the daemon may not have finished closing the session this client just ended
    stream.close();
    await stream.closed;
    stream = await dom.openConsole(null, DomainConsoleFlags.Force);
    console = consoleOver(stream);
    const from = console.position;
    console.write('banner\n');
    expect((await console.waitForBanner(20_000, from)).ip).toBe('10.0.2.15');
  });

  it('keeps one console session unless FORCE takes it over', async () => {
    const busy = await failure(dom.openConsole());
    expect([busy.code, busy.message]).toEqual([ErrorNumber.OperationFailed, 'operation failed: Active console session exists for this domain']);
    const taken = await dom.openConsole(null, DomainConsoleFlags.Force);
    expect((await stream.closed).code).toBe(1000);
    stream = taken;
    console = consoleOver(stream);
    const from = console.position;
    console.write('banner\n');
    expect((await console.waitForBanner(60_000, from)).ip).toBe('10.0.2.15');
  });

  it('vwsh console: the same console on a terminal-less stdin, ended by Ctrl+]', async () => {
    const vwsh = spawn(process.execPath, [VWSH, '-c', `qemu+unix:///session?socket=${qemu.server.socket}`, 'console', 'guest', '--force'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let asked = false;
    const seen = new Promise<void>((resolve) =>
      vwsh.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/virtwire-guest ready:[^\n]*ip=10\.0\.2\.15/.test(output)) resolve();
        else if (!asked && output.includes('Escape character')) {
          asked = true;
          vwsh.stdin.write('banner\n');
        }
      }),
    );
    let errors = '';
    vwsh.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => vwsh.once('exit', resolve));
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`no banner from vwsh console; stdout:\n${output}\nstderr:\n${errors}`)), 20_000),
    );
    await Promise.race([seen, timeout]);
    vwsh.stdin.write(Buffer.from([0x1d]));
    expect(await exited).toBe(0);
    expect(output).toMatch(/^Connected to domain 'guest'\nEscape character is \^\] \(Ctrl \+ \]\)\n/);
    // vwsh took the console over (--force): the test's own session was closed
    expect((await stream.closed).code).toBe(1000);
    stream = await dom.openConsole();
    console = consoleOver(stream);
    const from = console.position;
    console.write('banner\n');
    expect((await console.waitForBanner(60_000, from)).ip).toBe('10.0.2.15');
  });

  it('QUIESCE freezes the guest through its agent for the snapshot (the captured disk is clean) and thaws it after', async () => {
    // a write the guest has not checkpointed: the live filesystem's journal needs recovery until it is frozen
    await console.sh('echo A > /mnt/vda/a && sync', 20_000);
    const overlay = `${qemu.images}/vda.quiesced.qcow2`;
    const base = `${qemu.images}/vda.qcow2`;
    const xml = `<domainsnapshot><name>q1</name><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`;
    await dom.snapshotCreateXML(xml, Create.DiskOnly | Create.Atomic | Create.Quiesce);
    expect(await dataDiskNeedsRecovery(base)).toBe(false);
    expect(await readDataDiskFile(base, '/a')).toBe('A\n');
    // thawed: a write completes
    await console.sh('echo B > /mnt/vda/b && sync', 20_000);
    expect(await readDataDiskFile(overlay, '/b')).toBe('B\n');
    // without QUIESCE the same capture is of a mounted filesystem
    const plain = `<domainsnapshot><name>q2</name><disks><disk name='vda' snapshot='external'><source file='${qemu.images}/vda.plain.qcow2'/></disk></disks></domainsnapshot>`;
    await dom.snapshotCreateXML(plain, Create.DiskOnly | Create.Atomic);
    expect(await dataDiskNeedsRecovery(overlay)).toBe(true);
  });

  it.skipIf(!canMount)('a quiesced snapshot that fails after the freeze still thaws the guest, and changes nothing', async () => {
    // room for the reservation (tmpfs counts inodes apart), not for one block of the overlay written into it
    const { bavail, bsize } = statfsSync(small);
    writeFileSync(`${small}/filler`, Buffer.alloc(bavail * bsize));
    const overlay = `${small}/vda.full.qcow2`;
    const xml = `<domainsnapshot><name>q-full</name><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`;
    const error = await failure(dom.snapshotCreateXML(xml, Create.DiskOnly | Create.Atomic | Create.Quiesce));
    expect(error.message).toMatch(/No space left on device/);
    expect(existsSync(overlay)).toBe(false);
    // thawed: a write completes
    await console.sh('echo C > /mnt/vda/c && sync', 20_000);
    expect((await dom.listAllSnapshots()).map((s) => s.name).sort()).toEqual(['q1', 'q2']);
  });

  it('QUIESCE without a running agent fails with VIR_ERR_AGENT_UNRESPONSIVE and changes nothing', async () => {
    await console.sh('killall qemu-ga; sleep 1');
    const xml = `<domainsnapshot><name>q3</name><disks><disk name='vda' snapshot='external'><source file='${qemu.images}/vda.q3.qcow2'/></disk></disks></domainsnapshot>`;
    const error = await failure(dom.snapshotCreateXML(xml, Create.DiskOnly | Create.Quiesce));
    expect([error.code, error.message]).toEqual([ErrorNumber.AgentUnresponsive, 'Guest agent is not responding: QEMU guest agent is not connected']);
    expect(existsSync(`${qemu.images}/vda.q3.qcow2`)).toBe(false);
    const shutdown = await failure(dom.shutdown(DomainShutdownFlags.GuestAgent));
    expect([shutdown.code, shutdown.message]).toEqual([ErrorNumber.AgentUnresponsive, 'Guest agent is not responding: QEMU guest agent is not connected']);
    expect(await dom.isActive()).toBe(true);
    expect((await dom.listAllSnapshots()).map((s) => s.name).sort()).toEqual(['q1', 'q2']);
  });

  it.skipIf(!canMount)(
    'a guest whose disk fills its filesystem is paused with reason IOERROR, and runs on once there is room',
    async () => {
      // room for a new overlay's metadata, not for what the guest writes next (QEMU's policy for a full disk: stop)
      const { blocks, bsize } = statfsSync(medium);
      writeFileSync(`${medium}/filler`, Buffer.alloc(blocks * bsize - 48 * 1024));
      const xml = `<domainsnapshot><name>io1</name><disks><disk name='vda' snapshot='external'><source file='${medium}/vda.io1.qcow2'/></disk></disks></domainsnapshot>`;
      await dom.snapshotCreateXML(xml, Create.DiskOnly | Create.Atomic);
      const events: string[] = [];
      const subscription = await qemu.conn.on('lifecycle', (e) => {
        if (e.eventID === DomainEventId.Lifecycle && e.domain.uuid === dom.uuid) events.push(`${e.event}/${e.detail}`);
      });
      const writing = console.sh('dd if=/dev/urandom of=/mnt/vda/big bs=64k count=16 conv=fsync 2>/dev/null && echo written', 120_000);
      try {
        await expect.poll(() => dom.getState(), { timeout: 60_000, interval: 200 }).toEqual({ state: DomainState.Paused, reason: 5 }); // VIR_DOMAIN_PAUSED_IOERROR
        await expect.poll(() => events, { timeout: 5_000 }).toContain(`${DomainEventType.Suspended}/${DomainEventSuspendedDetail.IoError}`);
        // saved, as libvirt saves it: a daemon restarted now still reports why the guest stopped
        expect(readFileSync(join(qemu.runtimeDir, dom.uuid, 'status.xml'), 'utf8')).toMatch(/<domstatus [^>]*state='paused' reason='5'/);
      } finally {
        // the tests after this one need the guest running, whatever happened here
        rmSync(`${medium}/filler`);
        if ((await dom.getState()).state === DomainState.Paused) await dom.resume();
      }
      expect(await writing).toContain('written');
      expect(await dom.getState()).toEqual({ state: DomainState.Running, reason: 5 }); // VIR_DOMAIN_RUNNING_UNPAUSED
      await subscription.close();
    },
    180_000,
  );

  it('refuses an unknown console, an unknown ticket, and a ticket presented by other credentials', async () => {
    const missing = await failure(dom.openConsole('serial7'));
    expect(missing.message).toBe('internal error: cannot find character device serial7');
    const unknown = await qemu.conn.openStream('0'.repeat(32));
    expect((await unknown.closed).code).toBe(1008);
    const { ticket } = await qemu.conn.call('DomainOpenConsole', { domain: dom.ref, devName: null, flags: DomainConsoleFlags.Force });
    const readOnly = await connect(`qemu+unix:///session?socket=${qemu.server.readOnlySocket}`, { readOnly: true });
    try {
      expect((await (await readOnly.openStream(ticket)).closed).code).toBe(1008);
      // the ticket was consumed by that attempt
      expect((await (await qemu.conn.openStream(ticket)).closed).code).toBe(1008);
    } finally {
      await readOnly.close();
    }
    // the session in use was not disturbed
    const from = console.position;
    console.write('banner\n');
    expect((await console.waitForBanner(60_000, from)).agent).toBe(true);
  });

  it("a console ends with the connection that opened it, as libvirt's streams do", async () => {
    const other = await connect(`qemu+unix:///session?socket=${qemu.server.socket}`);
    const taken = await (await other.domainLookupByName('guest')).openConsole(null, DomainConsoleFlags.Force);
    expect((await stream.closed).code).toBe(1000);
    await other.close();
    expect((await taken.closed).code).toBe(1000);
  });
});
