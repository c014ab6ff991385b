// External memory snapshots on real QEMU: create (with and without LIVE, ATOMIC), revert restores RAM and disks, delete, refusals, abort and QEMU death leave nothing.
import {
  connect,
  DomainCreateFlags,
  DomainEventId,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotDeleteFlags as Delete,
  DomainSnapshotRevertFlags as Revert,
  DomainState,
  ErrorNumber,
  type Connection,
  type Domain,
} from '@virtwire/client';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QmpClient } from '@virtwire/server/qemu-engine';
import { readGuestRam, writeGuestRam } from './guest-ram.js';
import { blockGraph, domainXml, failure, guestWrite, hasQemu, imageHasPattern, inspect, QemuSandbox } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

const markers = mkdtempSync(join(tmpdir(), 'virtwire-extmem-'));
const PAUSE_POINT = 'qemu.snapshot-create.memory-save.before-migrate';
const pauseMarker = join(markers, 'before-migrate');
/** Once the stream is complete, before it is flushed: its figures are final. */
const SYNC_POINT = 'qemu.snapshot-create.memory-save.before-sync';
const syncMarker = join(markers, 'before-sync');
// read by the qemu driver when the fixture's daemon starts (this file's own process)
process.env.VIRTWIRE_FAILPOINTS = `${PAUSE_POINT}=pause:${pauseMarker},${SYNC_POINT}=pause:${syncMarker}`;
/** Set while a test holds creates at a pause point; otherwise every create is let through at once. */
let holding = false;
let holdingSync = false;
const releaser = setInterval(() => {
  if (!holding && existsSync(pauseMarker)) rmSync(pauseMarker, { force: true });
  if (!holdingSync && existsSync(syncMarker)) rmSync(syncMarker, { force: true });
}, 5);

/** Guest-physical address of the RAM marker (inside the 128 MiB guest, away from SeaBIOS). */
const RAM_AT = 0x3000000;
const A = Buffer.from('marker-A-before-the-snapshot');
const B = Buffer.from('marker-B-after--the-snapshot');

const snapshotXml = (name: string, memory: string, disks: Array<[string, string]>) =>
  `<domainsnapshot><name>${name}</name><memory snapshot='external' file='${memory}'/><disks>${disks
    .map(([t, file]) => `<disk name='${t}' snapshot='external'><source file='${file}'/></disk>`)
    .join('')}</disks></domainsnapshot>`;

describe.skipIf(!hasQemu)('qemu driver: external memory snapshots', () => {
  const qemu = useQemuDaemon();
  let box: QemuSandbox, conn: Connection, runtimeDir: string, images: string;
  beforeAll(() => ({ box, conn, runtimeDir, images } = qemu));
  afterAll(() => {
    clearInterval(releaser);
    rmSync(markers, { recursive: true, force: true });
  });
  let counter = 0;
  const monitors: QmpClient[] = [];
  afterEach(async () => {
    await Promise.all(monitors.splice(0).map((m) => m.close()));
  });

  async function guest(flags = 0): Promise<{ dom: Domain; a: string; b: string; qmp: QmpClient }> {
    const name = `m${++counter}`;
    const a = await box.image(join(images, `${name}-a.qcow2`));
    const b = await box.image(join(images, `${name}-b.qcow2`));
    await conn.domainDefineXML(
      domainXml(name, [
        { target: 'vda', path: a },
        { target: 'vdb', path: b },
      ]),
    );
    await (await conn.domainLookupByName(name)).create(flags);
    const dom = await conn.domainLookupByName(name);
    return { dom, a, b, qmp: await monitor(dom) };
  }

  async function monitor(dom: Domain): Promise<QmpClient> {
    const qmp = await inspect(runtimeDir, (await conn.domainLookupByName(dom.name)).uuid);
    monitors.push(qmp);
    return qmp;
  }

  const state = async (dom: Domain) => (await (await conn.domainLookupByName(dom.name)).getState()).state;

  it('without LIVE, ATOMIC, 2 disks: the file (0600, a migration stream) and both overlays; the guest runs on; revert brings back RAM and disks', async () => {
    const { dom, a, b, qmp } = await guest();
    await writeGuestRam(qmp, box.root, RAM_AT, A);
    await guestWrite(qmp, 'vda', 0x11);
    const memory = join(images, 's1.mem');
    const started = performance.now();
    const snap = await dom.snapshotCreateXML(
      snapshotXml('s1', memory, [
        ['vda', `${a}.s1`],
        ['vdb', `${b}.s1`],
      ]),
      Create.Atomic,
    );
    const createMs = performance.now() - started;
    expect(statSync(memory).mode & 0o777).toBe(0o600);
    expect(readFileSync(memory).subarray(0, 4).toString('latin1')).toBe('QEVM');
    const graph = await blockGraph(qmp);
    expect(graph.disks.vda!.chain).toEqual([`${a}.s1`, a]);
    expect(graph.disks.vdb!.chain).toEqual([`${b}.s1`, b]);
    expect(await state(dom)).toBe(DomainState.Running);
    const xml = await snap.getXMLDesc();
    expect(xml).toContain('<state>running</state>');
    expect(xml).toContain(`<memory snapshot='external' file='${memory}'/>`);
    expect(readdirSync(join(qemu.stateDir, 'qemu', 'intents'))).toEqual([]);

    await writeGuestRam(qmp, box.root, RAM_AT, B);
    await guestWrite(qmp, 'vda', 0x22);
    expect(await readGuestRam(qmp, box.root, RAM_AT, B.length)).toEqual(B);
    await (await dom.snapshotLookupByName('s1')).revert();
    expect(await state(dom)).toBe(DomainState.Running);
    const after = await monitor(dom);
    expect((await after.execute<{ status: string }>('query-status')).status).toBe('running');
    expect(await readGuestRam(after, box.root, RAM_AT, A.length)).toEqual(A);
    const active = (await blockGraph(after)).disks.vda!.chain;
    expect(active.slice(1)).toEqual([a]);
    expect(imageHasPattern(active[0]!, 0x11)).toBe(true);
    expect(imageHasPattern(active[0]!, 0x22)).toBe(false);
    console.log(`external memory snapshot of a 128 MiB guest: ${createMs.toFixed(0)} ms, file ${statSync(memory).size} bytes`);
    await dom.destroy();
  });

  it('LIVE migrates while the guest runs; a paused guest stays paused and its snapshot says so; revert honours PAUSED and RUNNING', async () => {
    const running = await guest();
    const live = join(images, 'l1.mem');
    await running.dom.snapshotCreateXML(snapshotXml('l1', live, [['vda', `${running.a}.l1`]]), Create.Live | Create.Atomic);
    expect(await state(running.dom)).toBe(DomainState.Running);
    expect((await blockGraph(running.qmp)).disks.vda!.chain).toEqual([`${running.a}.l1`, running.a]);
    expect(existsSync(live)).toBe(true);
    await (await running.dom.snapshotLookupByName('l1')).revert(Revert.Paused);
    expect(await state(running.dom)).toBe(DomainState.Paused);
    await running.dom.destroy();

    const paused = await guest(DomainCreateFlags.StartPaused);
    const file = join(images, 'q1.mem');
    const snap = await paused.dom.snapshotCreateXML(snapshotXml('q1', file, [['vdb', `${paused.b}.q1`]]), 0);
    expect(await state(paused.dom)).toBe(DomainState.Paused);
    expect(await snap.getXMLDesc()).toContain('<state>paused</state>');
    await (await paused.dom.snapshotLookupByName('q1')).revert();
    expect(await state(paused.dom)).toBe(DomainState.Paused);
    await (await paused.dom.snapshotLookupByName('q1')).revert(Revert.Running);
    expect(await state(paused.dom)).toBe(DomainState.Running);
    await paused.dom.destroy();
  });

  it('a paused guest stays paused, reason and events unchanged, with its images back from the migration: a second snapshot and the merge of the first work while it is paused', async () => {
    const { dom, a, b, qmp } = await guest(DomainCreateFlags.StartPaused);
    const before = await (await conn.domainLookupByName(dom.name)).getState();
    const events: string[] = [];
    const watcher = await connect(qemu.server.qemuUri);
    await watcher.on('lifecycle', (e) => {
      if (e.eventID === DomainEventId.Lifecycle && e.domain.name === dom.name) events.push(`${e.event}/${e.detail}`);
    });
    const runState: Array<{ event: string; us: number }> = [];
    const stopListening = qmp.onEvent((e) => {
      if ((e.event === 'RESUME' || e.event === 'STOP') && e.timestamp)
        runState.push({ event: e.event, us: e.timestamp.seconds * 1e6 + e.timestamp.microseconds });
    });
    await dom.snapshotCreateXML(snapshotXml('w1', join(images, 'w1.mem'), [['vda', `${a}.w1`]]), 0);
    stopListening();
    // QEMU 7.2: the only way to take the images back is a cont, so the vCPUs ran for a moment (QEMU 10: no run at all)
    if (runState.length === 2) console.log(`paused guest's images taken back: vCPUs ran ${runState[1]!.us - runState[0]!.us} µs`);
    expect(runState.map((e) => e.event)).toEqual(qmp.qemuVersion.major >= 10 ? [] : ['RESUME', 'STOP']);
    // a finished migration leaves QEMU in 'postmigrate' with every block node inactive
    expect((await qmp.execute<{ status: string }>('query-status')).status).toBe('paused');
    expect(await (await conn.domainLookupByName(dom.name)).getState()).toEqual(before);
    // before the images were taken back: "Device 'vda-g1-fmt' is writable but does not support snapshots"
    await dom.snapshotCreateXML(snapshotXml('w2', join(images, 'w2.mem'), [['vdb', `${b}.w2`]]), 0);
    // and "Block node is read-only": the merge of w1's overlay into its base
    await (await dom.snapshotLookupByName('w2')).delete();
    await (await dom.snapshotLookupByName('w1')).delete();
    expect((await blockGraph(qmp)).disks.vda!.chain).toEqual([a]);
    expect(await (await conn.domainLookupByName(dom.name)).getState()).toEqual(before);
    await dom.resume();
    await dom.destroy();
    await watcher.close();
    // the create stopped nothing and resumed nothing: only the test's own resume and destroy
    expect(events).toEqual(['4/0', '5/1']);
  });

  it('delete removes the memory file with the snapshot and merges the overlays; METADATA_ONLY keeps the file', async () => {
    const { dom, a, qmp } = await guest();
    const first = join(images, 'd1.mem');
    await dom.snapshotCreateXML(snapshotXml('d1', first, [['vda', `${a}.d1`]]), 0);
    await (await dom.snapshotLookupByName('d1')).delete();
    expect(existsSync(first)).toBe(false);
    expect(existsSync(`${a}.d1`)).toBe(false);
    expect((await blockGraph(qmp)).disks.vda!.chain).toEqual([a]);

    const second = join(images, 'd2.mem');
    await dom.snapshotCreateXML(snapshotXml('d2', second, [['vda', `${a}.d2`]]), 0);
    await (await dom.snapshotLookupByName('d2')).delete(Delete.MetadataOnly);
    expect(existsSync(second)).toBe(true);
    expect(await dom.snapshotNum()).toBe(0);
    await dom.destroy();
  });

  it("refuses in libvirt's words: an inactive domain, an existing memory file, a file outside the storage roots; nothing is left", async () => {
    const { dom, a, b } = await guest();
    const taken = join(images, 'taken.mem');
    await box.image(taken);
    const exists = await failure(dom.snapshotCreateXML(snapshotXml('r1', taken, [['vda', `${a}.r1`]]), 0));
    expect([exists.code, exists.message]).toEqual([
      ErrorNumber.OperationInvalid,
      `Requested operation is not valid: file '${taken}' for memory snapshot already exists`,
    ]);
    const outside = await failure(dom.snapshotCreateXML(snapshotXml('r1', join(box.root, 'outside.mem'), [['vda', `${a}.r1`]]), 0));
    expect(outside.code).toBe(ErrorNumber.AccessDenied);
    await dom.destroy();
    const offline = await failure(dom.snapshotCreateXML(snapshotXml('r1', join(images, 'r1.mem'), [['vda', `${a}.r1`]]), 0));
    expect([offline.code, offline.message]).toEqual([ErrorNumber.XmlError, 'XML error: memory state cannot be saved with offline or disk-only snapshot']);
    expect(existsSync(`${a}.r1`) || existsSync(`${b}.r1`) || existsSync(join(images, 'r1.mem'))).toBe(false);
  });

  it('DomainAbortJob before the migration, and QEMU killed there: no overlay, no memory file, the guest as before (or crashed)', async () => {
    const other = await connect(qemu.server.qemuUri);
    holding = true;
    const { dom, a, b, qmp } = await guest();
    const memory = join(images, 'p1.mem');
    const creating = failure(
      dom.snapshotCreateXML(
        snapshotXml('p1', memory, [
          ['vda', `${a}.p1`],
          ['vdb', `${b}.p1`],
        ]),
        Create.Atomic,
      ),
    );
    while (!existsSync(pauseMarker)) await sleep(10);
    // the vCPUs are stopped by now (non-LIVE): the abort must run them again
    expect((await qmp.execute<{ running: boolean }>('query-status')).running).toBe(false);
    const aborting = other.call('DomainAbortJob', { domain: dom.ref });
    await sleep(50);
    rmSync(pauseMarker, { force: true });
    await aborting;
    const aborted = await creating;
    expect(aborted.code).toBe(ErrorNumber.OperationAborted);
    expect(existsSync(memory) || existsSync(`${a}.p1`) || existsSync(`${b}.p1`)).toBe(false);
    expect((await qmp.execute<{ running: boolean }>('query-status')).running).toBe(true);
    expect(await state(dom)).toBe(DomainState.Running);
    expect(await dom.snapshotNum()).toBe(0);

    const dying = failure(dom.snapshotCreateXML(snapshotXml('p2', memory, [['vda', `${a}.p2`]]), 0));
    while (!existsSync(pauseMarker)) await sleep(10);
    const pid = Number(readFileSync(join(runtimeDir, (await conn.domainLookupByName(dom.name)).uuid, 'qemu.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await sleep(100);
    rmSync(pauseMarker, { force: true });
    const died = await dying;
    expect(died.code).not.toBe(0);
    expect(existsSync(memory) || existsSync(`${a}.p2`)).toBe(false);
    expect(await state(dom)).toBe(DomainState.Shutoff);
    expect(await dom.snapshotNum()).toBe(0);
    expect(readdirSync(join(qemu.stateDir, 'qemu', 'intents'))).toEqual([]);
    holding = false;
    await other.close();
  });

  it("reports the stream's progress as libvirt's memory_* (and data_*) figures while it is saved, and none after", async () => {
    holdingSync = true;
    const { dom, a, b } = await guest();
    const creating = dom.snapshotCreateXML(
      snapshotXml('progress', join(images, `${dom.name}.mem`), [
        ['vda', `${a}.progress`],
        ['vdb', `${b}.progress`],
      ]),
      Create.Atomic,
    );
    while (!existsSync(syncMarker)) await sleep(10);
    const { type, params } = await conn.call('DomainGetJobStats', { domain: dom.ref, flags: 0 });
    expect(type).toBe(2); // VIR_DOMAIN_JOB_UNBOUNDED
    // the guest's RAM as QEMU counts it (128 MiB and a little more), all of it sent: the stream is complete here
    expect(params.memory_total).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(params.memory_total).toBeLessThan(160 * 1024 * 1024);
    expect(params).toMatchObject({
      memory_processed: params.memory_total,
      memory_remaining: 0,
      data_total: params.memory_total,
      data_processed: params.memory_total,
    });
    holdingSync = false;
    rmSync(syncMarker, { force: true });
    expect((await creating).name).toBe('progress');
    expect((await conn.call('DomainGetJobStats', { domain: dom.ref, flags: 0 })).params).not.toHaveProperty('memory_total');
  });
});
