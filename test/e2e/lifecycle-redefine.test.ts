// REDEFINE over real sockets: moving a whole snapshot tree between two daemons, virsh's snapshot-current trick, and every redefine error.
import {
  connect,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotListFlags as List,
  DomainSnapshotXMLFlags,
  ErrorDomain,
  ErrorNumber,
  type Connection,
  type Domain,
} from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { openRawConnection } from '../helpers/raw-client.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

const named = (name: string) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;
const TEST_UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';

/** Everything a client can ask about a domain's snapshot tree, in a comparable form. */
async function describeTree(domain: Domain) {
  const snapshots = await domain.listAllSnapshots();
  const entries = await Promise.all(
    snapshots.map(async (s) => ({
      name: s.name,
      xml: await s.getXMLDesc(),
      parent: await s.getParent().then(
        (p) => p.name,
        () => null,
      ),
      children: (await s.listAllChildren()).map((c) => c.name).sort(),
      current: await s.isCurrent(),
    })),
  );
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

describe('moving a snapshot tree between two daemons', () => {
  let source: TestDaemon;
  let target: TestDaemon;
  beforeAll(async () => {
    [source, target] = await Promise.all([startTestDaemon(), startTestDaemon()]);
  });
  afterAll(async () => {
    await Promise.all([source.close(), target.close()]);
  });

  it('dumps every snapshot in topological order and redefines it: identical tree, identical XML, same current', async () => {
    const from = await connect(source.uri('/default'));
    const dom = await from.domainLookupByName('test');
    const a = await dom.snapshotCreateXML('<domainsnapshot><name>a</name><description>first &amp; root</description></domainsnapshot>');
    await dom.snapshotCreateXML(named('b'));
    const c = await dom.snapshotCreateXML(named('c'), Create.DiskOnly);
    await dom.snapshotCreateXML(named('d'), Create.DiskOnly);
    await c.revert(); // c has a child now: its revert overlays are kept in <revertDisks>
    await a.revert();
    await dom.snapshotCreateXML(named('e'));
    await dom.snapshotCreateXML(named('f'), Create.Halt);
    await (await dom.snapshotLookupByName('e')).revert();
    const before = await describeTree(dom);
    expect(before.find((s) => s.name === 'c')!.xml).toContain('<revertDisks>');

    const to = await connect(target.uri('/default'));
    const copy = await to.domainLookupByName('test');
    const current = (await dom.snapshotCurrent()).name;
    for (const snapshot of await dom.listAllSnapshots(List.Topological)) {
      const xml = await snapshot.getXMLDesc();
      await copy.snapshotCreateXML(xml, Create.Redefine | (snapshot.name === current ? Create.Current : 0));
    }
    expect(await describeTree(copy)).toEqual(before);
    expect((await copy.snapshotCurrent()).name).toBe('e');
    expect(await copy.snapshotNum(List.Roots)).toBe(1);
    // Redefinition touches no disk: the target's domain still uses its own image.
    expect(await copy.getXMLDesc()).toContain("<source file='/guest/diskimage1'/>");
    await Promise.all([from.close(), to.close()]);
  });
});

describe('a moved external snapshot whose memory image stayed behind', () => {
  it('is in the tree, but reverting to it fails before anything changes (38)', async () => {
    const [source, target] = await Promise.all([startTestDaemon(), startTestDaemon()]);
    const from = await connect(source.uri('/default'));
    const dom = await from.domainLookupByName('test');
    const full = `<domainsnapshot><name>mem</name><memory snapshot='external' file='/guest/test.mem'/></domainsnapshot>`;
    const xml = await (await dom.snapshotCreateXML(full)).getXMLDesc();
    expect(xml).toContain("<memory snapshot='external' file='/guest/test.mem'/>");
    const to = await connect(target.uri('/default'));
    const copy = await to.domainLookupByName('test');
    const moved = await copy.snapshotCreateXML(xml, Create.Redefine | Create.Current);
    const before = await copy.getXMLDesc();
    await expectVirError(
      moved.revert(),
      ErrorNumber.SystemError,
      ErrorDomain.Test,
      "Failed to open domain image file '/guest/test.mem': No such file or directory",
    );
    expect(await copy.getXMLDesc()).toBe(before);
    // On its own daemon the memory image is there.
    await (await dom.snapshotLookupByName('mem')).revert();
    expect((await dom.getState()).reason).toBe(4);
    await Promise.all([from.close(), to.close()]);
    await Promise.all([source.close(), target.close()]);
  });
});

describe('virsh snapshot-current NAME: REDEFINE|CURRENT with the snapshot’s own XML', () => {
  let server: TestDaemon;
  beforeAll(async () => {
    server = await startTestDaemon();
  });
  afterAll(async () => {
    await server.close();
  });

  it('moves the current snapshot and nothing else, also for disk-only snapshots with DISK_ONLY', async () => {
    const conn = await connect(server.nodeUri('lifecycle.xml'));
    const one = await conn.domainLookupByName('one');
    const s1 = await one.snapshotCreateXML(named('s1'));
    const s2 = await one.snapshotCreateXML(named('s2'), Create.DiskOnly);
    await one.snapshotCreateXML(named('s3'));
    const before = (await describeTree(one)).map(({ current: _current, ...rest }) => rest);
    const stateBefore = await one.getState();

    await one.snapshotCreateXML(await s1.getXMLDesc(DomainSnapshotXMLFlags.Secure), Create.Redefine | Create.Current);
    expect((await one.snapshotCurrent()).name).toBe('s1');
    const s2Xml = await s2.getXMLDesc();
    expect(s2Xml).toContain('<state>disk-snapshot</state>');
    await one.snapshotCreateXML(s2Xml, Create.Redefine | Create.Current | Create.DiskOnly);
    expect((await one.snapshotCurrent()).name).toBe('s2');
    expect((await describeTree(one)).map(({ current: _current, ...rest }) => rest)).toEqual(before);
    expect(await one.getState()).toEqual(stateBefore);

    await expectVirError(
      one.snapshotCreateXML(await s1.getXMLDesc(), Create.Redefine | Create.Current | Create.DiskOnly),
      ErrorNumber.InvalidArg,
      ErrorDomain.DomainSnapshot,
      'invalid argument: disk-only flag for snapshot s1 requires disk-snapshot state',
    );
    expect((await one.snapshotCurrent()).name).toBe('s2');
    await conn.close();
  });
});

describe('redefine errors', () => {
  let server: TestDaemon;
  let conn: Connection;
  let dom: Domain;
  let domainXml: string;
  const snapshotXml = (name: string, extra = '', state = 'running', domain = domainXml) =>
    `<domainsnapshot><name>${name}</name><state>${state}</state>${extra}<creationTime>1700000000</creationTime>${domain}</domainsnapshot>`;

  beforeAll(async () => {
    server = await startTestDaemon();
    conn = await connect(server.uri('/default'));
    dom = await conn.domainLookupByName('test');
    domainXml = await dom.getXMLDesc(2);
    await dom.snapshotCreateXML(snapshotXml('r1'), Create.Redefine);
    await dom.snapshotCreateXML(snapshotXml('r2', '<parent><name>r1</name></parent>'), Create.Redefine);
  });
  afterAll(async () => {
    await conn.close();
    await server.close();
  });

  const redefine = (xml: string, flags = Create.Redefine) => dom.snapshotCreateXML(xml, flags);

  it('checks the XML', async () => {
    await expectVirError(redefine('<domainsnapshot/>'), ErrorNumber.XmlError, ErrorDomain.DomainSnapshot, 'XML error: a redefined snapshot must have a name');
    await expectVirError(
      redefine('<domainsnapshot><name>x</name><state>running</state></domainsnapshot>'),
      ErrorNumber.InternalError,
      ErrorDomain.DomainSnapshot,
      'internal error: missing creationTime from existing snapshot',
    );
    await expectVirError(
      redefine('<domainsnapshot><name>x</name><creationTime>1</creationTime></domainsnapshot>'),
      ErrorNumber.XmlError,
      ErrorDomain.DomainSnapshot,
      'XML error: missing state from existing snapshot',
    );
    await expectVirError(
      redefine(snapshotXml('x', '', 'bogus')),
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.DomainSnapshot,
      "unsupported configuration: Invalid state 'bogus' in domain snapshot XML",
    );
    await expectVirError(
      redefine(snapshotXml('x', "<memory snapshot='internal'/>", 'shutoff')),
      ErrorNumber.XmlError,
      ErrorDomain.DomainSnapshot,
      'XML error: memory state cannot be saved with offline or disk-only snapshot',
    );
  });

  it('checks the links (VIR_FROM_DOMAIN)', async () => {
    const invalid = (promise: Promise<unknown>, detail: string) =>
      expectVirError(promise, ErrorNumber.InvalidArg, ErrorDomain.Domain, `invalid argument: ${detail}`);
    await invalid(redefine(snapshotXml('r1', '<parent><name>r1</name></parent>')), 'cannot set moment r1 as its own parent');
    await invalid(redefine(snapshotXml('r1', '<parent><name>nope</name></parent>')), 'parent nope for moment r1 not found');
    await invalid(redefine(snapshotXml('r1', '<parent><name>r2</name></parent>')), 'parent r2 would create cycle to r1');
  });

  it('checks the domain and the kind of an existing snapshot (VIR_FROM_DOMAIN_SNAPSHOT)', async () => {
    const invalid = (promise: Promise<unknown>, detail: string) =>
      expectVirError(promise, ErrorNumber.InvalidArg, ErrorDomain.DomainSnapshot, `invalid argument: ${detail}`);
    const otherUuid = domainXml.replace(TEST_UUID, '11111111-2222-4333-8444-555555555555');
    await invalid(redefine(snapshotXml('x', '', 'running', otherUuid)), `definition for snapshot x must use uuid ${TEST_UUID}`);
    await invalid(redefine(snapshotXml('r1', '', 'crashed')), 'cannot change between online and offline snapshot state in snapshot r1');
    await invalid(redefine(snapshotXml('r1', '', 'shutoff')), 'cannot change between online and offline snapshot state in snapshot r1');
    await dom.snapshotCreateXML(snapshotXml('off1', '', 'shutoff'), Create.Redefine);
    await invalid(redefine(snapshotXml('off1', '', 'disk-snapshot')), 'cannot change between disk only and full system in snapshot off1');
    await invalid(
      redefine(snapshotXml('off1', '', 'shutoff'), Create.Redefine | Create.DiskOnly),
      'disk-only flag for snapshot off1 requires disk-snapshot state',
    );
    await expectVirError(
      redefine(snapshotXml('x', '', 'running', `<domain><uuid>${TEST_UUID}</uuid></domain>`)),
      ErrorNumber.InternalError,
      ErrorDomain.DomainSnapshot,
      'internal error: missing domain in snapshot',
    );
    await expectVirError(
      redefine(snapshotXml('r1', '', 'running', domainXml.replace("<memory unit='KiB'>8388608</memory>", "<memory unit='KiB'>4194304</memory>"))),
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Domain,
      'unsupported configuration: Target domain max memory 4194304 does not match source 8388608',
    );
    // An old-style <domain><uuid/></domain> keeps the existing definition.
    await redefine(snapshotXml('r1', '<description>kept</description>', 'paused', `<domain><uuid>${TEST_UUID}</uuid></domain>`));
    const r1 = await (await dom.snapshotLookupByName('r1')).getXMLDesc();
    expect(r1).toContain('<description>kept</description>');
    expect(r1).toContain("<domain type='test'>");
    const r2 = await dom.snapshotLookupByName('r2');
    expect((await r2.getParent()).name).toBe('r1');
  });

  it('applies libvirt’s flag rules on the client and on the daemon alike', async () => {
    const raw = await openRawConnection(server.wsAddress, conn.uri);
    const both = async (flags: number, message: string) => {
      const sent = conn.requestsSent;
      await expectVirError(dom.snapshotCreateXML(named('z'), flags), ErrorNumber.InvalidArg, ErrorDomain.DomainSnapshot, message);
      expect(conn.requestsSent).toBe(sent);
      await expectVirError(
        raw.call('DomainSnapshotCreateXML', { domain: dom.ref, xml: named('z'), flags }),
        ErrorNumber.InvalidArg,
        ErrorDomain.DomainSnapshot,
        message,
      );
    };
    await both(Create.Current, "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'");
    await both(
      Create.Redefine | Create.NoMetadata,
      "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA' are mutually exclusive",
    );
    await both(Create.Redefine | Create.Halt, "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_HALT' are mutually exclusive");
    raw.close();
    await dom.snapshotCreateXML(named('dup'));
    await expectVirError(
      dom.snapshotCreateXML(named('dup')),
      ErrorNumber.OperationFailed,
      ErrorDomain.Domain,
      'operation failed: domain moment dup already exists',
    );
  });
});
