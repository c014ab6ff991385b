// DomainSnapshotCreateXML conformance: every flag alone, libvirt's flag rules and XML errors, identical from SDK and raw wire.
import { connect, DomainSnapshotCreateFlags as Create, VirError, type DomainRef } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, openRaw, tokenHeaders, unixUrl } from '../helpers/raw-client.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

interface Expected {
  code: number;
  domain: number;
  message: string;
}

interface ErrorCase {
  name: string;
  node: string;
  domain: string;
  xml: string;
  flags: number;
  expected: Expected;
}

const snap = (body = '') => `<domainsnapshot>${body}</domainsnapshot>`;
/** A snapshot's <domain> whose disk is a block device on /dev. */
const DEV_DOMAIN = (uuid: string) =>
  `<domain type='test'><name>vm2</name><uuid>${uuid}</uuid><memory>1024</memory><os><type>hvm</type></os><devices><disk type='block' device='disk'><source dev='/dev/sdz'/><target dev='vda'/></disk></devices></domain>`;
const REDEFINED = `<domainsnapshot><name>r1</name><state>running</state><creationTime>1</creationTime></domainsnapshot>`;

const cases: ErrorCase[] = [
  {
    name: 'CURRENT without REDEFINE',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap(),
    flags: Create.Current,
    expected: { code: 8, domain: 35, message: "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'" },
  },
  {
    name: 'CURRENT|NO_METADATA reports only the first rule',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap(),
    flags: Create.Current | Create.NoMetadata,
    expected: { code: 8, domain: 35, message: "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'" },
  },
  {
    name: 'REDEFINE|NO_METADATA',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: REDEFINED,
    flags: Create.Redefine | Create.NoMetadata,
    expected: {
      code: 8,
      domain: 35,
      message: "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA' are mutually exclusive",
    },
  },
  {
    name: 'REDEFINE|HALT',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: REDEFINED,
    flags: Create.Redefine | Create.Halt,
    expected: { code: 8, domain: 35, message: "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and 'VIR_DOMAIN_SNAPSHOT_CREATE_HALT' are mutually exclusive" },
  },
  {
    name: 'an unknown flag bit',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap(),
    flags: 0x400,
    expected: { code: 8, domain: 12, message: 'unsupported flags (0x400) in function testDomainSnapshotCreateXML' },
  },
  {
    name: 'only the unknown bits are reported',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap(),
    flags: Create.DiskOnly | 0x800,
    expected: { code: 8, domain: 12, message: 'unsupported flags (0x800) in function testDomainSnapshotCreateXML' },
  },
  {
    name: 'REDEFINE without a name',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap(),
    flags: Create.Redefine,
    expected: { code: 27, domain: 35, message: 'XML error: a redefined snapshot must have a name' },
  },
  {
    name: 'REDEFINE without a creationTime',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap('<name>r</name>'),
    flags: Create.Redefine,
    expected: { code: 1, domain: 35, message: 'internal error: missing creationTime from existing snapshot' },
  },
  {
    name: 'REDEFINE with an invalid state',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap('<name>r</name><creationTime>1</creationTime><state>bogus</state>'),
    flags: Create.Redefine,
    expected: { code: 67, domain: 35, message: "unsupported configuration: Invalid state 'bogus' in domain snapshot XML" },
  },
  {
    name: 'REDEFINE with a wrong domain UUID',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap(
      "<name>r</name><creationTime>1</creationTime><state>running</state><domain type='test'><name>vm2</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory>1024</memory><os><type>hvm</type></os></domain>",
    ),
    flags: Create.Redefine,
    expected: { code: 8, domain: 35, message: 'invalid argument: definition for snapshot r must use uuid 2b6c4f1e-9a0d-4c51-8a77-1d3c2e5f6a70' },
  },
  {
    // A definition naming a path on /dev is refused by virtwire's confinement (SECURITY.md), but only
    // after libvirt's own redefine checks: an input libvirt refuses gets libvirt's error.
    name: 'REDEFINE of an unknown parent whose <domain> names a /dev path',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap(
      `<name>r</name><creationTime>1</creationTime><state>running</state><parent><name>nope</name></parent>${DEV_DOMAIN('2b6c4f1e-9a0d-4c51-8a77-1d3c2e5f6a70')}`,
    ),
    flags: Create.Redefine,
    expected: { code: 8, domain: 20, message: 'invalid argument: parent nope for moment r not found' },
  },
  {
    name: 'REDEFINE with a <domain> of another uuid that names a /dev path',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap(`<name>r</name><creationTime>1</creationTime><state>running</state>${DEV_DOMAIN('6695eb01-f6a4-8304-79aa-97f2502e193f')}`),
    flags: Create.Redefine,
    expected: { code: 8, domain: 35, message: 'invalid argument: definition for snapshot r must use uuid 2b6c4f1e-9a0d-4c51-8a77-1d3c2e5f6a70' },
  },
  {
    // libvirt 9.0 drops an old-style <domain> (no type) at parse, so its uuid is never compared and
    // a new snapshot has no definition to align its disks with (virDomainSnapshotAlignDisks).
    name: 'REDEFINE with an old-style <domain><uuid/></domain> of another domain',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap('<name>r</name><creationTime>1</creationTime><state>running</state><domain><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid></domain>'),
    flags: Create.Redefine,
    expected: { code: 1, domain: 35, message: 'internal error: missing domain in snapshot' },
  },
  {
    name: 'REDEFINE of an unknown parent',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap('<name>r1</name><state>running</state><parent><name>nope</name></parent><creationTime>1</creationTime>'),
    flags: Create.Redefine,
    expected: { code: 8, domain: 20, message: 'invalid argument: parent nope for moment r1 not found' },
  },
  {
    name: 'REDEFINE as its own parent',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap('<name>r1</name><state>running</state><parent><name>r1</name></parent><creationTime>1</creationTime>'),
    flags: Create.Redefine,
    expected: { code: 8, domain: 20, message: 'invalid argument: cannot set moment r1 as its own parent' },
  },
  {
    name: 'REDEFINE without any domain',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: REDEFINED,
    flags: Create.Redefine,
    expected: { code: 1, domain: 35, message: 'internal error: missing domain in snapshot' },
  },
  {
    name: 'VALIDATE with an unknown element',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap('<foo/>'),
    flags: Create.Validate,
    expected: {
      code: 92,
      domain: 5,
      message:
        'XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\nElement domainsnapshot has extra content: foo\n',
    },
  },
  {
    name: 'HALT on a transient domain',
    node: 'transient.xml',
    domain: 'tran',
    xml: snap(),
    flags: Create.Halt,
    expected: { code: 55, domain: 12, message: 'Requested operation is not valid: cannot halt after transient domain snapshot' },
  },
  {
    name: 'malformed XML',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: '<domainsnapshot><name>x</name>',
    flags: 0,
    expected: {
      code: 35,
      domain: 35,
      message: '(domain_snapshot):1: Premature end of data in tag domainsnapshot line 1\n<domainsnapshot><name>x</name>\n------------------------------^',
    },
  },
  {
    name: 'the wrong root element',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: '<snapshot/>',
    flags: 0,
    expected: { code: 27, domain: 5, message: "XML error: expecting root element of 'domainsnapshot', not 'snapshot'" },
  },
  {
    name: 'a DOCTYPE',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: '<!DOCTYPE x [<!ENTITY a "b">]><domainsnapshot/>',
    flags: 0,
    expected: { code: 35, domain: 35, message: '(domain_snapshot):1: DOCTYPE and entity declarations are not allowed' },
  },
  {
    name: 'an unknown disk',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vdz'/></disks>"),
    flags: 0,
    expected: { code: 67, domain: 35, message: "unsupported configuration: no disk named 'vdz'" },
  },
  {
    name: 'too many disks',
    node: 'transient.xml',
    domain: 'tran',
    xml: snap("<disks><disk name='vda'/><disk name='vdb'/></disks>"),
    flags: 0,
    expected: { code: 67, domain: 35, message: 'unsupported configuration: too many disk snapshot requests for domain' },
  },
  {
    name: 'the same disk twice, by target and by path',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda'/><disk name='/images/vm2-a.qcow2'/></disks>"),
    flags: 0,
    expected: { code: 67, domain: 35, message: "unsupported configuration: disk '/images/vm2-a.qcow2' specified twice" },
  },
  {
    name: 'a bad disk mode',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda' snapshot='bogus'/></disks>"),
    flags: 0,
    expected: { code: 27, domain: 5, message: "XML error: Invalid value for attribute 'snapshot' in element 'disk': 'bogus'." },
  },
  {
    name: 'a disk without a name',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap('<disks><disk/></disks>'),
    flags: 0,
    expected: { code: 1, domain: 35, message: 'internal error: missing name from disk snapshot element' },
  },
  {
    name: 'a relative overlay path',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda' snapshot='external'><source file='x.qcow2'/></disk></disks>"),
    flags: Create.DiskOnly,
    expected: { code: 27, domain: 35, message: "XML error: disk snapshot image path 'x.qcow2' must be absolute" },
  },
  {
    name: 'an unknown image format',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda' snapshot='external'><driver type='foo'/></disk></disks>"),
    flags: Create.DiskOnly,
    expected: { code: 67, domain: 35, message: "unsupported configuration: unknown disk snapshot driver 'foo'" },
  },
  {
    name: 'a directory as the disk type',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda' type='dir'/></disks>"),
    flags: 0,
    expected: { code: 27, domain: 35, message: "XML error: unsupported disk snapshot type 'dir'" },
  },
  {
    name: 'a relative memory file',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<memory snapshot='external' file='m.img'/>"),
    flags: 0,
    expected: { code: 27, domain: 35, message: 'XML error: memory snapshot file path (m.img) must be absolute' },
  },
  {
    name: 'a memory file with internal memory',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<memory snapshot='internal' file='/tmp/m'/>"),
    flags: 0,
    expected: { code: 27, domain: 35, message: "XML error: memory filename '/tmp/m' requires external snapshot" },
  },
  {
    name: 'external memory without a file',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<memory snapshot='external'/>"),
    flags: 0,
    expected: { code: 27, domain: 35, message: 'XML error: external memory snapshots require a filename' },
  },
  {
    name: 'manual memory',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<memory snapshot='manual'/>"),
    flags: 0,
    expected: { code: 27, domain: 35, message: "XML error: 'manual' memory snapshot mode not supported" },
  },
  {
    name: 'memory with a disk-only snapshot',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<memory snapshot='internal'/>"),
    flags: Create.DiskOnly,
    expected: { code: 27, domain: 35, message: 'XML error: memory state cannot be saved with offline or disk-only snapshot' },
  },
  {
    name: 'an excluded disk in a full internal snapshot',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda' snapshot='no'/></disks>"),
    flags: 0,
    expected: { code: 67, domain: 35, message: "unsupported configuration: disk 'vda' must use snapshot mode 'internal'" },
  },
  {
    name: 'a file for an internal disk',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda' snapshot='internal'><source file='/tmp/x.qcow2'/></disk></disks>"),
    flags: 0,
    expected: { code: 67, domain: 35, message: "unsupported configuration: file '/tmp/x.qcow2' for disk 'vda' requires use of external snapshot mode" },
  },
  {
    name: 'manual disk mode',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda' snapshot='manual'/><disk name='vdb' snapshot='external'/></disks>"),
    flags: Create.DiskOnly,
    expected: { code: 84, domain: 12, message: "Operation not supported: 'manual' snapshot mode is not supported by the test driver" },
  },
  {
    name: 'an existing non-empty overlay target',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda' snapshot='external'><source file='/images/used.qcow2'/></disk><disk name='vdb' snapshot='no'/></disks>"),
    flags: Create.DiskOnly,
    expected: {
      code: 67,
      domain: 12,
      message: 'unsupported configuration: external snapshot file for disk vda already exists and is not a block device: /images/used.qcow2',
    },
  },
  {
    name: 'REUSE_EXT of a missing file',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda' snapshot='external'><source file='/images/none.qcow2'/></disk><disk name='vdb' snapshot='no'/></disks>"),
    flags: Create.DiskOnly | Create.ReuseExt,
    expected: { code: 38, domain: 12, message: 'missing existing file for disk vda: /images/none.qcow2: No such file or directory' },
  },
  {
    name: 'disk-only with nothing external',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap("<disks><disk name='vda' snapshot='no'/><disk name='vdb' snapshot='no'/></disks>"),
    flags: Create.DiskOnly,
    expected: { code: 67, domain: 12, message: 'unsupported configuration: disk-only snapshots require at least one disk to be selected for snapshot' },
  },
  {
    name: 'the same overlay for two disks',
    node: 'two-disks.xml',
    domain: 'vm2',
    xml: snap(
      "<disks><disk name='vda' snapshot='external'><source file='/images/o.qcow2'/></disk><disk name='vdb' snapshot='external'><source file='/images/o.qcow2'/></disk></disks>",
    ),
    flags: Create.DiskOnly,
    expected: { code: 67, domain: 12, message: 'unsupported configuration: external snapshot file for disk vdb collides with disk vda: /images/o.qcow2' },
  },
];

describe("DomainSnapshotCreateXML errors are libvirt's, and identical from the SDK and on the raw wire", () => {
  let server: TestDaemon;
  beforeAll(async () => {
    server = await startTestDaemon();
  });
  afterAll(async () => {
    await server.close();
  });

  for (const c of cases) {
    it(c.name, async () => {
      const raw = await openRaw(server.wsAddress, { headers: tokenHeaders(server.wsAddress) });
      await raw.result('ConnectOpen', { uri: server.nodeUri(c.node).replace(/^test\+ws:\/\/[^/]+/, 'test://') });
      const ref = (await raw.result('DomainLookupByName', { name: c.domain })) as DomainRef;
      const error = errorOf(await raw.call('DomainSnapshotCreateXML', { domain: ref, xml: c.xml, flags: c.flags }));
      raw.close();
      expect({ code: error.code, domain: error.data?.domain, message: error.message }).toEqual(c.expected);

      const conn = await connect(server.nodeUri(c.node));
      const dom = await conn.domainLookupByName(c.domain);
      const sdk = await dom.snapshotCreateXML(c.xml, c.flags).then(
        () => undefined,
        (e: unknown) => e,
      );
      await conn.close();
      expect(VirError.is(sdk)).toBe(true);
      expect((sdk as VirError).toJsonRpc()).toEqual({ code: error.code, message: error.message, data: error.data });
    });
  }

  it('an unknown domain gives VIR_ERR_NO_DOMAIN', async () => {
    const conn = await connect(server.uri());
    const ghost = { name: 'ghost', uuid: '00000000-0000-4000-8000-000000000001', id: -1 };
    const error = await conn.call('DomainSnapshotCreateXML', { domain: ghost, xml: snap(), flags: 0 }).catch((e: VirError) => e);
    expect(error).toMatchObject({
      code: 42,
      domain: 12,
      message: "Domain not found: no domain with matching uuid '00000000-0000-4000-8000-000000000001' (ghost)",
    });
    await conn.close();
  });

  it('a duplicate snapshot name gives libvirt\'s "domain moment already exists" from VIR_FROM_DOMAIN', async () => {
    const conn = await connect(server.nodeUri('two-disks.xml'));
    const dom = await conn.domainLookupByName('vm2');
    await dom.snapshotCreateXML(snap('<name>s1</name>'));
    const error = await dom.snapshotCreateXML(snap('<name>s1</name>')).catch((e: VirError) => e);
    expect(error).toMatchObject({
      code: 9,
      domain: 20,
      message: 'operation failed: domain moment s1 already exists',
      str1: 'operation failed: %s',
      str2: 'domain moment s1 already exists',
      int1: -1,
      int2: -1,
    });
    await conn.close();
  });

  it('a read-only connection is refused with VIR_ERR_OPERATION_DENIED, locally and on the read-only socket', async () => {
    const expected = { code: 29, domain: 35, message: 'operation forbidden: read only access prevents virDomainSnapshotCreateXML' };
    const ro = await connect(server.uri(), { readOnly: true });
    const dom = await ro.domainLookupByName('test');
    const sent = ro.requestsSent;
    await expect(dom.snapshotCreateXML(snap())).rejects.toMatchObject(expected);
    expect(ro.requestsSent).toBe(sent);
    await ro.close();

    const raw = await openRaw(unixUrl(server.readOnlySocket));
    await raw.result('ConnectOpen', { uri: 'test:///default' });
    const ref = await raw.result('DomainLookupByName', { name: 'test' });
    const error = errorOf(await raw.call('DomainSnapshotCreateXML', { domain: ref, xml: snap(), flags: 0 }));
    expect({ code: error.code, domain: error.data?.domain, message: error.message }).toEqual(expected);
    raw.close();
  });
});

describe('each create flag alone on the test driver', () => {
  let server: TestDaemon;
  beforeAll(async () => {
    server = await startTestDaemon();
  });
  afterAll(async () => {
    await server.close();
  });

  const succeeds: Array<[string, number]> = [
    ['0', 0],
    ['NO_METADATA', Create.NoMetadata],
    ['HALT', Create.Halt],
    ['DISK_ONLY', Create.DiskOnly],
    ['REUSE_EXT (nothing external to reuse)', Create.ReuseExt],
    ["QUIESCE (a no-op, as in libvirt's test driver)", Create.Quiesce],
    ['ATOMIC', Create.Atomic],
    ['LIVE', Create.Live],
    ['VALIDATE', Create.Validate],
  ];
  for (const [label, flags] of succeeds) {
    it(`${label} succeeds with the documented effect`, async () => {
      const conn = await connect(server.nodeUri('two-disks.xml'));
      const dom = await conn.domainLookupByName('vm2');
      const created = await dom.snapshotCreateXML(snap('<name>f</name>'), flags);
      expect(created.name).toBe('f');
      const listed = (await dom.listAllSnapshots()).map((s) => s.name);
      expect(listed).toEqual(flags & Create.NoMetadata ? [] : ['f']);
      const state = await dom.getState();
      expect(state).toEqual(flags & Create.Halt ? { state: 5, reason: 7 } : { state: 1, reason: 0 });
      const xml = await dom.getXMLDesc();
      if (flags & Create.DiskOnly) {
        expect(xml).toContain("<source file='/images/vm2-a.f'/>");
        expect(await created.getXMLDesc()).toContain('<state>disk-snapshot</state>');
      } else {
        expect(xml).toContain("<source file='/images/vm2-a.qcow2'/>");
      }
      await conn.close();
    });
  }

  it('REDEFINE alone installs metadata without touching the domain, CURRENT with it makes it current', async () => {
    const conn = await connect(server.nodeUri('two-disks.xml'));
    const dom = await conn.domainLookupByName('vm2');
    const s1 = await dom.snapshotCreateXML(snap('<name>s1</name>'));
    const dumped = await s1.getXMLDesc();
    await s1.delete().catch(() => undefined);
    const before = await dom.getXMLDesc();
    const other = await connect(server.nodeUri('two-disks.xml'));
    const otherDom = await other.domainLookupByName('vm2');
    await otherDom.snapshotCreateXML(dumped, Create.Redefine);
    expect(await otherDom.hasCurrentSnapshot()).toBe(false);
    expect(await (await otherDom.snapshotLookupByName('s1')).getXMLDesc()).toBe(dumped);
    await otherDom.snapshotCreateXML(dumped, Create.Redefine | Create.Current);
    expect((await otherDom.snapshotCurrent()).name).toBe('s1');
    expect(await dom.getXMLDesc()).toBe(before);
    await other.close();
    await conn.close();
  });
});
