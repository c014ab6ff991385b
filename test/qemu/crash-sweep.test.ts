// Crash sweep: the real virtwired binary SIGKILLs itself at every failpoint of snapshot create and delete (1, 2, 4 disks, live and offline; 2 disks with external memory on a running guest); after a restart the snapshot is wholly there or wholly gone.
import { connect, DomainCreateFlags, DomainSnapshotCreateFlags as Create, DomainXMLFlags, type Connection, type Domain } from '@virtwire/client';
import { DomainDefinition } from '@virtwire/client/xml';
import { execFileSync } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredChain, diskElement, parseSnapshotFile, StateLayout } from '@virtwire/server/testing';
import type { QmpClient } from '@virtwire/server/qemu-engine';
import { spawnDaemon, type SpawnedDaemon } from '../helpers/daemon-process.js';
import {
  backingFiles,
  blockGraph,
  canMount,
  domainXml,
  expectCleanImage,
  guestWrite,
  hasQemu,
  imageHasPattern,
  inspect,
  killGuestsUnder,
  listFiles,
  QemuSandbox,
  target,
} from './qemu-fixture.js';

/** live: a paused guest, disk-only; offline: a stopped domain; memory: a running guest, external memory and disks. */
type Mode = 'live' | 'offline' | 'memory';
const runs = (mode: Mode) => mode !== 'offline';
type Path = 'create' | 'delete';

/** Every failpoint a create or delete of an external disk-only snapshot passes, for `disks` disks. */
function failpoints(path: Path, mode: Mode, disks: number): string[] {
  const targets = Array.from({ length: disks }, (_, i) => target(i));
  if (path === 'create' && mode === 'memory') {
    const steps = ['before-reserve-files', 'before-format-overlays', 'before-add-format-nodes'];
    return [
      'journaled',
      'files-journaled',
      ...steps.map((s) => `live-external.${s}`),
      'change-journaled',
      'live-external.before-save-memory',
      'memory-save.before-pause',
      'memory-save.before-migrate',
      'memory-save.before-sync',
      'memory-saved',
      'live-external.before-transaction',
      'disks-switched',
      'committed',
      'metadata-written',
      'definitions-written',
    ].map((p) => `qemu.snapshot-create.${p}`);
  }
  if (path === 'create') {
    const engine =
      mode === 'live'
        ? [
            ...['before-reserve-files', 'before-format-overlays', 'before-add-format-nodes'].map((s) => `live-external.${s}`),
            'change-journaled',
            'live-external.before-transaction',
          ]
        : ['offline-external.before-reserve-files', ...targets.map((t) => `offline-external.before-create.${t}`)];
    return ['journaled', engine[0]!, 'files-journaled', ...engine.slice(1), 'disks-switched', 'committed', 'metadata-written', 'definitions-written'].map(
      (p) => `qemu.snapshot-create.${p}`,
    );
  }
  const commit = runs(mode) ? 'live-commit' : 'offline-commit';
  return [
    'journaled',
    'committed',
    ...targets.flatMap((t) => [`${commit}.before-commit.${t}`, `merged.${t}`]),
    'metadata-written',
    'definitions-written',
    ...targets.map((t) => `removed.${t}`),
    ...(mode === 'memory' ? ['memory-removed'] : []),
  ].map((p) => `qemu.snapshot-delete.${p}`);
}

/** Whether recovery must keep the change made up to `failpoint` (the commit point was passed). */
function expectPresentAfterCreate(mode: Mode, failpoint: string): boolean {
  const step = failpoint.slice('qemu.snapshot-create.'.length);
  const kept = ['committed', 'metadata-written', 'definitions-written'];
  return kept.includes(step) || (runs(mode) && step === 'disks-switched');
}

interface SweepCase {
  path: Path;
  failpoint: string;
}

/** One daemon (and its state, storage root and guest) that crashes once per case, cases in sequence. */
interface Lane {
  mode: Mode;
  disks: number;
  name: string;
  root: string;
  images: string;
  runtime: string;
  cases: SweepCase[];
}

const exec = promisify(execFile);

describe.skipIf(!hasQemu)('qemu driver crash sweep: SIGKILL at every failpoint of create and delete, restart, check', () => {
  let box: QemuSandbox;
  const lanes: Lane[] = [];
  const daemons = new Set<SpawnedDaemon>();
  let sweepStart = 0;

  beforeAll(async () => {
    await exec('npm', ['run', '--silent', 'build'], { cwd: process.cwd() });
    box = QemuSandbox.create();
    // tmpfs when we may mount one: this host's ext4 discards synchronously, so each fsync after an unlink costs 100+ ms
    const base = canMount ? box.mountTmpfs(box.path('t'), { sizeBytes: 512 * 1024 * 1024 }) : box.root;
    for (const mode of ['live', 'offline', 'memory'] as const) {
      for (const disks of mode === 'memory' ? [2] : [1, 2, 4]) {
        const name = `${mode}-${disks}`;
        const creates = failpoints('create', mode, disks);
        const deletes = failpoints('delete', mode, disks);
        const cases: SweepCase[] = [];
        for (let i = 0; i < Math.max(creates.length, deletes.length); i++) {
          if (creates[i]) cases.push({ path: 'create', failpoint: creates[i]! });
          if (deletes[i]) cases.push({ path: 'delete', failpoint: deletes[i]! });
        }
        const dir = (...parts: string[]) => {
          const path = join(base, ...parts);
          mkdirSync(path, { recursive: true });
          return path;
        };
        lanes.push({ mode, disks, name, root: dir(name), images: dir(name, 'images'), runtime: dir(name, 'run'), cases });
      }
    }
    sweepStart = performance.now();
  });

  afterAll(async () => {
    console.info(`[crash sweep] ${lanes.reduce((n, l) => n + l.cases.length, 0)} cases in ${((performance.now() - sweepStart) / 1000).toFixed(1)} s`);
    for (const daemon of daemons) daemon.child.kill('SIGKILL');
    await Promise.all([...daemons].map((d) => d.exited));
    for (const lane of lanes) await killGuestsUnder(lane.runtime);
    box?.cleanup();
  });

  const startDaemon = async (lane: Lane, failpoint: string | undefined): Promise<{ daemon: SpawnedDaemon; conn: Connection }> => {
    const daemon = await spawnDaemon(
      ['--state-dir', join(lane.root, 'state'), '--storage-root', lane.images, '--qemu-runtime-dir', lane.runtime, '--qemu-inspection-monitor'],
      { VIRTWIRE_FAILPOINTS: failpoint ?? '' },
    );
    daemons.add(daemon);
    void daemon.exited.then(() => daemons.delete(daemon));
    return { daemon, conn: await connect(`qemu+${daemon.wsAddress}/session`) };
  };

  describe.concurrent.each([0, 1, 2, 3, 4, 5, 6])('lane %i', (laneIndex) => {
    it('every case: wholly present or wholly absent, no orphan, clean images, no leftovers', { timeout: 240_000 }, async () => {
      const lane = lanes[laneIndex]!;
      if (process.env.VW_SWEEP_LANES && !process.env.VW_SWEEP_LANES.split(',').includes(lane.name)) return;
      let { daemon, conn } = await startDaemon(lane, lane.cases[0]?.failpoint);
      const targets = Array.from({ length: lane.disks }, (_, i) => target(i));
      const bases = [];
      for (const t of targets) bases.push({ target: t, path: await box.image(join(lane.images, `${t}.qcow2`)) });
      await conn.domainDefineXML(domainXml(lane.name, bases));
      if (runs(lane.mode)) await (await conn.domainLookupByName(lane.name)).create(lane.mode === 'live' ? DomainCreateFlags.StartPaused : 0);
      let phase = 'setup';
      let monitor: QmpClient | undefined = runs(lane.mode) ? await inspect(lane.runtime, (await conn.domainLookupByName(lane.name)).uuid) : undefined;
      try {
        for (const [index, sweepCase] of lane.cases.entries()) {
          phase = `case ${index} (${sweepCase.failpoint})`;
          let dom = await conn.domainLookupByName(lane.name);
          const snapshotName = `k${index}`;
          if (sweepCase.path === 'delete' && !(await dom.hasCurrentSnapshot())) await createSnapshot(dom, lane, `p${index}`, targets);
          const current = sweepCase.path === 'delete' ? (await dom.snapshotCurrent()).name : snapshotName;
          const before = { xml: await dom.getXMLDesc(DomainXMLFlags.Inactive), chains: chainsOf(await dom.getXMLDesc(DomainXMLFlags.Inactive), targets) };
          const pattern = 0x10 + (index % 200);
          if (sweepCase.path === 'delete') await writeIntoOverlays(lane, monitor, targets, before.chains, pattern);

          const attempt =
            sweepCase.path === 'create' ? createSnapshot(dom, lane, snapshotName, targets) : dom.snapshotLookupByName(current).then((s) => s.delete());
          const outcome = await attempt.then(
            () => 'returned',
            () => 'failed',
          );
          expect(`${outcome} / ${String(await daemon.exited)}`, sweepCase.failpoint).toBe('failed / SIGKILL');
          await monitor?.close();

          ({ daemon, conn } = await startDaemon(lane, lane.cases[index + 1]?.failpoint));
          dom = await conn.domainLookupByName(lane.name);
          monitor = runs(lane.mode) ? await inspect(lane.runtime, dom.uuid) : undefined;
          const present = await dom.snapshotLookupByName(current).then(
            () => true,
            () => false,
          );
          const xml = await dom.getXMLDesc(DomainXMLFlags.Inactive);
          const chains = chainsOf(xml, targets);
          if (sweepCase.path === 'create') {
            expect(present, sweepCase.failpoint).toBe(expectPresentAfterCreate(lane.mode, sweepCase.failpoint));
            if (present)
              for (const t of targets) expect(chains[t], sweepCase.failpoint).toEqual([join(lane.images, `${t}.${snapshotName}`), ...before.chains[t]!]);
            else expect(xml, sweepCase.failpoint).toBe(before.xml);
            for (const t of targets) expect(existsSync(join(lane.images, `${t}.${snapshotName}`)), sweepCase.failpoint).toBe(present);
            if (lane.mode === 'memory') expect(existsSync(join(lane.images, `mem.${snapshotName}`)), sweepCase.failpoint).toBe(present);
          } else {
            expect(present, sweepCase.failpoint).toBe(sweepCase.failpoint.endsWith('.journaled'));
            if (present) expect(xml, sweepCase.failpoint).toBe(before.xml);
            for (const t of targets) {
              if (present) continue;
              expect(chains[t], sweepCase.failpoint).toEqual(before.chains[t]!.slice(1));
              expect(existsSync(before.chains[t]![0]!), sweepCase.failpoint).toBe(false);
              expect(imageHasPattern(chains[t]![0]!, pattern), `${sweepCase.failpoint}: merged data in ${t}`).toBe(true);
            }
          }
          await checkInvariants(lane, dom, monitor, targets, sweepCase.failpoint);
        }
      } catch (error) {
        const problems = daemon.log.filter((l) => /"level":[456]0/.test(l)).slice(-5);
        if (error instanceof Error) error.message += `\nin ${phase}`;
        if (problems.length > 0 && error instanceof Error) error.message += `\ndaemon log:\n${problems.join('\n')}`;
        throw error;
      } finally {
        await monitor?.close().catch(() => undefined);
        if (runs(lane.mode))
          await conn
            .domainLookupByName(lane.name)
            .then((d) => d.destroy())
            .catch(() => undefined);
        await conn.close().catch(() => undefined);
        daemon.child.kill('SIGTERM');
        await daemon.exited;
      }
    });
  });
});

/** An external disk-only snapshot of every disk, overlays `<images>/<target>.<name>` (memory lanes: with the memory file `<images>/mem.<name>`). */
function createSnapshot(dom: Domain, lane: Lane, name: string, targets: readonly string[]) {
  const disks = targets.map((t) => `<disk name='${t}' snapshot='external'><source file='${join(lane.images, `${t}.${name}`)}'/></disk>`).join('');
  if (lane.mode === 'memory') {
    const memory = `<memory snapshot='external' file='${join(lane.images, `mem.${name}`)}'/>`;
    return dom.snapshotCreateXML(`<domainsnapshot><name>${name}</name>${memory}<disks>${disks}</disks></domainsnapshot>`, Create.Atomic);
  }
  return dom.snapshotCreateXML(`<domainsnapshot><name>${name}</name><disks>${disks}</disks></domainsnapshot>`, Create.DiskOnly | Create.Atomic);
}

/** Each disk's image chain as the domain XML declares it. */
function chainsOf(xml: string, targets: readonly string[]): Record<string, string[]> {
  const definition = DomainDefinition.parse(xml);
  const chain = (t: string) => declaredChain(diskElement(definition, t)) ?? [{ path: definition.disks().find((d) => d.target === t)!.source! }];
  return Object.fromEntries(targets.map((t) => [t, chain(t).map((l) => l.path)]));
}

/** Guest data written into the overlays a delete will merge (through QEMU when it runs, with qemu-io otherwise). */
async function writeIntoOverlays(lane: Lane, monitor: QmpClient | undefined, targets: readonly string[], chains: Record<string, string[]>, pattern: number) {
  for (const t of targets) {
    if (monitor) await guestWrite(monitor, t, pattern);
    else execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x${pattern.toString(16)} 0 64k`, chains[t]![0]!], { stdio: 'ignore' });
  }
  void lane;
}

/**
 * I2 to I4 of the plan: every state file parses, no temp file or job record remains, no file under
 * the storage root is unreferenced, qemu-img sees the chains the XML declares and finds them clean,
 * and a running guest uses exactly those chains.
 */
async function checkInvariants(lane: Lane, dom: Domain, monitor: QmpClient | undefined, targets: readonly string[], failpoint: string) {
  const state = join(lane.root, 'state', 'qemu');
  expect(readdirSync(join(state, 'intents')), failpoint).toEqual([]);
  const stateFiles = listFiles(state);
  expect(
    stateFiles.filter((f) => f.includes('.vwtmp-')),
    failpoint,
  ).toEqual([]);
  for (const file of stateFiles) {
    const text = readFileSync(join(state, file), 'utf8');
    if (file.startsWith('domains/')) DomainDefinition.parse(text);
    else if (file.startsWith('snapshots/')) parseSnapshotFile(text);
  }
  const status = new StateLayout(join(lane.root, 'state'), lane.runtime).readStatus(dom.uuid);
  expect(status !== undefined, `${failpoint}: status file of a running guest`).toBe(runs(lane.mode));
  if (lane.mode === 'memory') {
    // the guest ran before the create (or delete): it runs again, whatever recovery decided
    expect(status?.state, `${failpoint}: run state`).toBe('running');
    expect((await monitor!.execute<{ running: boolean }>('query-status')).running, `${failpoint}: QEMU runs`).toBe(true);
  }
  if (status)
    expect(
      status.live.disks().map((d) => d.source),
      failpoint,
    ).toEqual(
      DomainDefinition.parse(await dom.getXMLDesc())
        .disks()
        .map((d) => d.source),
    );
  const referenced = new Set<string>();
  const xml = await dom.getXMLDesc();
  for (const match of xml.matchAll(/file='([^']+)'/g)) referenced.add(match[1]!);
  for (const snapshot of await dom.listAllSnapshots()) for (const match of (await snapshot.getXMLDesc()).matchAll(/file='([^']+)'/g)) referenced.add(match[1]!);
  const orphans = listFiles(lane.images).filter((f) => !referenced.has(join(lane.images, f)));
  expect(orphans, failpoint).toEqual([]);
  const chains = chainsOf(xml, targets);
  const graph = monitor ? await blockGraph(monitor) : undefined;
  for (const t of targets) {
    expect(await backingFiles(chains[t]![0]!), failpoint).toEqual(chains[t]);
    // a case writes only the top image (a new overlay, or the base a merge wrote into): lower layers are checked when they were on top
    await expectCleanImage(chains[t]![0]!);
    if (graph) expect(graph.disks[t]!.chain, failpoint).toEqual(chains[t]);
  }
}
