// Request keys on the qemu driver survive a daemon killed with SIGKILL: the retry on the restarted daemon gets the first answer, without running again.
import { ErrorNumber } from '@virtwire/client';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../helpers/errors.js';
import { domainXml, hasQemu, QemuSandbox, target } from './qemu-fixture.js';
import { KillableDaemons } from './killable-daemon.js';

const exec = promisify(execFile);

describe.skipIf(!hasQemu)('qemu driver: durable request keys', () => {
  let box: QemuSandbox;
  const clusters: KillableDaemons[] = [];
  beforeAll(async () => {
    await exec(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), '-b'], { cwd: process.cwd() });
    box = QemuSandbox.create();
  });
  afterAll(async () => {
    for (const cluster of clusters) await cluster.killAll();
    box?.cleanup();
  });

  it('answers a keyed snapshot create, and a keyed failure, the same after kill -9 and restart', async () => {
    const cluster = new KillableDaemons(box.mkdir('keys'));
    clusters.push(cluster);
    const { paths } = cluster;
    const first = await cluster.start();
    const disk = await box.image(join(paths.images, 'rk-vda.qcow2'), 8 * 1024 * 1024);
    const dom = await first.conn.domainDefineXML(domainXml('rk', [{ target: target(0), path: disk }]));
    const create = { domain: dom.ref, xml: '<domainsnapshot><name>k1</name></domainsnapshot>', flags: 0, requestKey: 'create-k1' };
    const created = await first.conn.call('DomainSnapshotCreateXML', create);
    const again = { domain: dom.ref, xml: '<domainsnapshot><name>k1</name></domainsnapshot>', flags: 0, requestKey: 'create-k1-again' };
    const refused = await failure(first.conn.call('DomainSnapshotCreateXML', again));
    expect(refused.message).toContain('k1'); // the name is taken
    expect(existsSync(join(paths.state, 'qemu', 'request-keys.json'))).toBe(true);
    await cluster.stop(first);

    const second = await cluster.start();
    // the same key and call: the first answer, and the snapshot was not made twice (no "already exists")
    expect(await second.conn.call('DomainSnapshotCreateXML', create)).toEqual(created);
    const replayed = await failure(second.conn.call('DomainSnapshotCreateXML', again));
    expect([replayed.code, replayed.domain, replayed.message]).toEqual([refused.code, refused.domain, refused.message]);
    const rk = await second.conn.domainLookupByName('rk');
    expect((await rk.listAllSnapshots()).map((s) => s.name)).toEqual(['k1']);
    // the same key with another call is still refused
    const other = await failure(second.conn.call('DomainSnapshotCreateXML', { ...create, xml: '<domainsnapshot><name>k2</name></domainsnapshot>' }));
    expect([other.code, other.message]).toEqual([ErrorNumber.InvalidArg, "invalid argument: request key 'create-k1' was already used for another call"]);
    // a new key runs the call
    const fresh = { ...create, xml: '<domainsnapshot><name>k3</name></domainsnapshot>', requestKey: 'create-k3' };
    expect((await second.conn.call('DomainSnapshotCreateXML', fresh)).name).toBe('k3');
    const stored = JSON.parse(readFileSync(join(paths.state, 'qemu', 'request-keys.json'), 'utf8')) as { fingerprint: string }[];
    expect(stored).toHaveLength(3);
    await cluster.stop(second);
  }, 90_000);

  // A daemon killed inside a keyed call, after the change's commit point and before the answer: the
  // recovery that completes the change records the call's answer, so the retry gets it and nothing
  // runs twice (before, the retry ran again: "already exists", "not found", or a second revert).
  // Killed before the commit point, the change is undone and the retry runs it as the first time.
  it('answers a keyed call that a kill -9 cut off after its commit point, once recovery completed it', async () => {
    const cluster = new KillableDaemons(box.mkdir('cut'));
    clusters.push(cluster);
    const { paths } = cluster;
    /** Runs a keyed call on a daemon that dies at `failpoint`, then returns a fresh daemon's connection. */
    const cutOff = (failpoint: string, method: 'DomainSnapshotCreateXML' | 'DomainRevertToSnapshot' | 'DomainSnapshotDelete', params: object) =>
      cluster.killedAt(failpoint, (conn) => conn.call(method, params as never));

    const setup = await cluster.start();
    const disk = await box.image(join(paths.images, 'cut-vda.qcow2'), 8 * 1024 * 1024);
    const dom = await setup.conn.domainDefineXML(domainXml('cut', [{ target: target(0), path: disk }]));
    await cluster.stop(setup);

    // create, cut off once its metadata is written (committed): the retry gets the snapshot, made once
    const create = { domain: dom.ref, xml: '<domainsnapshot><name>c1</name></domainsnapshot>', flags: 0, requestKey: 'cut-create' };
    let next = await cutOff('qemu.snapshot-create.metadata-written', 'DomainSnapshotCreateXML', create);
    expect(await next.conn.call('DomainSnapshotCreateXML', create)).toEqual({ name: 'c1', domain: dom.ref });
    const cut = await next.conn.domainLookupByName('cut');
    expect((await cut.listAllSnapshots()).map((s) => s.name)).toEqual(['c1']);
    await next.conn.call('DomainSnapshotCreateXML', { domain: dom.ref, xml: '<domainsnapshot><name>c2</name></domainsnapshot>', flags: 0 });
    await cluster.stop(next);

    // revert to c1, cut off once committed: the retry answers as the revert did, and no second revert ran
    const revert = { snapshot: { domain: dom.ref, name: 'c1' }, flags: 0, requestKey: 'cut-revert' };
    next = await cutOff('qemu.snapshot-revert.committed', 'DomainRevertToSnapshot', revert);
    expect(await next.conn.call('DomainRevertToSnapshot', revert)).toBeNull();
    expect((await (await next.conn.domainLookupByName('cut')).snapshotCurrent()).name).toBe('c1');
    await cluster.stop(next);

    // delete c2, cut off once committed: the retry answers as the delete did (not "snapshot not found")
    const remove = { snapshot: { domain: dom.ref, name: 'c2' }, flags: 0, requestKey: 'cut-delete' };
    next = await cutOff('qemu.snapshot-delete.committed', 'DomainSnapshotDelete', remove);
    expect(await next.conn.call('DomainSnapshotDelete', remove)).toBeNull();
    expect((await (await next.conn.domainLookupByName('cut')).listAllSnapshots()).map((s) => s.name)).toEqual(['c1']);
    await cluster.stop(next);

    // create, cut off before its commit point: undone, so the retry runs it, once
    const early = { domain: dom.ref, xml: '<domainsnapshot><name>c3</name></domainsnapshot>', flags: 0, requestKey: 'cut-early' };
    next = await cutOff('qemu.snapshot-create.journaled', 'DomainSnapshotCreateXML', early);
    expect((await (await next.conn.domainLookupByName('cut')).listAllSnapshots()).map((s) => s.name)).toEqual(['c1']);
    expect(await next.conn.call('DomainSnapshotCreateXML', early)).toEqual({ name: 'c3', domain: dom.ref });
    expect(await next.conn.call('DomainSnapshotCreateXML', early)).toEqual({ name: 'c3', domain: dom.ref });
    expect((await (await next.conn.domainLookupByName('cut')).listAllSnapshots()).map((s) => s.name).sort()).toEqual(['c1', 'c3']);
    await cluster.stop(next);
  }, 120_000);
});
