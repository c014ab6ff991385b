// Targeted crash cases of the qemu driver (issue 17), each on the real virtwired binary: a second daemon, kills at named points, QEMU dying mid-operation.
import {
  connect,
  DomainCreateFlags,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotRevertFlags as Revert,
  DomainState,
  DomainXMLFlags,
  type Connection,
  type Domain,
} from '@virtwire/client';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive, readLiveDisks, readPidFile, waitForProcessExit, type QueryJobsEntry } from '@virtwire/server/qemu-engine';
import { spawnDaemon, type SpawnedDaemon } from '../helpers/daemon-process.js';
import {
  domainXml,
  expectCleanImage,
  guestWrite,
  hasQemu,
  imageHasPattern,
  imageTags,
  inspect,
  killGuestsUnder,
  listFiles,
  QemuSandbox,
  target,
} from './qemu-fixture.js';
import { qemuProcesses } from './random-kill/invariants.js';
import { Random } from './random-kill/random.js';

const exec = promisify(execFile);

describe.skipIf(!hasQemu)('qemu driver: targeted crash cases', () => {
  let box: QemuSandbox;
  let caseIndex = 0;
  const daemons = new Set<SpawnedDaemon>();

  beforeAll(async () => {
    await exec(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), '-b'], { cwd: process.cwd() });
    box = QemuSandbox.create();
  });
  afterEach(async () => {
    for (const daemon of daemons) daemon.child.kill('SIGKILL');
    await Promise.all([...daemons].map((d) => d.exited));
  });
  afterAll(async () => {
    for (let i = 0; i < caseIndex; i++) await killGuestsUnder(box.path(`case-${i}`, 'run'));
    box?.cleanup();
  });

  /** A fresh state directory, storage root and runtime directory for one case. */
  const newCase = () => {
    const dir = box.mkdir(`case-${caseIndex++}`);
    const paths = { state: join(dir, 'state'), images: join(dir, 'images'), runtime: join(dir, 'run') };
    for (const path of Object.values(paths)) mkdirSync(path, { recursive: true });
    return paths;
  };
  type Case = ReturnType<typeof newCase>;

  const start = async (paths: Case, failpoints = '', extraArgs: string[] = []): Promise<{ daemon: SpawnedDaemon; conn: Connection }> => {
    const daemon = await spawnDaemon(
      ['--state-dir', paths.state, '--storage-root', paths.images, '--qemu-runtime-dir', paths.runtime, '--qemu-inspection-monitor', ...extraArgs],
      {
        VIRTWIRE_FAILPOINTS: failpoints,
      },
    );
    daemons.add(daemon);
    void daemon.exited.then(() => daemons.delete(daemon));
    return { daemon, conn: await connect(`qemu+${daemon.wsAddress}/session`) };
  };

  /** A defined domain with `disks` qcow2 disks in the case's storage root. */
  const define = async (paths: Case, conn: Connection, name: string, disks = 1) => {
    const images = [];
    for (let i = 0; i < disks; i++) images.push({ target: target(i), path: await box.image(join(paths.images, `${name}-${target(i)}.qcow2`)) });
    return conn.domainDefineXML(domainXml(name, images));
  };

  /** Waits for the daemon to die at its failpoint. */
  const died = async (daemon: SpawnedDaemon, call: Promise<unknown>) => {
    const outcome = await call.then(
      () => 'returned',
      () => 'failed',
    );
    expect(`${outcome} / ${String(await daemon.exited)}`).toBe('failed / SIGKILL');
  };

  /** SIGKILLs the domain's QEMU and waits until it is gone. */
  const killQemu = async (paths: Case, uuid: string) => {
    const pid = await readPidFile(join(paths.runtime, uuid, 'qemu.pid'));
    process.kill(pid!, 'SIGKILL');
    await waitForProcessExit(pid!, 10_000);
  };

  /** Waits until a paused failpoint wrote its marker. */
  const paused = async (marker: string) => {
    const deadline = Date.now() + 30_000;
    while (!existsSync(marker)) {
      if (Date.now() > deadline) throw new Error(`failpoint marker ${marker} never appeared`);
      await sleep(10);
    }
  };

  /** No intent record, no temp file, every file of the storage root referenced by the domain or its snapshots. */
  const expectNothingLeft = async (paths: Case, dom: Domain) => {
    expect(readdirSync(join(paths.state, 'qemu', 'intents'))).toEqual([]);
    expect([...listFiles(paths.state), ...listFiles(paths.runtime)].filter((f) => f.includes('.vwtmp-'))).toEqual([]);
    const referenced = new Set<string>();
    for (const xml of [
      await dom.getXMLDesc(),
      await dom.getXMLDesc(DomainXMLFlags.Inactive),
      ...(await Promise.all((await dom.listAllSnapshots()).map((s) => s.getXMLDesc()))),
    ]) {
      for (const match of xml.matchAll(/file='([^']+)'/g)) referenced.add(match[1]!);
    }
    expect(
      listFiles(paths.images)
        .map((f) => join(paths.images, f))
        .filter((f) => !referenced.has(f)),
    ).toEqual([]);
  };

  /** Waits until the daemon reports the domain shut off (it notices a QEMU death at once). */
  const shutOff = async (dom: Domain) => {
    const deadline = Date.now() + 10_000;
    while (await dom.isActive()) {
      if (Date.now() > deadline) throw new Error(`${dom.name} still reported active`);
      await sleep(20);
    }
  };

  it('a second daemon on the same state directory fails before it touches anything: the guest stays managed', async () => {
    const paths = newCase();
    const { daemon, conn } = await start(paths);
    const dom = await define(paths, conn, 'held');
    await dom.create(DomainCreateFlags.StartPaused);
    const runDir = join(paths.runtime, dom.uuid);
    const pid = await readPidFile(join(runDir, 'qemu.pid'));

    const second = await spawnDaemon(['--state-dir', paths.state, '--storage-root', paths.images, '--qemu-runtime-dir', paths.runtime]).then(
      (d) => {
        daemons.add(d);
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(second).toMatch(/state directory .* is in use by another virtwired \(pid \d+\)/);
    for (const file of ['qemu.pid', 'qmp.sock', 'status.xml']) expect(existsSync(join(runDir, file)), file).toBe(true);
    expect(await isProcessAlive(pid!)).toBe(true);
    await dom.destroy();
    await dom.create();
    expect(await dom.isActive()).toBe(true);
    await dom.destroy();
    await conn.close();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  });

  /** A running 2-disk domain `rev` with external snapshot e1, and the paths a revert to e1 gives its fresh overlays. */
  const revertCase = async () => {
    const paths = newCase();
    const { daemon, conn } = await start(paths);
    const dom = await define(paths, conn, 'rev', 2);
    await dom.create();
    const overlays = ['vda', 'vdb'].map((t) => `<disk name='${t}' snapshot='external'><source file='${join(paths.images, `rev-${t}.e1`)}'/></disk>`);
    await dom.snapshotCreateXML(`<domainsnapshot><name>e1</name><disks>${overlays.join('')}</disks></domainsnapshot>`, Create.DiskOnly | Create.Atomic);
    await conn.close();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    const fresh = ['vda', 'vdb'].map((t) => join(paths.images, `rev-${t}.e1-r1`));
    /** What a kill between reserving an overlay and journaling its identity leaves: an empty 0600 file. */
    const plantReservations = () => fresh.forEach((f) => existsSync(f) || writeFileSync(f, '', { mode: 0o600 }));
    return { paths, dom, fresh, plantReservations, pid: await readPidFile(join(paths.runtime, dom.uuid, 'qemu.pid')) };
  };

  it('defect 1a: a revert killed before it committed is undone: the guest untouched, its overlay reservations gone', async () => {
    const { paths, dom, fresh, plantReservations, pid } = await revertCase();
    const { daemon, conn } = await start(paths, 'qemu.snapshot-revert.journaled');
    await died(
      daemon,
      conn
        .domainLookupByName('rev')
        .then((d) => d.snapshotLookupByName('e1'))
        .then((s) => s.revert(Revert.Running)),
    );
    plantReservations();
    const restarted = await start(paths);
    const again = await restarted.conn.domainLookupByName('rev');
    expect(await again.getState()).toMatchObject({ state: DomainState.Running });
    expect(await readPidFile(join(paths.runtime, dom.uuid, 'qemu.pid'))).toBe(pid);
    for (const file of fresh) expect(existsSync(file), file).toBe(false);
    await expectNothingLeft(paths, again);
    await again.destroy();
    await restarted.conn.close();
  });

  it('defect 1b: a revert killed once committed is completed on its overlay file, and a later restart leaves the guest running', async () => {
    const { paths, dom, fresh, plantReservations } = await revertCase();
    let { daemon, conn } = await start(paths, 'qemu.snapshot-revert.committed');
    await died(
      daemon,
      conn
        .domainLookupByName('rev')
        .then((d) => d.snapshotLookupByName('e1'))
        .then((s) => s.revert(Revert.Running)),
    );
    plantReservations();
    ({ daemon, conn } = await start(paths));
    let again = await conn.domainLookupByName('rev');
    expect(await again.getState()).toMatchObject({ state: DomainState.Running });
    expect((await again.snapshotCurrent()).name).toBe('e1');
    expect(await again.getXMLDesc()).toContain(`file='${fresh[0]}'`);
    await expectNothingLeft(paths, again);
    const revertedPid = await readPidFile(join(paths.runtime, dom.uuid, 'qemu.pid'));
    await conn.close();
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    ({ conn } = await start(paths));
    again = await conn.domainLookupByName('rev');
    expect(await again.getState()).toMatchObject({ state: DomainState.Running });
    expect(await readPidFile(join(paths.runtime, dom.uuid, 'qemu.pid'))).toBe(revertedPid);
    await again.destroy();
    await conn.close();
  });

  it('defect 2: QEMU dying in the middle of an ATOMIC internal snapshot leaves the tag on every disk or none, and clean images', async () => {
    const paths = newCase();
    const marker = join(paths.state, '..', 'paused');
    const { conn } = await start(paths, `qemu.snapshot-create.live-internal.before-transaction=pause:${marker}`);
    const dom = await define(paths, conn, 'atomic', 3);
    await dom.create();
    const images = ['vda', 'vdb', 'vdc'].map((t) => join(paths.images, `atomic-${t}.qcow2`));
    const disks = ['vda', 'vdb', 'vdc'].map((t) => `<disk name='${t}' snapshot='internal'/>`).join('');
    const call = dom.snapshotCreateXML(`<domainsnapshot><name>a1</name><disks>${disks}</disks></domainsnapshot>`, Create.DiskOnly | Create.Atomic).then(
      () => 'created',
      (error: Error) => error.message,
    );
    await paused(marker);
    // what QEMU dying inside the transaction leaves: the first disk got the tag, the others not
    const monitor = await inspect(paths.runtime, dom.uuid);
    const vda = (await readLiveDisks(monitor)).get('vda')!;
    await monitor.execute('blockdev-snapshot-internal-sync', { device: vda.activeNode, name: 'a1' });
    await monitor.close();
    await killQemu(paths, dom.uuid);
    await import('node:fs/promises').then((fs) => fs.rm(marker));
    const outcome = await call;
    await shutOff(dom);
    const present = await dom.snapshotLookupByName('a1').then(
      () => true,
      () => false,
    );
    expect(outcome === 'created', outcome).toBe(present);
    for (const image of images) {
      expect(await imageTags(image), image).toEqual(present ? ['a1'] : []);
      await expectCleanImage(image);
    }
    await expectNothingLeft(paths, dom);

    // and QEMU killed at random moments of ATOMIC checkpoints (snapshot-save): every disk or none, no refcount error or leak
    const random = new Random(17);
    for (let i = 0; i < 6; i++) {
      await dom.create();
      const name = `c${i}`;
      const save = dom.snapshotCreateXML(`<domainsnapshot><name>${name}</name></domainsnapshot>`, Create.Atomic).then(
        () => true,
        () => false,
      );
      await sleep(random.next() * 40);
      await killQemu(paths, dom.uuid);
      const created = await save;
      await shutOff(dom);
      const kept = await dom.snapshotLookupByName(name).then(
        () => true,
        () => false,
      );
      if (created) expect(kept, name).toBe(true);
      for (const image of images) {
        expect((await imageTags(image)).includes(name), `${name} on ${image}`).toBe(kept);
        await expectCleanImage(image);
      }
    }
    await expectNothingLeft(paths, dom);
    await conn.close();
  });

  // The create journals the state it commits while QEMU adds the overlays (not when QEMU is gone
  // already), before it sends the transaction: a record without it never committed, and is undone,
  // whatever its overlays look like. Once it is journaled and every
  // overlay is a complete qcow2 over the images QEMU left, recovery cannot tell whether the
  // transaction ran (an empty overlay looks the same either way) and must not lose what the guest may
  // have written into them: it completes the snapshot, taken at the instant QEMU died. An overlay
  // still an empty reservation is undone too. Either way nothing is orphaned.
  it.each([
    ['engine', 'before-format-overlays', 'undone'],
    ['engine', 'before-add-format-nodes', 'undone'],
    ['engine', 'before-transaction', 'completed'],
    ['blockdev-create', 'before-format-overlays', 'undone'],
    ['blockdev-create', 'before-add-format-nodes', 'undone'],
    ['blockdev-create', 'before-transaction', 'completed'],
  ] as const)(
    'defect 3: QEMU dying while a live external snapshot prepares its overlays (%s, %s) leaves no orphan overlay: %s',
    async (creation, point, outcome) => {
      const paths = newCase();
      const marker = join(paths.state, '..', 'paused');
      const { conn } = await start(paths, `qemu.snapshot-create.live-external.${point}=pause:${marker}`, ['--qemu-overlay-creation', creation]);
      const dom = await define(paths, conn, 'orphans', 2);
      await dom.create();
      const overlays = ['vda', 'vdb'].map((t) => `<disk name='${t}' snapshot='external'><source file='${join(paths.images, `orphans-${t}.x1`)}'/></disk>`);
      const call = dom
        .snapshotCreateXML(`<domainsnapshot><name>x1</name><disks>${overlays.join('')}</disks></domainsnapshot>`, Create.DiskOnly | Create.Atomic)
        .then(
          () => 'completed',
          (error: Error) => error.message,
        );
      await paused(marker);
      await killQemu(paths, dom.uuid);
      await import('node:fs/promises').then((fs) => fs.rm(marker));
      if (outcome === 'undone') expect(await call).not.toBe('completed');
      else expect(await call).toBe('completed');
      await shutOff(dom);
      expect(await dom.snapshotNum()).toBe(outcome === 'undone' ? 0 : 1);
      const overlaysInUse = [...(await dom.getXMLDesc(DomainXMLFlags.Inactive)).matchAll(/source file='([^']+\.x1)'/g)];
      expect(overlaysInUse).toHaveLength(outcome === 'undone' ? 0 : 2);
      await expectNothingLeft(paths, dom);
      await conn.close();
    },
  );

  it('defect 5: a start killed after QEMU launched is undone: no unaccounted QEMU, and the domain starts again with a stable id', async () => {
    const paths = newCase();
    let { daemon, conn } = await start(paths, 'qemu.guest.launched');
    const dom = await define(paths, conn, 'half');
    await died(daemon, dom.create());
    ({ daemon, conn } = await start(paths));
    let again = await conn.domainLookupByName('half');
    expect(await again.getState()).toEqual({ state: DomainState.Shutoff, reason: 6 }); // VIR_DOMAIN_SHUTOFF_FAILED
    expect(qemuProcesses(paths.runtime).get(dom.uuid) ?? []).toEqual([]);
    expect(listFiles(join(paths.runtime, dom.uuid)).filter((f) => f !== 'qemu.log')).toEqual([]);
    await expectNothingLeft(paths, again);
    await again.create();
    const id = (await conn.domainLookupByName('half')).id;
    await conn.close();
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    ({ conn } = await start(paths));
    again = await conn.domainLookupByName('half');
    expect(again.id).toBe(id);
    expect(await again.getState()).toEqual({ state: DomainState.Running, reason: 1 });
    await again.destroy();
    await conn.close();
  });

  it('defect 6a: recovery writes no status file for a guest whose QEMU died with the daemon', async () => {
    const paths = newCase();
    const { daemon, conn } = await start(paths, 'qemu.snapshot-create.disks-switched');
    const dom = await define(paths, conn, 'dead');
    await dom.create();
    const overlay = join(paths.images, 'dead-vda.s1');
    await died(
      daemon,
      dom.snapshotCreateXML(
        `<domainsnapshot><name>s1</name><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`,
        Create.DiskOnly,
      ),
    );
    await killQemu(paths, dom.uuid);
    const restarted = await start(paths);
    const again = await restarted.conn.domainLookupByName('dead');
    expect(await again.isActive()).toBe(false);
    expect(existsSync(join(paths.runtime, dom.uuid, 'status.xml'))).toBe(false);
    expect((await again.snapshotCurrent()).name).toBe('s1');
    await expectNothingLeft(paths, again);
    await restarted.conn.close();
  });

  it('defect 6b: a status write the daemon died in leaves no temp file behind', async () => {
    const paths = newCase();
    const { daemon, conn } = await start(paths);
    const dom = await define(paths, conn, 'temp');
    await dom.create();
    await conn.close();
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    writeFileSync(join(paths.runtime, dom.uuid, '.vwtmp-status.xml.0123456789ab'), '<domstatus', { mode: 0o600 });
    const restarted = await start(paths);
    const again = await restarted.conn.domainLookupByName('temp');
    expect(await again.isActive()).toBe(true);
    await expectNothingLeft(paths, again);
    await again.destroy();
    await restarted.conn.close();
  });

  it('defect 6c: a QEMU job that concluded after the daemon died is dismissed by recovery', async () => {
    const paths = newCase();
    let { daemon, conn } = await start(paths);
    const dom = await define(paths, conn, 'jobs', 2);
    await dom.create();
    await dom.snapshotCreateXML('<domainsnapshot><name>cp</name></domainsnapshot>', 0);
    await conn.close();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    ({ daemon, conn } = await start(paths, 'qemu.snapshot-delete.committed'));
    await died(
      daemon,
      conn
        .domainLookupByName('jobs')
        .then((d) => d.snapshotLookupByName('cp'))
        .then((s) => s.delete()),
    );
    // the snapshot-delete job the killed daemon would have started, concluded and never dismissed
    const monitor = await inspect(paths.runtime, dom.uuid);
    const devices = [...(await readLiveDisks(monitor)).values()].map((d) => d.activeNode);
    await monitor.execute('snapshot-delete', { 'job-id': 'vw-del-left', tag: 'cp', devices });
    while (!(await monitor.execute<QueryJobsEntry[]>('query-jobs')).some((j) => j.status === 'concluded')) await sleep(10);
    await monitor.close();
    ({ conn } = await start(paths));
    const again = await conn.domainLookupByName('jobs');
    const after = await inspect(paths.runtime, dom.uuid);
    expect(await after.execute<QueryJobsEntry[]>('query-jobs')).toEqual([]);
    await after.close();
    expect(await again.snapshotNum()).toBe(0);
    await expectNothingLeft(paths, again);
    await again.destroy();
    await conn.close();
  });

  it('defect 6d: a layer a revert abandoned is removed once the last snapshot that refers to it is deleted', async () => {
    const paths = newCase();
    const { conn } = await start(paths);
    const dom = await define(paths, conn, 'layers');
    const stem = join(paths.images, 'layers-vda');
    await dom.snapshotCreateXML(
      `<domainsnapshot><name>s1</name><disks><disk name='vda' snapshot='external'><source file='${stem}.s1'/></disk></disks></domainsnapshot>`,
      Create.DiskOnly,
    );
    await dom.snapshotLookupByName('s1').then((s) => s.revert()); // a fresh overlay layers-vda.s1-r1 on layers-vda.qcow2
    await dom.snapshotCreateXML('<domainsnapshot><name>i1</name></domainsnapshot>', 0); // internal: its tag lives in s1-r1
    await dom.snapshotLookupByName('s1').then((s) => s.revert()); // s1-r2; s1-r1 stays, i1 refers to it
    expect(existsSync(`${stem}.s1-r1`)).toBe(true);
    await dom.snapshotLookupByName('i1').then((s) => s.delete());
    expect(existsSync(`${stem}.s1-r1`)).toBe(false);
    await expectNothingLeft(paths, dom);
    await conn.close();
  });

  it("a guest QEMU paused while no daemon ran is reported paused with the reason of QEMU's run state, as libvirt's reconnect does", async () => {
    const paths = newCase();
    const first = await start(paths);
    const dom = await define(paths, first.conn, 'stopped');
    await dom.create();
    await first.conn.close();
    first.daemon.child.kill('SIGKILL');
    await first.daemon.exited;
    // another QMP client pauses the guest meanwhile: QEMU's run state 'paused'
    const monitor = await inspect(paths.runtime, dom.uuid);
    await monitor.execute('stop');
    await monitor.close();
    const { conn } = await start(paths);
    const again = await conn.domainLookupByName('stopped');
    expect(await again.getState()).toEqual({ state: DomainState.Paused, reason: 1 }); // VIR_DOMAIN_PAUSED_USER
    await again.resume();
    expect(await again.getState()).toEqual({ state: DomainState.Running, reason: 5 }); // VIR_DOMAIN_RUNNING_UNPAUSED
    await again.destroy();
    await conn.close();
  });

  it("a memory snapshot killed during its save leaves QEMU's migration settings as they were: the `events` capability and max-bandwidth", async () => {
    const paths = newCase();
    let { daemon, conn } = await start(paths);
    const dom = await define(paths, conn, 'settings');
    await dom.create();
    const settings = async () => {
      const monitor = await inspect(paths.runtime, dom.uuid);
      try {
        const capabilities = await monitor.execute<Array<{ capability: string; state: boolean }>>('query-migrate-capabilities');
        const parameters = await monitor.execute<{ 'max-bandwidth'?: number }>('query-migrate-parameters');
        return { events: capabilities.find((c) => c.capability === 'events')?.state, maxBandwidth: parameters['max-bandwidth'] };
      } finally {
        await monitor.close();
      }
    };
    /** Sets them from outside the daemon, as another QMP client of the guest could. */
    const set = async (events: boolean, maxBandwidth: number) => {
      const monitor = await inspect(paths.runtime, dom.uuid);
      await monitor.execute('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: events }] });
      await monitor.execute('migrate-set-parameters', { 'max-bandwidth': maxBandwidth });
      await monitor.close();
    };
    // both ways round: recovery puts back what the save found, it does not merely turn `events` off
    for (const [round, before] of [
      [1, { events: false, maxBandwidth: 7 * 1024 * 1024 }],
      [2, { events: true, maxBandwidth: 3 * 1024 * 1024 }],
    ] as const) {
      await set(before.events, before.maxBandwidth);
      expect(await settings()).toEqual(before);
      await conn.close();
      daemon.child.kill('SIGTERM');
      await daemon.exited;
      ({ daemon, conn } = await start(paths, 'qemu.snapshot-create.memory-save.before-migrate'));
      const memory = join(paths.images, `settings.m${round}.mem`);
      const overlay = join(paths.images, `settings-vda.m${round}`);
      const xml = `<domainsnapshot><name>m${round}</name><memory snapshot='external' file='${memory}'/><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`;
      await died(
        daemon,
        conn.domainLookupByName('settings').then((d) => d.snapshotCreateXML(xml, Create.Atomic)),
      );
      // the dead daemon had turned `events` on and the bandwidth up for its stream
      expect(await settings()).toEqual({ events: true, maxBandwidth: 2 ** 53 - 1 });
      ({ daemon, conn } = await start(paths));
      const again = await conn.domainLookupByName('settings');
      expect(await settings(), `round ${round}`).toEqual(before);
      // resumed as libvirt's qemuProcessRecoverJob resumes a guest whose snapshot job a restart interrupted
      expect(await again.getState()).toEqual({ state: DomainState.Running, reason: 7 }); // VIR_DOMAIN_RUNNING_SAVE_CANCELED
      expect(await again.snapshotNum()).toBe(0);
      expect(existsSync(memory) || existsSync(overlay)).toBe(false);
      await expectNothingLeft(paths, again);
    }
    await (await conn.domainLookupByName('settings')).destroy();
    await conn.close();
  });

  it("a paused guest's memory snapshot killed once its disks switched: recovery takes the images back from the migration, or stops a guest left running, with the reason from before", async () => {
    const paths = newCase();
    let { daemon, conn } = await start(paths);
    const dom = await define(paths, conn, 'reclaim');
    await dom.create(DomainCreateFlags.StartPaused);
    const before = await dom.getState();
    // round 1: the daemon died with the images still inactive (QEMU 'postmigrate'); round 2: between
    // the cont and the stop that take them back (the test sends the cont itself: the guest runs)
    for (const round of [1, 2]) {
      await conn.close();
      daemon.child.kill('SIGTERM');
      await daemon.exited;
      ({ daemon, conn } = await start(paths, 'qemu.snapshot-create.disks-switched'));
      const memory = join(paths.images, `reclaim.m${round}.mem`);
      const overlay = join(paths.images, `reclaim-vda.m${round}`);
      const xml = `<domainsnapshot><name>m${round}</name><memory snapshot='external' file='${memory}'/><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`;
      await died(
        daemon,
        conn.domainLookupByName('reclaim').then((d) => d.snapshotCreateXML(xml, 0)),
      );
      const monitor = await inspect(paths.runtime, dom.uuid);
      try {
        expect((await monitor.execute<{ status: string }>('query-status')).status).toBe('postmigrate');
        if (round === 2) await monitor.execute('cont');
        ({ daemon, conn } = await start(paths));
        const again = await conn.domainLookupByName('reclaim');
        expect(await again.getState(), `round ${round}`).toEqual(before);
        expect((await monitor.execute<{ status: string }>('query-status')).status).toBe('paused');
        // past its commit point: the snapshot stays, and its overlay merges back while the guest is paused
        expect((await again.listAllSnapshots()).map((s) => s.name)).toEqual([`m${round}`]);
        await (await again.snapshotLookupByName(`m${round}`)).delete();
        expect(existsSync(overlay) || existsSync(memory)).toBe(false);
        expect(await again.getState()).toEqual(before);
        await expectNothingLeft(paths, again);
      } finally {
        await monitor.close();
      }
    }
    await (await conn.domainLookupByName('reclaim')).destroy();
    await conn.close();
  });

  it('a delete replayed after its live merge pivoted never merges the overlay again over what the guest wrote since', async () => {
    const paths = newCase();
    let { daemon, conn } = await start(paths);
    const dom = await define(paths, conn, 'pivot');
    await dom.create();
    const overlay = join(paths.images, 'pivot-vda.p1');
    await dom.snapshotCreateXML(
      `<domainsnapshot><name>p1</name><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`,
      Create.DiskOnly,
    );
    let monitor = await inspect(paths.runtime, dom.uuid);
    await guestWrite(monitor, 'vda', 0x41); // lands in the overlay
    await monitor.close();
    await conn.close();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    ({ daemon, conn } = await start(paths, 'qemu.snapshot-delete.merged.vda'));
    await died(
      daemon,
      conn
        .domainLookupByName('pivot')
        .then((d) => d.snapshotLookupByName('p1'))
        .then((s) => s.delete()),
    );
    // the disk now runs on its base: what the guest writes goes there; then QEMU dies too
    monitor = await inspect(paths.runtime, dom.uuid);
    await guestWrite(monitor, 'vda', 0x42);
    await monitor.close();
    await killQemu(paths, dom.uuid);
    ({ conn } = await start(paths));
    const again = await conn.domainLookupByName('pivot');
    expect(await again.snapshotNum()).toBe(0);
    const base = join(paths.images, 'pivot-vda.qcow2');
    expect(await again.getXMLDesc(DomainXMLFlags.Inactive)).toContain(`file='${base}'`);
    expect(imageHasPattern(base, 0x42)).toBe(true);
    await expectCleanImage(base);
    await expectNothingLeft(paths, again);
    await conn.close();
  });
});
