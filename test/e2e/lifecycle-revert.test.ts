// DomainRevertToSnapshot over real sockets: libvirt's state transitions, definitions, risky reverts, branches and external reverts.
import {
  connect,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotRevertFlags as Revert,
  DomainState,
  DomainXMLFlags,
  ErrorDomain,
  ErrorNumber,
  type Connection,
  type Domain,
} from '@virtwire/client';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { expectVirError, failure } from '../helpers/errors.js';
import { openRawConnection } from '../helpers/raw-client.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

const RUNNING_FROM_SNAPSHOT = 4;
const PAUSED_FROM_SNAPSHOT = 7;
const SHUTOFF_FROM_SNAPSHOT = 7;
const SHUTOFF_DESTROYED = 2;

const named = (name: string) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;

async function exists(conn: Connection, path: string): Promise<boolean> {
  return conn.call('StorageVolLookupByPath', { path }).then(
    () => true,
    () => false,
  );
}

function sources(xml: string): string[] {
  return [...xml.matchAll(/<source file='([^']+)'\/>/g)].map((m) => m[1]!);
}

let server: TestDaemon;
beforeAll(async () => {
  server = await startTestDaemon();
});
afterAll(async () => {
  await server.close();
});

describe('revert state transitions', () => {
  let conn: Connection;
  let one: Domain;
  let off: Domain;
  beforeEach(async () => {
    conn = await connect(server.nodeUri('lifecycle.xml'));
    one = await conn.domainLookupByName('one');
    off = await conn.domainLookupByName('off');
  });
  afterEach(async () => {
    await conn.close();
  });

  it('running domain to a running snapshot: stopped and started again (a new id, as libvirt 9.0), RUNNING_FROM_SNAPSHOT, and the snapshot is current', async () => {
    const r = await one.snapshotCreateXML(named('r'));
    await one.snapshotCreateXML(named('later'));
    const idBefore = (await conn.domainLookupByName('one')).id;
    await r.revert();
    expect(await one.getState()).toEqual({ state: DomainState.Running, reason: RUNNING_FROM_SNAPSHOT });
    expect((await conn.domainLookupByName('one')).id).not.toBe(idBefore);
    expect((await one.snapshotCurrent()).name).toBe('r');
    expect(await r.isCurrent()).toBe(true);
  });

  it('RUNNING and PAUSED choose the end state; a paused snapshot comes back paused', async () => {
    const r = await one.snapshotCreateXML(named('r'));
    await r.revert(Revert.Paused);
    expect(await one.getState()).toEqual({ state: DomainState.Paused, reason: PAUSED_FROM_SNAPSHOT });
    const p = await one.snapshotCreateXML(named('p'));
    expect(await p.getXMLDesc()).toContain('<state>paused</state>');
    await one.resume();
    await p.revert();
    expect(await one.getState()).toEqual({ state: DomainState.Paused, reason: PAUSED_FROM_SNAPSHOT });
    await p.revert(Revert.Running);
    expect(await one.getState()).toEqual({ state: DomainState.Running, reason: RUNNING_FROM_SNAPSHOT });
  });

  it('a shut-off domain reverted to a running snapshot starts with a new id', async () => {
    const r = await one.snapshotCreateXML(named('r'));
    await one.destroy();
    await r.revert();
    const after = await conn.domainLookupByName('one');
    expect(after.id).toBeGreaterThan(0);
    expect(await one.getState()).toEqual({ state: DomainState.Running, reason: RUNNING_FROM_SNAPSHOT });
  });

  it('an inactive snapshot shuts a running domain off (SHUTOFF_FROM_SNAPSHOT) and leaves a shut-off one alone', async () => {
    const o = await off.snapshotCreateXML(named('o'));
    expect(await o.getXMLDesc()).toContain('<state>shutoff</state>');
    await off.create();
    await o.revert();
    expect(await off.getState()).toEqual({ state: DomainState.Shutoff, reason: SHUTOFF_FROM_SNAPSHOT });
    await off.create();
    await off.destroy();
    await o.revert();
    expect(await off.getState()).toEqual({ state: DomainState.Shutoff, reason: SHUTOFF_DESTROYED });
    expect(await off.isActive()).toBe(false);
  });

  it('starting a running guest from an inactive snapshot restarts it, FORCE or not (libvirt 9.0 test driver: no respawn check)', async () => {
    const o = await off.snapshotCreateXML(named('o'));
    await o.revert(Revert.Running);
    expect(await off.getState()).toEqual({ state: DomainState.Running, reason: RUNNING_FROM_SNAPSHOT });
    const firstId = (await conn.domainLookupByName('off')).id;
    await o.revert(Revert.Paused);
    expect(await off.getState()).toEqual({ state: DomainState.Paused, reason: PAUSED_FROM_SNAPSHOT });
    expect((await conn.domainLookupByName('off')).id).not.toBe(firstId);
  });

  it('restores the definition recorded in the snapshot', async () => {
    const original = await off.getXMLDesc();
    const o = await off.snapshotCreateXML(named('o'));
    const changed = original.replace("<vcpu placement='static'>1</vcpu>", "<vcpu placement='static'>1</vcpu>\n  <description>changed</description>");
    await conn.domainDefineXML(changed);
    expect(await off.getXMLDesc()).toContain('<description>changed</description>');
    await o.revert();
    expect(await off.getXMLDesc()).toBe(original);
  });

  it('a running domain with a pending definition: a snapshot records the live one, which a revert makes live and persistent (as libvirt 9.0)', async () => {
    const live = await one.getXMLDesc(DomainXMLFlags.Inactive);
    const next = live.replace("<vcpu placement='static'>1</vcpu>", "<vcpu placement='static'>2</vcpu>");
    await conn.domainDefineXML(next);
    const s = await one.snapshotCreateXML(named('s'));
    expect(await s.getXMLDesc()).not.toContain('<inactiveDomain');
    await one.destroy(); // the pending definition takes over
    expect(await one.getXMLDesc()).toBe(next);
    await conn.domainDefineXML(live.replace("<vcpu placement='static'>1</vcpu>", "<vcpu placement='static'>3</vcpu>"));
    await s.revert();
    expect(await one.getXMLDesc()).toBe(live.replace("<domain type='test'>", `<domain type='test' id='${(await conn.domainLookupByName('one')).id}'>`));
    expect(await one.getXMLDesc(DomainXMLFlags.Inactive)).toBe(live);
    await one.destroy();
    expect(await one.getXMLDesc()).toBe(live);
  });

  it('undefining a running domain keeps its pending definition, which its inactive XML shows until it stops (as libvirt 9.0)', async () => {
    const live = await one.getXMLDesc(DomainXMLFlags.Inactive);
    const next = live.replace("<vcpu placement='static'>1</vcpu>", "<vcpu placement='static'>2</vcpu>");
    await conn.domainDefineXML(next);
    await one.undefine();
    expect(await one.isPersistent()).toBe(false);
    expect(await one.getXMLDesc(DomainXMLFlags.Inactive)).toBe(next);
    await one.destroy();
    await expectVirError(conn.domainLookupByName('one'), ErrorNumber.NoDomain, ErrorDomain.Test, 'Domain not found');
  });

  it('a running guest whose ABI differs from the snapshot is restarted with the snapshot definition, FORCE or not (libvirt 9.0 test driver)', async () => {
    const big = await one.snapshotCreateXML(named('big'));
    await one.destroy();
    const smaller = (await one.getXMLDesc()).replace("<memory unit='KiB'>1048576</memory>", "<memory unit='KiB'>524288</memory>");
    await conn.domainDefineXML(smaller);
    await one.create();
    const idBefore = (await conn.domainLookupByName('one')).id;
    await big.revert();
    expect(await one.getXMLDesc()).toContain("<memory unit='KiB'>1048576</memory>");
    expect(await one.getState()).toEqual({ state: DomainState.Running, reason: RUNNING_FROM_SNAPSHOT });
    expect((await conn.domainLookupByName('one')).id).not.toBe(idBefore);
  });

  it('a transient domain must ask to run or pause when reverting to an inactive snapshot', async () => {
    const fleeting = await conn.domainLookupByName('fleeting');
    const disk = await fleeting.snapshotCreateXML(named('disk'), Create.DiskOnly);
    expect(await disk.getXMLDesc()).toContain('<state>disk-snapshot</state>');
    await expectVirError(
      disk.revert(),
      ErrorNumber.OperationInvalid,
      ErrorDomain.Test,
      'Requested operation is not valid: transient domain needs to request run or pause to revert to inactive snapshot',
    );
    await disk.revert(Revert.Paused);
    expect(await fleeting.getState()).toEqual({ state: DomainState.Paused, reason: PAUSED_FROM_SNAPSHOT });
    expect(await fleeting.isPersistent()).toBe(false);
    expect((await fleeting.snapshotCurrent()).name).toBe('disk');
  });
});

describe('snapshots without a domain definition (libvirt < 0.9.5, from a node file)', () => {
  it('print <domain><uuid/></domain>, and cannot be reverted to, FORCE or not (as libvirt 9.0)', async () => {
    const conn = await connect(server.nodeUri('lifecycle.xml'));
    const legacy = await conn.domainLookupByName('legacy');
    expect((await legacy.listAllSnapshots(1)).map((s) => s.name)).toEqual(['old']);
    expect((await legacy.snapshotCurrent()).name).toBe('newer');
    const old = await legacy.snapshotLookupByName('old');
    expect(await old.getXMLDesc()).toContain('  <domain>\n    <uuid>1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9</uuid>\n  </domain>\n');
    const before = await legacy.getXMLDesc();
    await expectVirError(
      old.revert(),
      ErrorNumber.SnapshotRevertRisky,
      ErrorDomain.Test,
      "revert requires force: snapshot 'old' lacks domain 'legacy' rollback info",
    );
    expect((await legacy.snapshotCurrent()).name).toBe('newer');
    for (const flags of [Revert.Force, Revert.Force | Revert.Running, Revert.Paused]) {
      await expectVirError(
        old.revert(flags),
        ErrorNumber.SnapshotRevertRisky,
        ErrorDomain.Test,
        "revert requires force: snapshot 'old' lacks domain 'legacy' rollback info",
      );
    }
    expect((await legacy.snapshotCurrent()).name).toBe('newer');
    expect(await legacy.getXMLDesc()).toBe(before);
    await conn.close();
  });
});

describe('branches after a revert', () => {
  it('a snapshot taken after reverting to an older one starts a new branch under it', async () => {
    const conn = await connect(server.nodeUri('lifecycle.xml'));
    const one = await conn.domainLookupByName('one');
    const s1 = await one.snapshotCreateXML(named('s1'));
    await one.snapshotCreateXML(named('s2'));
    await one.snapshotCreateXML(named('s3'));
    await s1.revert();
    const b1 = await one.snapshotCreateXML(named('b1'));
    await one.snapshotCreateXML(named('b2'));
    const s2 = await one.snapshotLookupByName('s2');
    await s2.revert();
    await one.snapshotCreateXML(named('c1'));

    const names = (list: { name: string }[]) => list.map((s) => s.name).sort();
    expect(names(await s1.listAllChildren())).toEqual(['b1', 's2']);
    expect(names(await s1.listAllChildren(1))).toEqual(['b1', 'b2', 'c1', 's2', 's3']);
    expect(names(await s2.listAllChildren())).toEqual(['c1', 's3']);
    expect((await b1.getParent()).name).toBe('s1');
    expect((await one.snapshotCurrent()).name).toBe('c1');
    expect(names(await one.listAllSnapshots(4))).toEqual(['b2', 'c1', 's3']);
    expect(names(await one.listAllSnapshots(1))).toEqual(['s1']);
    const topological = (await one.listAllSnapshots(1024)).map((s) => s.name);
    expect(topological).toHaveLength(6);
    for (const [child, parent] of [
      ['s2', 's1'],
      ['s3', 's2'],
      ['b1', 's1'],
      ['b2', 'b1'],
      ['c1', 's2'],
    ]) {
      expect(topological.indexOf(parent!)).toBeLessThan(topological.indexOf(child!));
    }
    await conn.close();
  });
});

describe('external snapshots', () => {
  it('revert makes fresh overlays on the snapshot images, atomically: a failed overlay undoes the other and changes nothing', async () => {
    const conn = await connect(server.nodeUri('lifecycle.xml'));
    const two = await conn.domainLookupByName('two');
    const e1 = await two.snapshotCreateXML(named('e1'), Create.DiskOnly);
    expect(sources(await two.getXMLDesc())).toEqual(['/flaky/two-a.e1', '/flaky/two-b.e1']);
    const before = await two.getXMLDesc();

    // The node's /flaky fault fails the fourth write there: the second revert overlay.
    const error = await failure(e1.revert());
    expect({ code: error.code, domain: error.domain }).toEqual({ code: ErrorNumber.SystemError, domain: ErrorDomain.Test });
    const failedOverlay = /^unable to create overlay '(\/flaky\/two-b\.\d+)' for disk 'vdb': Input\/output error$/.exec(error.message);
    expect(failedOverlay).not.toBeNull();
    expect(await exists(conn, failedOverlay![1]!.replace('two-b', 'two-a'))).toBe(false);
    expect(await two.getXMLDesc()).toBe(before);
    expect(await two.getState()).toEqual({ state: DomainState.Running, reason: 0 });
    expect((await two.snapshotCurrent()).name).toBe('e1');

    await e1.revert();
    expect(await two.getState()).toEqual({ state: DomainState.Shutoff, reason: SHUTOFF_FROM_SNAPSHOT });
    const reverted = sources(await two.getXMLDesc());
    expect(reverted[0]).toMatch(/^\/flaky\/two-a\.\d+$/);
    expect(reverted[1]).toMatch(/^\/flaky\/two-b\.\d+$/);
    for (const path of reverted) expect(await exists(conn, path)).toBe(true);
    // The overlays written since e1 are gone; e1 (no children) now names the new overlays.
    expect(await exists(conn, '/flaky/two-a.e1')).toBe(false);
    expect(await exists(conn, '/flaky/two-b.e1')).toBe(false);
    expect(await exists(conn, '/flaky/two-a.qcow2')).toBe(true);
    expect(sources(await e1.getXMLDesc()).slice(0, 2)).toEqual(reverted);

    // With a child, the revert overlays are kept apart in <revertDisks>.
    await two.snapshotCreateXML(named('e2'), Create.DiskOnly);
    expect(sources(await two.getXMLDesc())).toEqual(['/flaky/two-a.e2', '/flaky/two-b.e2']);
    await e1.revert();
    const xml = await e1.getXMLDesc();
    expect(xml).toContain('<revertDisks>');
    expect(await exists(conn, '/flaky/two-a.e2')).toBe(false);
    await conn.close();
  });
});

describe('an external snapshot of a domain whose persistent definition differs', () => {
  it('reverting to an offline state uses the recorded persistent definition and makes overlays only for its disks', async () => {
    const conn = await connect(server.nodeUri('lifecycle.xml'));
    const one = await conn.domainLookupByName('one');
    const oneDisk = await one.getXMLDesc(DomainXMLFlags.Inactive);
    const secondDisk =
      "<disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source file='/images/one-b.qcow2'/>\n      <target dev='vdb' bus='virtio'/>\n    </disk>\n  </devices>";
    await one.destroy();
    await conn.domainDefineXML(oneDisk.replace('</devices>', secondDisk));
    await one.create();
    await conn.domainDefineXML(oneDisk); // pending: back to one disk
    const e = await one.snapshotCreateXML(named('e'), Create.DiskOnly);
    expect(sources(await one.getXMLDesc())).toEqual(['/images/one.e', '/images/one-b.e']);
    expect(sources(await one.getXMLDesc(DomainXMLFlags.Inactive))).toEqual(['/images/one.e']);
    await e.revert();
    expect(await one.getState()).toEqual({ state: DomainState.Shutoff, reason: SHUTOFF_FROM_SNAPSHOT });
    const after = sources(await one.getXMLDesc());
    expect(after).toHaveLength(1);
    expect(after[0]).toMatch(/^\/images\/one\.\d+$/);
    expect(await exists(conn, '/images/one.e')).toBe(false);
    expect(await exists(conn, '/images/one-b.e')).toBe(false);
    const stamp = after[0]!.slice('/images/one.'.length);
    expect(await exists(conn, `/images/one-b.${stamp}`)).toBe(false);
    await conn.close();
  });
});

describe('cleanup never deletes an image a snapshot was taken on', () => {
  it('keeps the base of a snapshot even when nothing else uses it any more (libvirt issue 734)', async () => {
    const conn = await connect(server.nodeUri('lifecycle.xml'));
    const one = await conn.domainLookupByName('one');
    const t0 = await one.snapshotCreateXML(named('t0'), Create.DiskOnly);
    await one.snapshotCreateXML(named('u'), Create.DiskOnly); // its overlay /images/one.u is the base of what follows
    const i = await one.snapshotCreateXML(named('i')); // internal, inside /images/one.u
    const y = await one.snapshotCreateXML(named('y'), Create.DiskOnly); // taken on /images/one.u
    await t0.revert(); // discards y's overlay, the layer the domain was writing to
    expect(await exists(conn, '/images/one.y')).toBe(false);
    await i.revert();
    await i.delete(); // the internal snapshot leaves /images/one.u; u becomes current
    expect((await one.snapshotCurrent()).name).toBe('u');
    await t0.revert(); // /images/one.u is the current snapshot's overlay and no longer in use...
    expect(await exists(conn, '/images/one.u')).toBe(true); // ...but y was taken on it
    await y.revert(Revert.Running | Revert.Force);
    expect(sources(await one.getXMLDesc())[0]).toMatch(/^\/images\/one\.\d+(-\d+)?$/);
    await conn.close();
  });
});

describe('revert errors', () => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await connect(server.nodeUri('lifecycle.xml'));
  });
  afterEach(async () => {
    await conn.close();
  });

  it('refuses unknown flags, exclusive flags, unknown snapshots and read-only connections, on the client and on the daemon alike', async () => {
    const one = await conn.domainLookupByName('one');
    const s = await one.snapshotCreateXML(named('s'));
    const raw = await openRawConnection(server.wsAddress, conn.uri);
    const both = async (flags: number, code: number, domain: number, message: string) => {
      const sent = conn.requestsSent;
      await expectVirError(s.revert(flags), code, domain, message);
      expect(conn.requestsSent).toBe(sent);
      await expectVirError(raw.call('DomainRevertToSnapshot', { snapshot: s.ref, flags }), code, domain, message);
    };
    await both(Revert.ResetNvram, ErrorNumber.InvalidArg, ErrorDomain.Test, 'unsupported flags (0x8) in function testDomainRevertToSnapshot');
    await both(
      Revert.Running | Revert.Paused,
      ErrorNumber.InvalidArg,
      ErrorDomain.DomainSnapshot,
      "Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and 'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive",
    );
    await expectVirError(
      raw.call('DomainRevertToSnapshot', { snapshot: { ...s.ref, name: 'nope' }, flags: 0 }),
      ErrorNumber.NoDomainSnapshot,
      ErrorDomain.Test,
      "Domain snapshot not found: no domain snapshot with matching name 'nope'",
    );
    raw.close();

    const readOnly = await openRawConnection(`ws+unix:${server.readOnlySocket}:/`, conn.uri);
    await expectVirError(
      readOnly.call('DomainRevertToSnapshot', { snapshot: s.ref, flags: 0 }),
      ErrorNumber.OperationDenied,
      ErrorDomain.DomainSnapshot,
      'operation forbidden: read only access prevents virDomainRevertToSnapshot',
    );
    readOnly.close();
  });
});
