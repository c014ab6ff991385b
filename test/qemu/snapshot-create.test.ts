// Every snapshot kind and create flag of the qemu driver on real QEMU: internal live and offline, checkpoints, REUSE_EXT, NO_METADATA, HALT, and the refusals.
import { DomainCreateFlags, DomainSnapshotCreateFlags as Create, DomainState, ErrorDomain, ErrorNumber, type Connection, type Domain } from '@virtwire/client';
import { execFileSync } from 'node:child_process';
import { readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QmpClient } from '@virtwire/server/qemu-engine';
import { errorOf, openRaw, tokenHeaders } from '../helpers/raw-client.js';
import type { TestDaemon } from '../helpers/virtwired.js';
import { blockGraph, domainXml, failure, fileFingerprint, hasQemu, imageTags, inspect, QemuSandbox } from './qemu-fixture.js';
import { useQemuDaemon } from './qemu-daemon-fixture.js';

const disks = (...entries: Array<[string, string, string?]>) =>
  `<disks>${entries.map(([name, mode, file]) => `<disk name='${name}' snapshot='${mode}'>${file ? `<source file='${file}'/>` : ''}</disk>`).join('')}</disks>`;
const snapshotXml = (name: string, body = '') => `<domainsnapshot><name>${name}</name>${body}</domainsnapshot>`;

describe.skipIf(!hasQemu)('qemu driver: snapshot kinds and create flags', () => {
  const qemu = useQemuDaemon();
  let box: QemuSandbox, server: TestDaemon, conn: Connection, runtimeDir: string, images: string;
  beforeAll(() => ({ box, server, conn, runtimeDir, images } = qemu));
  let counter = 0;
  const monitors: QmpClient[] = [];
  afterEach(async () => {
    await Promise.all(monitors.splice(0).map((m) => m.close()));
  });

  /** A fresh two-disk domain, running paused (or running, or shut off). */
  async function domain(state: 'paused' | 'running' | 'off' = 'paused'): Promise<{ dom: Domain; a: string; b: string; qmp?: QmpClient }> {
    const name = `d${++counter}`;
    const a = await box.image(join(images, `${name}-a.qcow2`));
    const b = await box.image(join(images, `${name}-b.qcow2`));
    const defined = await conn.domainDefineXML(
      domainXml(name, [
        { target: 'vda', path: a },
        { target: 'vdb', path: b },
      ]),
    );
    if (state === 'off') return { dom: defined, a, b };
    await defined.create(state === 'paused' ? DomainCreateFlags.StartPaused : 0);
    const dom = await conn.domainLookupByName(name);
    const qmp = await inspect(runtimeDir, dom.uuid);
    monitors.push(qmp);
    return { dom, a, b, qmp };
  }

  it('snapshots of different domains run in parallel and each lands whole', async () => {
    const guests = await Promise.all([domain(), domain(), domain('off'), domain('off')]);
    await Promise.all(
      guests.map(({ dom, a, b }) =>
        dom.snapshotCreateXML(snapshotXml('p1', disks(['vda', 'external', `${a}.p1`], ['vdb', 'external', `${b}.p1`])), Create.DiskOnly | Create.Atomic),
      ),
    );
    for (const { dom, qmp, a, b } of guests) {
      expect(await dom.snapshotNum()).toBe(1);
      const xml = await dom.getXMLDesc();
      expect(xml).toContain(`<source file='${a}.p1'/>`);
      expect(xml).toContain(`<source file='${b}.p1'/>`);
      if (qmp) expect((await blockGraph(qmp)).disks.vdb!.chain).toEqual([`${b}.p1`, b]);
    }
    await Promise.all(guests.map(async ({ dom }) => (await dom.snapshotLookupByName('p1')).delete()));
    for (const { dom, qmp, a } of guests) {
      expect(await dom.snapshotNum()).toBe(0);
      if (qmp) expect((await blockGraph(qmp)).disks.vda!.chain).toEqual([a]);
    }
    expect(readdirSync(join(server.stateDir, 'qemu', 'intents'))).toEqual([]);
  });

  it("offline external disk-only records the state 'shutoff' and no memory, as libvirt's qemu driver", async () => {
    const { dom, a } = await domain('off');
    await dom.snapshotCreateXML(snapshotXml('o1', disks(['vda', 'external', `${a}.o1`], ['vdb', 'no'])), Create.DiskOnly);
    const xml = await (await dom.snapshotLookupByName('o1')).getXMLDesc();
    expect(xml).toContain('<state>shutoff</state>');
    expect(xml).toContain("<memory snapshot='no'/>");
    expect(await dom.getXMLDesc()).toContain(`<source file='${a}.o1'/>`);
  });

  it("REDEFINE keeps the snapshot's save cookie (guest CPU, slirp helper) and dumps it last, as libvirt's qemu driver", async () => {
    const { dom } = await domain('off');
    const cookie = "<cookie><cpu mode='custom' match='exact' check='full'><model fallback='forbid'>qemu64</model></cpu><slirpHelper/></cookie>";
    const xml = `<domainsnapshot><name>k1</name><state>running</state><creationTime>1</creationTime><memory snapshot='internal'/>${await dom.getXMLDesc()}${cookie}</domainsnapshot>`;
    await dom.snapshotCreateXML(xml, Create.Redefine);
    const dumped = await (await dom.snapshotLookupByName('k1')).getXMLDesc();
    expect(dumped).toMatch(
      / {2}<\/domain>\n {2}<cookie>\n {4}<cpu mode='custom' match='exact' check='full'>\n {6}<model fallback='forbid'>qemu64<\/model>\n {4}<\/cpu>\n {4}<slirpHelper\/>\n {2}<\/cookie>\n<\/domainsnapshot>\n$/,
    );
  });

  it("REDEFINE refuses the states qemu never records, as libvirt's qemuSnapshotCreateXMLValidateDef", async () => {
    const { dom } = await domain('off');
    const redefined = async (state: string) =>
      failure(
        dom.snapshotCreateXML(
          `<domainsnapshot><name>s-${state}</name><state>${state}</state><creationTime>1</creationTime>${await dom.getXMLDesc()}</domainsnapshot>`,
          Create.Redefine,
        ),
      );
    expect(await redefined('pmsuspended')).toMatchObject({
      code: ErrorNumber.OperationUnsupported,
      domain: ErrorDomain.Qemu,
      message: "Operation not supported: qemu doesn't support taking snapshots of PMSUSPENDED guests",
    });
    expect(await redefined('blocked')).toMatchObject({
      code: ErrorNumber.InternalError,
      domain: ErrorDomain.Qemu,
      message: 'internal error: Invalid domain state blocked',
    });
    expect(await dom.snapshotNum()).toBe(0);
  });

  it('REDEFINE names the external targets a disk-only snapshot leaves out only for images that are regular files the daemon may open', async () => {
    const { dom, a } = await domain('off');
    const definition = await dom.getXMLDesc();
    const redefine = (name: string, domainXml: string) =>
      dom.snapshotCreateXML(
        `<domainsnapshot><name>${name}</name><state>disk-snapshot</state><creationTime>1</creationTime><disks/>${domainXml}</domainsnapshot>`,
        Create.Redefine,
      );
    await redefine('named', definition);
    expect(await (await dom.snapshotLookupByName('named')).getXMLDesc()).toContain(`<source file='${a.replace(/\.qcow2$/, '')}.named'/>`);
    // A file outside the storage roots is not looked at: libvirt's refusal, whether it exists or not.
    for (const outside of ['/etc/hostname', '/nonexistent/disk.img']) {
      const refused = await failure(redefine(`out-${outside.length}`, definition.replace(a, outside)));
      expect([refused.code, refused.message]).toEqual([
        ErrorNumber.ConfigUnsupported,
        "unsupported configuration: source for disk 'vda' is not a regular file; refusing to generate external snapshot name",
      ]);
    }
    expect((await dom.listAllSnapshots()).map((s) => s.name)).toEqual(['named']);
  });

  it("offline disk-only with a 'manual' disk: that disk is left alone and recorded as manual, as libvirt does", async () => {
    const { dom, a, b } = await domain('off');
    await dom.snapshotCreateXML(snapshotXml('m1', disks(['vda', 'external', `${a}.m1`], ['vdb', 'manual'])), Create.DiskOnly);
    const xml = await (await dom.snapshotLookupByName('m1')).getXMLDesc();
    expect(xml).toContain("<disk name='vdb' snapshot='manual'/>");
    const definition = await dom.getXMLDesc();
    expect(definition).toContain(`<source file='${a}.m1'/>`);
    expect(definition).toContain(`<source file='${b}'/>`);
  });

  it('live internal disk-only (virtwire extension): one transaction, the tag on both disks, ATOMIC accepted', async () => {
    const { dom, qmp, a, b } = await domain();
    await dom.snapshotCreateXML(snapshotXml('i1', disks(['vda', 'internal'], ['vdb', 'internal'])), Create.DiskOnly | Create.Atomic);
    const live = await blockGraph(qmp!);
    expect(live.disks.vda!.chain).toEqual([a]);
    expect(await imageTags(a)).toEqual(['i1']);
    expect(await imageTags(b)).toEqual(['i1']);
    const xml = await (await dom.snapshotLookupByName('i1')).getXMLDesc();
    expect(xml).toContain('<state>disk-snapshot</state>');
    expect(xml).toContain("<disk name='vda' snapshot='internal'/>");
  });

  it('live checkpoint (internal with VM state through snapshot-save), on a running guest that keeps running', async () => {
    const { dom, a, b } = await domain('running');
    await dom.snapshotCreateXML(snapshotXml('c1'), Create.Atomic);
    expect(await imageTags(a)).toEqual(['c1']);
    expect(await imageTags(b)).toEqual(['c1']);
    const xml = await (await dom.snapshotLookupByName('c1')).getXMLDesc();
    expect(xml).toContain('<state>running</state>');
    expect(xml).toContain("<memory snapshot='internal'/>");
    expect((await dom.getState()).state).toBe(DomainState.Running);
    await dom.destroy();
  });

  it('offline internal with qemu-img, and a default name (creation time) stored under a non-numeric tag', async () => {
    const { dom, a, b } = await domain('off');
    const snap = await dom.snapshotCreateXML('<domainsnapshot/>', Create.Atomic);
    expect(snap.name).toMatch(/^\d+$/);
    expect(await imageTags(a)).toEqual([`snap-${snap.name}`]);
    expect(await imageTags(b)).toEqual([`snap-${snap.name}`]);
    expect(await (await dom.snapshotLookupByName(snap.name)).getXMLDesc()).toContain('<state>shutoff</state>');
  });

  it('REUSE_EXT opens pre-created overlays after checking them; a missing or foreign file is refused before anything changes', async () => {
    const { dom, qmp, a, b } = await domain();
    const oa = join(images, 'reuse-a.qcow2');
    const ob = join(images, 'reuse-b.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', a, '-F', 'qcow2', oa]);
    const before = await blockGraph(qmp!);
    const missing = await failure(
      dom.snapshotCreateXML(snapshotXml('r1', disks(['vda', 'external', oa], ['vdb', 'external', ob])), Create.DiskOnly | Create.ReuseExt | Create.Atomic),
    );
    expect([missing.code, missing.message]).toEqual([ErrorNumber.SystemError, `missing existing file for disk vdb: ${ob}: No such file or directory`]);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', a, '-F', 'qcow2', ob]); // backed by the wrong disk's image
    const foreign = await failure(
      dom.snapshotCreateXML(snapshotXml('r1', disks(['vda', 'external', oa], ['vdb', 'external', ob])), Create.DiskOnly | Create.ReuseExt | Create.Atomic),
    );
    expect(foreign.code).toBe(ErrorNumber.ConfigUnsupported);
    expect(foreign.message).toContain(`${ob} has backing ${a}`);
    expect(await blockGraph(qmp!)).toEqual(before);
    execFileSync('qemu-img', ['rebase', '-u', '-q', '-f', 'qcow2', '-b', b, '-F', 'qcow2', ob]);
    await dom.snapshotCreateXML(snapshotXml('r1', disks(['vda', 'external', oa], ['vdb', 'external', ob])), Create.DiskOnly | Create.ReuseExt | Create.Atomic);
    expect((await blockGraph(qmp!)).disks.vdb!.chain).toEqual([ob, b]);
  });

  it('NO_METADATA switches the disks but keeps no snapshot; HALT stops the guest afterwards', async () => {
    const { dom, qmp, a } = await domain();
    await dom.snapshotCreateXML(snapshotXml('n1', disks(['vda', 'external', join(images, 'n1-a')], ['vdb', 'no'])), Create.DiskOnly | Create.NoMetadata);
    expect((await blockGraph(qmp!)).disks.vda!.chain).toEqual([join(images, 'n1-a'), a]);
    expect(await dom.snapshotNum()).toBe(0);
    expect(await dom.hasCurrentSnapshot()).toBe(false);
    await dom.snapshotCreateXML(snapshotXml('h1', disks(['vda', 'external', join(images, 'h1-a')], ['vdb', 'no'])), Create.DiskOnly | Create.Halt);
    expect(await dom.getState()).toEqual({ state: DomainState.Shutoff, reason: 7 });
    expect(await dom.getXMLDesc()).toContain(`<source file='${join(images, 'h1-a')}'/>`);
  });

  it("QUIESCE needs DISK_ONLY and a guest agent; LIVE only fits external memory snapshots: libvirt's errors, nothing changed", async () => {
    const paused = await domain();
    const running = await domain('running');
    const filesBefore = fileFingerprint(images);
    const request = snapshotXml('q1', disks(['vda', 'external', join(images, 'q1-a')], ['vdb', 'no']));
    const noDiskOnly = await failure(paused.dom.snapshotCreateXML(request, Create.Quiesce));
    expect([noDiskOnly.code, noDiskOnly.domain, noDiskOnly.message, noDiskOnly.str1]).toEqual([
      ErrorNumber.InvalidArg,
      ErrorDomain.Qemu,
      "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'",
      'qemuSnapshotCreateXML',
    ]);
    const notRunning = await failure(paused.dom.snapshotCreateXML(request, Create.Quiesce | Create.DiskOnly));
    expect([notRunning.code, notRunning.message]).toEqual([ErrorNumber.OperationInvalid, 'Requested operation is not valid: domain is not running']);
    const noAgent = await failure(running.dom.snapshotCreateXML(request, Create.Quiesce | Create.DiskOnly | Create.Atomic));
    expect([noAgent.code, noAgent.domain, noAgent.message]).toEqual([
      ErrorNumber.ArgumentUnsupported,
      ErrorDomain.Qemu,
      'argument unsupported: QEMU guest agent is not configured',
    ]);
    const liveRedefine = await failure(paused.dom.snapshotCreateXML(request, Create.Live | Create.Redefine));
    expect(liveRedefine.message).toBe("Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_LIVE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' are mutually exclusive");
    const liveDiskOnly = await failure(paused.dom.snapshotCreateXML(request, Create.Live | Create.DiskOnly));
    expect([liveDiskOnly.code, liveDiskOnly.message]).toEqual([
      ErrorNumber.OperationUnsupported,
      'Operation not supported: live snapshot creation is supported only during full system snapshots',
    ]);
    expect(fileFingerprint(images)).toEqual(filesBefore);
    expect(await paused.dom.snapshotNum()).toBe(0);
    await running.dom.destroy();
  });

  it("refuses a mix of internal and external (disks, or external memory with internal disks) with libvirt's 'mixing' error, ATOMIC or not, on the client and on the daemon alike", async () => {
    const { dom, qmp } = await domain();
    const before = await blockGraph(qmp!);
    const mixed = snapshotXml('m1', disks(['vda', 'internal'], ['vdb', 'external', join(images, 'm1-b')]));
    const atomicMixed = await failure(dom.snapshotCreateXML(mixed, Create.DiskOnly | Create.Atomic));
    expect([atomicMixed.code, atomicMixed.domain, atomicMixed.message]).toEqual([
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Qemu,
      'unsupported configuration: mixing internal and external targets for a snapshot is not yet supported',
    ]);
    const plainMixed = await failure(dom.snapshotCreateXML(mixed, Create.DiskOnly));
    expect(plainMixed.message).toBe('unsupported configuration: mixing internal and external targets for a snapshot is not yet supported');

    // external memory with an internal disk is mixed: the SDK cannot tell from the request, the daemon refuses it in the same words
    const memory = `<domainsnapshot><name>e1</name><memory snapshot='external' file='${join(images, 'e1.mem')}'/>${disks(['vda', 'external', join(images, 'e1-a')], ['vdb', 'internal'])}</domainsnapshot>`;
    const raw = await openRaw(server.wsAddress, { headers: tokenHeaders(server.wsAddress) });
    try {
      await raw.call('ConnectOpen', { uri: 'qemu:///session' });
      const error = errorOf(await raw.call('DomainSnapshotCreateXML', { domain: dom.ref, xml: memory, flags: Create.Atomic }));
      expect([error.code, error.message]).toEqual([
        ErrorNumber.ConfigUnsupported,
        'unsupported configuration: mixing internal and external targets for a snapshot is not yet supported',
      ]);
    } finally {
      raw.close();
    }
    const local = await failure(dom.snapshotCreateXML(memory, Create.Atomic));
    expect(local.message).toBe('unsupported configuration: mixing internal and external targets for a snapshot is not yet supported');
    const plainMemory = await failure(dom.snapshotCreateXML(memory, 0));
    expect(plainMemory.message).toBe('unsupported configuration: mixing internal and external targets for a snapshot is not yet supported');
    expect(readdirSync(images).filter((f) => f.startsWith('e1'))).toEqual([]);
    expect(await blockGraph(qmp!)).toEqual(before);
  });

  it('refuses existing targets, paths outside the storage roots, and duplicate names before anything changes', async () => {
    const { dom, a } = await domain('off');
    const existing = await failure(
      dom.snapshotCreateXML(snapshotXml('x1', disks(['vda', 'external', a.replace('-a.qcow2', '-b.qcow2')], ['vdb', 'no'])), Create.DiskOnly),
    );
    expect(existing.message).toContain('is an image the domain already uses');
    const taken = join(images, 'taken');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', taken, '1M']);
    const exists = await failure(dom.snapshotCreateXML(snapshotXml('x1', disks(['vda', 'external', taken], ['vdb', 'no'])), Create.DiskOnly));
    expect([exists.code, exists.message]).toEqual([
      ErrorNumber.ConfigUnsupported,
      `unsupported configuration: external snapshot file for disk vda already exists and is not a block device: ${taken}`,
    ]);
    const outside = await failure(dom.snapshotCreateXML(snapshotXml('x1', disks(['vda', 'external', '/var/tmp/x1-a'], ['vdb', 'no'])), Create.DiskOnly));
    expect([outside.code, outside.domain, outside.message]).toEqual([
      ErrorNumber.AccessDenied,
      ErrorDomain.Qemu,
      "access denied: path '/var/tmp/x1-a' is outside the storage roots of this daemon",
    ]);
    const link = join(images, 'elsewhere');
    symlinkSync('/var/tmp', link);
    const throughLink = await failure(dom.snapshotCreateXML(snapshotXml('x1', disks(['vda', 'external', join(link, 'x1-a')], ['vdb', 'no'])), Create.DiskOnly));
    expect([throughLink.code, throughLink.message]).toEqual([
      ErrorNumber.AccessDenied,
      `access denied: path '${join(link, 'x1-a')}' has a symbolic link among its parent directories`,
    ]);
    const dotdot = await failure(dom.snapshotCreateXML(snapshotXml('x1', disks(['vda', 'external', `${images}/../x1-a`], ['vdb', 'no'])), Create.DiskOnly));
    expect(dotdot.code).toBe(ErrorNumber.AccessDenied);
    await dom.snapshotCreateXML(snapshotXml('x1'), 0);
    const duplicate = await failure(dom.snapshotCreateXML(snapshotXml('x1'), 0));
    expect([duplicate.code, duplicate.domain, duplicate.message]).toEqual([
      ErrorNumber.OperationFailed,
      ErrorDomain.Domain,
      'operation failed: domain moment x1 already exists',
    ]);
    const badName = await failure(dom.snapshotCreateXML(snapshotXml('a/b'), 0));
    expect([badName.code, badName.domain, badName.message]).toEqual([
      ErrorNumber.XmlDetail,
      ErrorDomain.Qemu,
      "invalid snapshot name 'a/b': name can't contain '/'",
    ]);
    expect(readdirSync(join(server.stateDir, 'qemu', 'intents'))).toEqual([]);
  });
});
