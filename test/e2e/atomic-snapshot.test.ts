// The scenario that motivated ATOMIC, over real sockets: a two-disk snapshot whose second overlay is on read-only storage.
import { connect, DomainSnapshotCreateFlags as Create, ErrorDomain, ErrorNumber, VirError, type Connection } from '@virtwire/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { failure } from '../helpers/errors.js';

const seedXml = (name: string, second = '/ro/vm2-b.ovl') => `<domainsnapshot>
  <name>${name}</name>
  <disks>
    <disk name='vda' snapshot='external'><source file='/images/vm2-a.${name}'/></disk>
    <disk name='vdb' snapshot='external'><source file='${second}'/></disk>
  </disks>
</domainsnapshot>`;

async function volumeExists(conn: Connection, path: string): Promise<boolean> {
  try {
    await conn.call('StorageVolLookupByPath', { path });
    return true;
  } catch (error) {
    if (VirError.is(error) && error.code === ErrorNumber.NoStorageVol) return false;
    throw error;
  }
}

describe('DomainSnapshotCreateXML on a two-disk domain with read-only storage for the second overlay', () => {
  let server: TestDaemon;
  beforeEach(async () => {
    server = await startTestDaemon();
  });
  afterEach(async () => {
    await server.close();
  });

  for (const [label, flags] of [
    ['with ATOMIC', Create.DiskOnly | Create.Atomic],
    ['without ATOMIC (atomic is preferred)', Create.DiskOnly],
  ] as const) {
    it(`${label}: fails clearly and changes nothing`, async () => {
      const conn = await connect(server.nodeUri('two-disks.xml'));
      const dom = await conn.domainLookupByName('vm2');
      const before = await dom.getXMLDesc();

      const error = await failure(dom.snapshotCreateXML(seedXml('s1'), flags));
      expect(error.code).toBe(ErrorNumber.SystemError);
      expect(error.domain).toBe(ErrorDomain.Test);
      expect(error.message).toBe("unable to create overlay '/ro/vm2-b.ovl' for disk 'vdb': Read-only file system");
      expect(error.disks).toEqual([
        { disk: 'vda', outcome: 'rolled-back', source: '/images/vm2-a.qcow2' },
        { disk: 'vdb', outcome: 'untouched', source: '/images/vm2-b.qcow2', reason: error.message },
      ]);

      expect(await dom.getXMLDesc()).toBe(before);
      expect(await volumeExists(conn, '/images/vm2-a.s1')).toBe(false);
      expect(await volumeExists(conn, '/ro/vm2-b.ovl')).toBe(false);
      expect(await dom.snapshotNum()).toBe(0);
      expect(await dom.hasCurrentSnapshot()).toBe(false);

      const ok = await dom.snapshotCreateXML(seedXml('s1', '/images/vm2-b.s1'), flags);
      expect(ok.name).toBe('s1');
      const after = await dom.getXMLDesc();
      expect(after).toContain("<source file='/images/vm2-a.s1'/>");
      expect(after).toContain("<source file='/images/vm2-b.s1'/>");
      expect(await volumeExists(conn, '/images/vm2-a.s1')).toBe(true);
      await conn.close();
    });
  }

  it('in atomic=none mode refuses ATOMIC before anything changes, on the client and on the daemon alike', async () => {
    const conn = await connect(server.nodeUri('two-disks.xml', 'atomic=none'));
    const dom = await conn.domainLookupByName('vm2');
    const before = await dom.getXMLDesc();
    const sentBefore = conn.requestsSent;

    const local = await failure(dom.snapshotCreateXML(seedXml('s1'), Create.DiskOnly | Create.Atomic));
    expect(conn.requestsSent).toBe(sentBefore);
    expect(local.code).toBe(ErrorNumber.ConfigUnsupported);
    expect(local.domain).toBe(ErrorDomain.Test);
    expect(local.message).toBe('unsupported configuration: atomic live snapshot of multiple disks is unsupported');
    expect(await dom.getXMLDesc()).toBe(before);
    await conn.close();
  });

  it('in atomic=none mode without ATOMIC switches disks one by one: the partial change is visible and reported', async () => {
    const conn = await connect(server.nodeUri('two-disks.xml', 'atomic=none'));
    const dom = await conn.domainLookupByName('vm2');

    const error = await failure(dom.snapshotCreateXML(seedXml('s1'), Create.DiskOnly));
    expect(error.message).toBe("unable to create overlay '/ro/vm2-b.ovl' for disk 'vdb': Read-only file system");
    expect(error.disks).toEqual([
      { disk: 'vda', outcome: 'changed', source: '/images/vm2-a.s1' },
      { disk: 'vdb', outcome: 'untouched', source: '/images/vm2-b.qcow2', reason: error.message },
    ]);
    const after = await dom.getXMLDesc();
    expect(after).toContain("<source file='/images/vm2-a.s1'/>");
    expect(after).toContain("<source file='/images/vm2-b.qcow2'/>");
    expect(await volumeExists(conn, '/images/vm2-a.s1')).toBe(true);
    expect(await dom.snapshotNum()).toBe(0);
    await conn.close();
  });

  it('offline, ATOMIC over two disks is honoured even in atomic=none mode (no live guest to hold)', async () => {
    const conn = await connect(server.nodeUri('two-disks.xml', 'atomic=none'));
    const dom = await conn.domainLookupByName('off2');
    const xml = seedXml('o1').replaceAll('vm2-', 'off2-');
    const error = await failure(dom.snapshotCreateXML(xml, Create.DiskOnly | Create.Atomic));
    expect(error.code).toBe(ErrorNumber.SystemError);
    expect(error.disks?.map((d) => d.outcome)).toEqual(['rolled-back', 'untouched']);
    expect(await volumeExists(conn, '/images/off2-a.o1')).toBe(false);
    await conn.close();
  });

  it('a domain started through its handle is known to be live, so the refusal stays local', async () => {
    const conn = await connect(server.nodeUri('two-disks.xml', 'atomic=none'));
    const dom = await conn.domainLookupByName('off2');
    expect(dom.id).toBe(-1);
    await dom.create();
    expect(dom.id).toBeGreaterThan(0);
    const sent = conn.requestsSent;
    const xml = seedXml('o1').replaceAll('vm2-', 'off2-');
    const error = await failure(dom.snapshotCreateXML(xml, Create.DiskOnly | Create.Atomic));
    expect(error.message).toBe('unsupported configuration: atomic live snapshot of multiple disks is unsupported');
    expect(conn.requestsSent).toBe(sent);
    await dom.destroy();
    expect(dom.id).toBe(-1);
    await conn.close();
  });
});
