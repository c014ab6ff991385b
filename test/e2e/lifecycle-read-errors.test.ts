// The errors of the read-side snapshot calls (list, count, lookup, current, parent, XML), from the daemon and from the SDK.
import { connect, DomainSnapshotXMLFlags, ErrorDomain, ErrorNumber, type Connection, type MethodName } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { openRawConnection, type RawConnection } from '../helpers/raw-client.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

let server: TestDaemon;
let conn: Connection;
let raw: RawConnection;
beforeAll(async () => {
  server = await startTestDaemon();
  conn = await connect(server.nodeUri('lifecycle.xml'));
  raw = await openRawConnection(server.wsAddress, conn.uri);
});
afterAll(async () => {
  raw.close();
  await conn.close();
  await server.close();
});

describe('read-side snapshot errors', () => {
  it('unsupported flags name the test driver function, on the client and on the daemon', async () => {
    const dom = await conn.domainLookupByName('legacy');
    const snapshot = { name: 'old', domain: dom.ref };
    const cases: [MethodName, Record<string, unknown>, number, string][] = [
      ['DomainListAllSnapshots', { domain: dom.ref }, 0x800, 'testDomainListAllSnapshots'],
      ['DomainSnapshotNum', { domain: dom.ref }, 0x800, 'testDomainSnapshotNum'],
      ['DomainSnapshotListAllChildren', { snapshot }, 0x800, 'testDomainSnapshotListAllChildren'],
      ['DomainSnapshotNumChildren', { snapshot }, 0x800, 'testDomainSnapshotNumChildren'],
      ['DomainSnapshotLookupByName', { domain: dom.ref, name: 'old' }, 1, 'testDomainSnapshotLookupByName'],
      ['DomainSnapshotGetXMLDesc', { snapshot }, 2, 'testDomainSnapshotGetXMLDesc'],
      ['DomainSnapshotCurrent', { domain: dom.ref }, 1, 'testDomainSnapshotCurrent'],
      ['DomainHasCurrentSnapshot', { domain: dom.ref }, 1, 'testDomainHasCurrentSnapshot'],
      ['DomainSnapshotGetParent', { snapshot }, 1, 'testDomainSnapshotGetParent'],
      ['DomainSnapshotIsCurrent', { snapshot }, 1, 'testDomainSnapshotIsCurrent'],
      ['DomainSnapshotHasMetadata', { snapshot }, 1, 'testDomainSnapshotHasMetadata'],
    ];
    for (const [method, params, flags, fn] of cases) {
      const message = `unsupported flags (0x${flags.toString(16)}) in function ${fn}`;
      const sent = conn.requestsSent;
      const local = await expectVirError(conn.call(method, { ...params, flags } as never), ErrorNumber.InvalidArg, ErrorDomain.Test, message);
      expect(conn.requestsSent).toBe(sent);
      expect([local.str1, local.str2, local.int1]).toEqual([fn, 'flags', 0]);
      const remote = await expectVirError(raw.call(method, { ...params, flags }), ErrorNumber.InvalidArg, ErrorDomain.Test, message);
      expect([remote.str1, remote.str2, remote.int1]).toEqual([fn, 'flags', 0]);
    }
  });

  it('missing snapshots, parents and current snapshots are 72 (VIR_FROM_TEST)', async () => {
    const off = await conn.domainLookupByName('off');
    const notFound = (promise: Promise<unknown>, detail: string) =>
      expectVirError(promise, ErrorNumber.NoDomainSnapshot, ErrorDomain.Test, `Domain snapshot not found: ${detail}`);
    await notFound(off.snapshotLookupByName('nope'), "no domain snapshot with matching name 'nope'");
    await notFound(off.snapshotCurrent(), 'the domain does not have a current snapshot');
    const legacy = await conn.domainLookupByName('legacy');
    await notFound((await legacy.snapshotLookupByName('old')).getParent(), "snapshot 'old' does not have a parent");
    await notFound(
      raw.call('DomainSnapshotGetXMLDesc', { snapshot: { name: 'gone', domain: off.ref }, flags: 0 }),
      "no domain snapshot with matching name 'gone'",
    );
    expect(await off.hasCurrentSnapshot()).toBe(false);
  });

  it('a reference to a domain that is gone is 42, and SECURE XML needs a read-write connection', async () => {
    const off = await conn.domainLookupByName('off');
    const stranger = { ...off.ref, uuid: '00000000-0000-4000-8000-000000000000' };
    await expectVirError(
      raw.call('DomainListAllSnapshots', { domain: stranger, flags: 0 }),
      ErrorNumber.NoDomain,
      ErrorDomain.Test,
      "Domain not found: no domain with matching uuid '00000000-0000-4000-8000-000000000000' (off)",
    );
    const legacy = await conn.domainLookupByName('legacy');
    const readOnly = await openRawConnection(`ws+unix:${server.readOnlySocket}:/`, conn.uri);
    const snapshot = { name: 'old', domain: legacy.ref };
    expect(await readOnly.call('DomainSnapshotGetXMLDesc', { snapshot, flags: 0 })).toContain('<name>old</name>');
    await expectVirError(
      readOnly.call('DomainSnapshotGetXMLDesc', { snapshot, flags: DomainSnapshotXMLFlags.Secure }),
      ErrorNumber.OperationDenied,
      ErrorDomain.DomainSnapshot,
      'operation forbidden: virDomainSnapshotGetXMLDesc with secure flag',
    );
    readOnly.close();
  });
});
