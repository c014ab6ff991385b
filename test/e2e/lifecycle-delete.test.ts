// DomainSnapshotDelete over real sockets: re-parenting, the current snapshot, CHILDREN, METADATA_ONLY, internal data and external merges.
import {
  connect,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotDeleteFlags as Delete,
  ErrorDomain,
  ErrorNumber,
  type Connection,
  type Domain,
} from '@virtwire/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectVirError } from '../helpers/errors.js';
import { openRawConnection } from '../helpers/raw-client.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

const INTERNAL_SNAPSHOT_BYTES = 65_536;
const named = (name: string) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;
const sorted = (list: { name: string }[]) => list.map((s) => s.name).sort();

let server: TestDaemon;
let conn: Connection;
let one: Domain;
beforeAll(async () => {
  server = await startTestDaemon();
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  conn = await connect(server.nodeUri('lifecycle.xml'));
  one = await conn.domainLookupByName('one');
});
afterEach(async () => {
  await conn.close();
});

async function imageBytes(path: string): Promise<number> {
  const volume = await conn.call('StorageVolLookupByPath', { path });
  return (await conn.call('StorageVolGetInfo', { volume, flags: 0 })).capacity;
}

async function exists(path: string): Promise<boolean> {
  return conn.call('StorageVolLookupByPath', { path }).then(
    () => true,
    () => false,
  );
}

/** Builds a tree from [name, parent] pairs by reverting to the parent before each create. */
async function build(domain: Domain, edges: [string, string | null][], flags = 0): Promise<void> {
  for (const [name, parent] of edges) {
    if (parent !== null) await (await domain.snapshotLookupByName(parent)).revert();
    await domain.snapshotCreateXML(named(name), flags);
  }
}

describe('internal snapshots', () => {
  it('flags 0: children move to the parent, the data leaves the image, the current one hands over to its parent', async () => {
    await build(one, [
      ['a', null],
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'b'],
      ['e', 'a'],
    ]);
    const base = await imageBytes('/images/one.qcow2');
    const b = await one.snapshotLookupByName('b');
    await b.delete();
    expect(await imageBytes('/images/one.qcow2')).toBe(base - INTERNAL_SNAPSHOT_BYTES);
    const a = await one.snapshotLookupByName('a');
    expect(sorted(await a.listAllChildren())).toEqual(['c', 'd', 'e']);
    expect((await (await one.snapshotLookupByName('c')).getParent()).name).toBe('a');
    expect((await one.snapshotCurrent()).name).toBe('e');

    await (await one.snapshotLookupByName('e')).delete();
    expect((await one.snapshotCurrent()).name).toBe('a');
    await a.delete();
    expect(await one.hasCurrentSnapshot()).toBe(false);
    expect(sorted(await one.listAllSnapshots(1))).toEqual(['c', 'd']);
    expect(await one.snapshotNum()).toBe(2);
  });

  it('METADATA_ONLY forgets the snapshot but leaves its data in the image', async () => {
    await build(one, [
      ['a', null],
      ['b', 'a'],
    ]);
    const base = await imageBytes('/images/one.qcow2');
    await (await one.snapshotLookupByName('b')).delete(Delete.MetadataOnly);
    expect(await imageBytes('/images/one.qcow2')).toBe(base);
    expect(sorted(await one.listAllSnapshots())).toEqual(['a']);
    expect((await one.snapshotCurrent()).name).toBe('a');
  });

  it('CHILDREN removes the subtree; a current snapshot inside it hands over to the subtree root’s parent', async () => {
    await build(one, [
      ['a', null],
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'a'],
    ]);
    await (await one.snapshotLookupByName('d')).revert();
    const base = await imageBytes('/images/one.qcow2');
    await (await one.snapshotLookupByName('b')).delete(Delete.Children);
    expect(sorted(await one.listAllSnapshots())).toEqual(['a', 'e']);
    expect((await one.snapshotCurrent()).name).toBe('a');
    expect(await imageBytes('/images/one.qcow2')).toBe(base - 3 * INTERNAL_SNAPSHOT_BYTES);
  });

  it('CHILDREN with the current snapshot elsewhere leaves it current', async () => {
    await build(one, [
      ['a', null],
      ['b', 'a'],
      ['c', 'b'],
      ['e', 'a'],
    ]);
    await (await one.snapshotLookupByName('b')).delete(Delete.Children);
    expect((await one.snapshotCurrent()).name).toBe('e');
  });

  it('CHILDREN_ONLY keeps the snapshot and makes it current when the current one was below it', async () => {
    await build(one, [
      ['a', null],
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
    ]);
    const b = await one.snapshotLookupByName('b');
    await b.delete(Delete.ChildrenOnly);
    expect(sorted(await one.listAllSnapshots())).toEqual(['a', 'b']);
    expect(await b.isCurrent()).toBe(true);
    expect(await b.numChildren()).toBe(0);
  });

  it('a running domain whose disk moved to another image cannot lose an internal snapshot (84), unless only metadata goes or it is shut off', async () => {
    await build(one, [['i1', null]]);
    await one.snapshotCreateXML(named('e1'), Create.DiskOnly);
    const i1 = await one.snapshotLookupByName('i1');
    await expectVirError(
      i1.delete(),
      ErrorNumber.OperationUnsupported,
      ErrorDomain.Test,
      "Operation not supported: disk image 'vda' for internal snapshot 'i1' is not the same as disk image currently used by VM",
    );
    await one.destroy();
    const base = await imageBytes('/images/one.qcow2');
    await i1.delete();
    expect(await imageBytes('/images/one.qcow2')).toBe(base - INTERNAL_SNAPSHOT_BYTES);
    expect(sorted(await one.listAllSnapshots(1))).toEqual(['e1']);
  });
});

describe('external snapshots', () => {
  it('deleting the current leaf merges its overlay back: the disk returns to the image below', async () => {
    const e1 = await one.snapshotCreateXML(named('e1'), Create.DiskOnly);
    expect(await one.getXMLDesc()).toContain("<source file='/images/one.e1'/>");
    await e1.delete();
    expect(await one.getXMLDesc()).toContain("<source file='/images/one.qcow2'/>");
    expect(await exists('/images/one.e1')).toBe(false);
    expect(await one.hasCurrentSnapshot()).toBe(false);
  });

  it('deleting a snapshot in the active chain merges it and rebases what was built on it', async () => {
    const e1 = await one.snapshotCreateXML(named('e1'), Create.DiskOnly);
    const e2 = await one.snapshotCreateXML(named('e2'), Create.DiskOnly);
    expect(await e2.getXMLDesc()).toContain("<source file='/images/one.e1'/>");
    await e1.delete();
    expect(await exists('/images/one.e1')).toBe(false);
    expect(await e2.getXMLDesc()).toContain("<source file='/images/one.qcow2'/>");
    expect(await one.getXMLDesc()).toContain("<source file='/images/one.e2'/>");
    await expectVirError(e2.getParent(), ErrorNumber.NoDomainSnapshot, ErrorDomain.Test, "Domain snapshot not found: snapshot 'e2' does not have a parent");
  });

  it('a leaf left behind by a revert is unlinked; its parent’s revert overlays become its disks', async () => {
    const e1 = await one.snapshotCreateXML(named('e1'), Create.DiskOnly);
    const e2 = await one.snapshotCreateXML(named('e2'), Create.DiskOnly);
    await e1.revert();
    const reverted = /<source file='(\/images\/one\.\d+)'\/>/.exec(await one.getXMLDesc())![1]!;
    expect(await e1.getXMLDesc()).toContain('<revertDisks>');
    await e2.delete();
    expect(await exists('/images/one.e2')).toBe(false);
    expect(await exists('/images/one.e1')).toBe(false);
    const e1Xml = await e1.getXMLDesc();
    expect(e1Xml).not.toContain('<revertDisks>');
    expect(e1Xml).toContain(`<source file='${reverted}'/>`);
    await e1.delete();
    expect(await one.getXMLDesc()).toContain("<source file='/images/one.qcow2'/>");
    expect(await exists(reverted)).toBe(false);
  });

  it("refuses what libvirt refuses, with libvirt's 67 messages, and changes nothing", async () => {
    const e1 = await one.snapshotCreateXML(named('e1'), Create.DiskOnly);
    const e2 = await one.snapshotCreateXML(named('e2'), Create.DiskOnly);
    const e3 = await one.snapshotCreateXML(named('e3'), Create.DiskOnly);
    const refuse = (promise: Promise<unknown>, detail: string) =>
      expectVirError(promise, ErrorNumber.ConfigUnsupported, ErrorDomain.Test, `unsupported configuration: ${detail}`);

    await refuse(e1.delete(Delete.Children), 'deletion of external children disk snapshots not supported');
    await refuse(e1.delete(Delete.ChildrenOnly), 'deletion of external children disk snapshots not supported');
    await refuse(e3.delete(Delete.Children), 'deletion of external disk snapshots with children not supported');
    await e1.revert();
    await refuse(e1.delete(), 'deletion of active external snapshot that is not a leaf snapshot is not supported');
    await refuse(e2.delete(), 'deletion of non-leaf external snapshot that is not in active chain is not supported');
    await one.snapshotCreateXML(named('f1'), Create.DiskOnly);
    await (await one.snapshotLookupByName('f1')).revert();
    await refuse(e1.delete(), 'deletion of external disk snapshot with multiple children snapshots not supported');
    expect(sorted(await one.listAllSnapshots())).toEqual(['e1', 'e2', 'e3', 'f1']);
  });

  it('refuses mixed children and an internal parent (84); METADATA_ONLY still works', async () => {
    const i1 = await one.snapshotCreateXML(named('i1'));
    const e1 = await one.snapshotCreateXML(named('e1'), Create.DiskOnly);
    await one.snapshotCreateXML(named('i2'));
    await i1.revert();
    await expectVirError(
      i1.delete(Delete.ChildrenOnly),
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Test,
      'unsupported configuration: deletion of external and internal children disk snapshots not supported',
    );
    await (await one.snapshotLookupByName('i2')).revert();
    await expectVirError(
      e1.delete(),
      ErrorNumber.OperationUnsupported,
      ErrorDomain.Test,
      'Operation not supported: deleting external snapshot that has internal snapshot as parent not supported',
    );
    await e1.delete(Delete.MetadataOnly);
    expect(sorted(await one.listAllSnapshots())).toEqual(['i1', 'i2']);
    expect((await (await one.snapshotLookupByName('i2')).getParent()).name).toBe('i1');
  });

  it('never merges away an overlay that holds internal snapshots (virtwire guard, 84)', async () => {
    const e1 = await one.snapshotCreateXML(named('e1'), Create.DiskOnly);
    await one.snapshotCreateXML(named('i2'));
    await expectVirError(
      e1.delete(),
      ErrorNumber.OperationUnsupported,
      ErrorDomain.Test,
      'Operation not supported: deleting external snapshot that has internal snapshot as child not supported',
    );
    expect(await exists('/images/one.e1')).toBe(true);
    expect(sorted(await one.listAllSnapshots())).toEqual(['e1', 'i2']);
  });
});

describe('delete errors', () => {
  it('refuses exclusive and unknown flags, unknown snapshots and read-only connections, on the client and on the daemon alike', async () => {
    const s = await one.snapshotCreateXML(named('s'));
    const raw = await openRawConnection(server.wsAddress, conn.uri);
    const both = async (flags: number, code: number, domain: number, message: string) => {
      const sent = conn.requestsSent;
      await expectVirError(s.delete(flags), code, domain, message);
      expect(conn.requestsSent).toBe(sent);
      await expectVirError(raw.call('DomainSnapshotDelete', { snapshot: s.ref, flags }), code, domain, message);
    };
    await both(
      Delete.Children | Delete.ChildrenOnly,
      ErrorNumber.InvalidArg,
      ErrorDomain.DomainSnapshot,
      "Flags 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN' and 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY' are mutually exclusive",
    );
    await both(8, ErrorNumber.InvalidArg, ErrorDomain.Test, 'unsupported flags (0x8) in function testDomainSnapshotDelete');
    await expectVirError(
      raw.call('DomainSnapshotDelete', { snapshot: { ...s.ref, name: 'gone' }, flags: 0 }),
      ErrorNumber.NoDomainSnapshot,
      ErrorDomain.Test,
      "Domain snapshot not found: no domain snapshot with matching name 'gone'",
    );
    raw.close();
    const readOnly = await openRawConnection(`ws+unix:${server.readOnlySocket}:/`, conn.uri);
    await expectVirError(
      readOnly.call('DomainSnapshotDelete', { snapshot: s.ref, flags: 0 }),
      ErrorNumber.OperationDenied,
      ErrorDomain.DomainSnapshot,
      'operation forbidden: read only access prevents virDomainSnapshotDelete',
    );
    readOnly.close();
    expect(sorted(await one.listAllSnapshots())).toEqual(['s']);
  });
});
