// Snapshot disks whose new image is no local file (network, nvme): accepted in metadata as libvirt does, refused as overlays.
import { connect, DomainSnapshotCreateFlags as Create, type Connection } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

const NETWORK_VDA =
  "<disk name='vda' snapshot='external' type='network'><source protocol='rbd' name='pool/image'><host name='ceph' port='6789'/></source></disk><disk name='vdb' snapshot='no'/>";

describe('snapshot disks of other storage types against a real virtwired', () => {
  let server: TestDaemon;
  let conn: Connection;
  beforeAll(async () => {
    server = await startTestDaemon();
    conn = await connect(server.nodeUri('two-disks.xml'));
  });
  afterAll(async () => {
    await conn.close();
    await server.close();
  });
  const domain = (name: string) => conn.call('DomainLookupByName', { name });
  const create = async (name: string, xml: string, flags: number) => conn.call('DomainSnapshotCreateXML', { domain: await domain(name), xml, flags });

  it("refuses an external snapshot to a network target of a shut-off domain with libvirt's qemu error, and changes nothing", async () => {
    const before = await conn.call('DomainGetXMLDesc', { domain: await domain('off2'), flags: 0 });
    await expectVirError(
      create('off2', `<domainsnapshot><name>n1</name><disks>${NETWORK_VDA}</disks></domainsnapshot>`, Create.DiskOnly),
      1,
      12,
      "internal error: external inactive snapshots are not supported on 'network' disks",
    );
    expect(await conn.call('DomainGetXMLDesc', { domain: await domain('off2'), flags: 0 })).toBe(before);
    expect(await conn.call('DomainSnapshotNum', { domain: await domain('off2'), flags: 0 })).toBe(0);
  });

  it('refuses one to a network target of a running domain (overlays are local files here)', async () => {
    await expectVirError(
      create('vm2', `<domainsnapshot><name>n2</name><disks>${NETWORK_VDA}</disks></domainsnapshot>`, Create.DiskOnly),
      67,
      12,
      "unsupported configuration: external snapshots to 'network' disks are not supported by this driver (disk 'vda')",
    );
  });

  it('redefines a snapshot with a network target, dumps it as libvirt formats it, and deletes its metadata', async () => {
    const xml =
      `<domainsnapshot><name>net</name><state>disk-snapshot</state><creationTime>1</creationTime><disks>${NETWORK_VDA}</disks>` +
      "<domain type='test'><name>vm2</name><uuid>2b6c4f1e-9a0d-4c51-8a77-1d3c2e5f6a70</uuid><memory>1048576</memory><os><type>hvm</type></os><devices>" +
      "<disk type='file' device='disk'><source file='/images/vm2-a.qcow2'/><target dev='vda' bus='virtio'/></disk>" +
      "<disk type='file' device='disk'><source file='/images/vm2-b.qcow2'/><target dev='vdb' bus='virtio'/></disk></devices></domain></domainsnapshot>";
    const snapshot = await create('vm2', xml, Create.Redefine);
    const dumped = await conn.call('DomainSnapshotGetXMLDesc', { snapshot, flags: 0 });
    expect(dumped).toContain(
      [
        "    <disk name='vda' snapshot='external' type='network'>",
        "      <source protocol='rbd' name='pool/image'>",
        "        <host name='ceph' port='6789'/>",
        '      </source>',
        '    </disk>',
        "    <disk name='vdb' snapshot='no'/>",
      ].join('\n'),
    );
    await conn.call('DomainSnapshotDelete', { snapshot, flags: 2 /* METADATA_ONLY */ });
    expect(await conn.call('DomainSnapshotNum', { domain: await domain('vm2'), flags: 0 })).toBe(0);
  });
});

describe("a redefined snapshot's copy of its domain", () => {
  it("is kept as the test driver's definition of it (defaults applied, canonical form), as libvirt parses it", async () => {
    await using server = await startTestDaemon();
    const conn = await connect(server.uri());
    try {
      const domain = await conn.call('DomainLookupByName', { name: 'test' });
      const xml =
        "<domainsnapshot><name>p</name><state>running</state><creationTime>5</creationTime><domain type='test'><name>test</name>" +
        '<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory>8388608</memory><os><type>hvm</type></os><devices>' +
        "<disk type='file' device='disk'><source file='/guest/diskimage1'/><target dev='vda' bus='virtio'/></disk></devices></domain></domainsnapshot>";
      const snapshot = await conn.call('DomainSnapshotCreateXML', { domain, xml, flags: Create.Redefine });
      const dumped = await conn.call('DomainSnapshotGetXMLDesc', { snapshot, flags: 0 });
      // What libvirt 9.0's test driver dumps for the same input (recorded with python3-libvirt).
      expect(dumped).toContain(
        [
          "    <memory unit='KiB'>8388608</memory>",
          "    <currentMemory unit='KiB'>8388608</currentMemory>",
          "    <vcpu placement='static'>1</vcpu>",
          '    <os>',
          "      <type arch='i686'>hvm</type>",
          "      <boot dev='hd'/>",
          '    </os>',
          "    <clock offset='utc'/>",
          '    <on_poweroff>destroy</on_poweroff>',
          '    <on_reboot>restart</on_reboot>',
          '    <on_crash>destroy</on_crash>',
        ].join('\n'),
      );
    } finally {
      await conn.close();
    }
  });
});
