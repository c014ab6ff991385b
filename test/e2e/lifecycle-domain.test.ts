// Domain basics over real sockets: states and reasons, define/undefine, start/stop, listing filters, with libvirt's test-driver texts.
import {
  connect,
  ConnectListAllDomainsFlags as List,
  DomainCreateFlags,
  DomainSnapshotCreateFlags as Create,
  DomainState,
  DomainUndefineFlags,
  DomainXMLFlags,
  ErrorDomain,
  ErrorNumber,
  type Connection,
} from '@virtwire/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

const Reason = { Unknown: 0, Booted: 1, Unpaused: 5, PausedUser: 1, Shutdown: 1, Destroyed: 2, FromSnapshot: 7 } as const;
const named = (name: string) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;

let server: TestDaemon;
let conn: Connection;
beforeAll(async () => {
  server = await startTestDaemon();
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  conn = await connect(server.nodeUri('lifecycle.xml'));
});
afterEach(async () => {
  await conn.close();
});

const internalError = (message: string) => [ErrorNumber.InternalError, ErrorDomain.Test, `internal error: ${message}`] as const;

describe('states and reasons', () => {
  it('walks a domain through its lifecycle with libvirt’s reasons', async () => {
    const one = await conn.domainLookupByName('one');
    // libvirt 9.0's test driver loads every domain with reason 0 (the recorded corpus: `running (unknown)`).
    expect(await one.getState()).toEqual({ state: DomainState.Running, reason: 0 });
    await one.suspend();
    expect(await one.getState()).toEqual({ state: DomainState.Paused, reason: Reason.PausedUser });
    await one.resume();
    expect(await one.getState()).toEqual({ state: DomainState.Running, reason: Reason.Unpaused });
    await one.destroy();
    expect(await one.getState()).toEqual({ state: DomainState.Shutoff, reason: Reason.Destroyed });
    expect(await one.isActive()).toBe(false);
    await one.create();
    expect(await one.getState()).toEqual({ state: DomainState.Running, reason: Reason.Booted });
    await one.shutdown();
    expect(await one.getState()).toEqual({ state: DomainState.Shutoff, reason: Reason.Shutdown });
    await one.create(DomainCreateFlags.StartPaused);
    expect(await one.getState()).toEqual({ state: DomainState.Paused, reason: Reason.PausedUser });
    await one.shutdown();
    expect(await one.getState()).toEqual({ state: DomainState.Shutoff, reason: Reason.Shutdown });
    await one.create();
    await one.snapshotCreateXML(named('halted'), Create.Halt);
    expect(await one.getState()).toEqual({ state: DomainState.Shutoff, reason: Reason.FromSnapshot });
  });

  it('refuses what is not possible in the current state, with the test driver’s texts', async () => {
    const one = await conn.domainLookupByName('one');
    const off = await conn.domainLookupByName('off');
    await expectVirError(one.create(), ...internalError("Domain 'one' is already running"));
    await expectVirError(one.resume(), ...internalError("domain 'one' not paused"));
    await one.suspend();
    await expectVirError(one.suspend(), ...internalError("domain 'one' not running"));
    await expectVirError(off.suspend(), ...internalError("domain 'off' not running"));
    await expectVirError(off.shutdown(), ...internalError("domain 'off' not running"));
    await expectVirError(off.destroy(), ErrorNumber.OperationInvalid, ErrorDomain.Domain, 'Requested operation is not valid: domain is not running');
    await expectVirError(one.create(2), ErrorNumber.InvalidArg, ErrorDomain.Test, 'unsupported flags (0x2) in function testDomainCreateWithFlags');
  });

  it('reports info and persistence', async () => {
    const one = await conn.domainLookupByName('one');
    const before = Date.now() * 1e6;
    const info = await one.getInfo();
    // libvirt's test driver reports the wall clock (in ns) as CPU time.
    expect(info).toEqual({ state: DomainState.Running, maxMem: 1048576, memory: 1048576, nrVirtCpu: 1, cpuTime: info.cpuTime });
    expect(info.cpuTime).toBeGreaterThanOrEqual(before);
    expect(await one.isPersistent()).toBe(true);
    const fleeting = await conn.domainLookupByName('fleeting');
    expect(await fleeting.isPersistent()).toBe(false);
    await expectVirError(
      fleeting.snapshotCreateXML(named('h'), Create.Halt),
      ErrorNumber.OperationInvalid,
      ErrorDomain.Test,
      'Requested operation is not valid: cannot halt after transient domain snapshot',
    );
    await fleeting.destroy();
    await expectVirError(conn.domainLookupByName('fleeting'), ErrorNumber.NoDomain, ErrorDomain.Test, 'Domain not found');
  });
});

describe('define and undefine', () => {
  it('defining a running domain changes its next boot only; the new definition takes over when it stops', async () => {
    const one = await conn.domainLookupByName('one');
    const live = await one.getXMLDesc(DomainXMLFlags.Inactive);
    const next = live.replace("<vcpu placement='static'>1</vcpu>", "<vcpu placement='static'>2</vcpu>");
    await conn.domainDefineXML(next);
    expect(await one.getXMLDesc(DomainXMLFlags.Inactive)).toBe(next);
    expect((await one.getInfo()).nrVirtCpu).toBe(1);
    await one.destroy();
    expect(await one.getXMLDesc()).toBe(next);
    expect((await one.getInfo()).nrVirtCpu).toBe(2);
  });

  it('adds a new shut-off domain and refuses name or uuid clashes (VIR_FROM_DOMAIN)', async () => {
    const xml = (await (await conn.domainLookupByName('off')).getXMLDesc()).replace('<name>off</name>', '<name>copy</name>');
    await expectVirError(
      conn.domainDefineXML(xml),
      ErrorNumber.OperationFailed,
      ErrorDomain.Domain,
      "operation failed: domain 'off' is already defined with uuid 3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
    );
    const fresh = xml.replace(/<uuid>[^<]+<\/uuid>/, '<uuid>aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee</uuid>');
    const copy = await conn.domainDefineXML(fresh);
    expect(await copy.getState()).toEqual({ state: DomainState.Shutoff, reason: Reason.Unknown });
    expect(await copy.isPersistent()).toBe(true);
    await expectVirError(
      conn.domainDefineXML(fresh.replace('aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', 'bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee')),
      ErrorNumber.OperationFailed,
      ErrorDomain.Domain,
      "operation failed: domain 'copy' already exists with uuid aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
    );
  });

  it('refuses to undefine an inactive domain with snapshot metadata unless SNAPSHOTS_METADATA', async () => {
    const off = await conn.domainLookupByName('off');
    await off.snapshotCreateXML(named('a'));
    await off.snapshotCreateXML(named('b'));
    await expectVirError(
      off.undefine(),
      ErrorNumber.OperationInvalid,
      ErrorDomain.Test,
      'Requested operation is not valid: cannot delete inactive domain with 2 snapshots',
    );
    expect(await off.snapshotNum()).toBe(2);
    await expectVirError(off.undefine(4), ErrorNumber.InvalidArg, ErrorDomain.Test, 'unsupported flags (0x4) in function testDomainUndefineFlags');
    await off.undefine(DomainUndefineFlags.SnapshotsMetadata);
    await expectVirError(conn.domainLookupByName('off'), ErrorNumber.NoDomain, ErrorDomain.Test, 'Domain not found');
  });

  it('undefining a running domain makes it transient; it disappears when it stops', async () => {
    const one = await conn.domainLookupByName('one');
    await one.snapshotCreateXML(named('a'));
    await one.undefine();
    expect(await one.isPersistent()).toBe(false);
    expect(await one.snapshotNum()).toBe(1);
    await one.destroy();
    await expectVirError(conn.domainLookupByName('one'), ErrorNumber.NoDomain, ErrorDomain.Test, 'Domain not found');
  });
});

describe('ConnectListAllDomains', () => {
  it('applies every filter group, as libvirt does', async () => {
    const one = await conn.domainLookupByName('one');
    await one.suspend();
    await (await conn.domainLookupByName('two')).snapshotCreateXML(named('s'));
    const names = async (flags: number) => (await conn.listAllDomains(flags)).map((d) => d.name).sort();
    expect(await names(0)).toEqual(['fleeting', 'legacy', 'off', 'one', 'two']);
    expect(await names(List.Active)).toEqual(['fleeting', 'legacy', 'one', 'two']);
    expect(await names(List.Inactive)).toEqual(['off']);
    expect(await names(List.Active | List.Inactive)).toEqual(['fleeting', 'legacy', 'off', 'one', 'two']);
    expect(await names(List.Transient)).toEqual(['fleeting']);
    expect(await names(List.Persistent | List.Running)).toEqual(['legacy', 'two']);
    expect(await names(List.Paused)).toEqual(['one']);
    expect(await names(List.Shutoff | List.Paused)).toEqual(['off', 'one']);
    expect(await names(List.HasSnapshot)).toEqual(['legacy', 'two']);
    expect(await names(List.NoSnapshot | List.Active)).toEqual(['fleeting', 'one']);
    expect(await names(List.Other)).toEqual([]);
    expect(await names(List.Autostart)).toEqual([]);
    expect(await names(List.NoManagedsave | List.Inactive)).toEqual(['off']);
  });
});

describe('explicit resource management', () => {
  it('closes a connection, then its daemon, when their `await using` scopes end', async () => {
    let held: Connection;
    let daemon: TestDaemon;
    {
      await using scopedDaemon = await startTestDaemon();
      daemon = scopedDaemon;
      {
        await using scoped = await connect(scopedDaemon.uri());
        held = scoped;
        expect(await scoped.getVersion()).toBe(2);
        expect(scopedDaemon.daemon.connectionCount()).toBe(1);
      }
      await expect(held.getVersion()).rejects.toThrow(/closed/);
      await expect.poll(() => scopedDaemon.daemon.connectionCount()).toBe(0);
    }
    await expect(connect(daemon.uri())).rejects.toThrow();
  });
});
