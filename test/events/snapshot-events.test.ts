// virtwire's snapshot events on every path that changes snapshots: failed with the per-disk report, redefine, metadata-only and children deletes, nothing for refusals.
import {
  connect,
  DomainEventId,
  DomainSnapshotCreateFlags as Create,
  DomainSnapshotDeleteFlags as Delete,
  ErrorNumber,
  type Connection,
  type DomainEventParams,
} from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../helpers/errors.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

let server: TestDaemon;
beforeAll(async () => {
  server = await startTestDaemon();
});
afterAll(async () => server?.close());

type SnapshotEvent = Extract<DomainEventParams, { eventID: 1000 }>;

/** A connection subscribed to snapshot events; `events()` after a round trip has every event of the calls made so far. */
async function watched(uri: string): Promise<{ conn: Connection; events: () => Promise<SnapshotEvent[]> }> {
  const conn = await connect(uri);
  const seen: SnapshotEvent[] = [];
  await conn.on('snapshot', (e) => seen.push(e as SnapshotEvent));
  return {
    conn,
    events: async () => {
      await conn.getVersion();
      return seen.splice(0);
    },
  };
}

const twoDiskXml = (name: string, second: string) => `<domainsnapshot><name>${name}</name><disks>
  <disk name='vda' snapshot='external'><source file='/images/vm2-a.${name}'/></disk>
  <disk name='vdb' snapshot='external'><source file='${second}'/></disk></disks></domainsnapshot>`;

describe('snapshot events', () => {
  it('a create that fails on its second disk sends one failed event with the per-disk report, and nothing else', async () => {
    // a node file's host belongs to its connection: the same connection watches and acts
    const { conn, events } = await watched(server.nodeUri('two-disks.xml'));
    const dom = await conn.domainLookupByName('vm2');
    const error = await failure(dom.snapshotCreateXML(twoDiskXml('s1', '/ro/vm2-b.ovl'), Create.DiskOnly | Create.Atomic));
    const [failed, ...rest] = await events();
    expect(rest).toEqual([]);
    expect(failed).toMatchObject({ eventID: DomainEventId.Snapshot, action: 'failed', snapshot: 's1', domain: { name: 'vm2' } });
    expect(failed!.error).toEqual({ code: ErrorNumber.SystemError, message: error.message, disks: error.disks });
    expect(failed!.error!.disks!.map((d) => d.outcome)).toEqual(['rolled-back', 'untouched']);

    // refused before anything changed (the name is taken): no event at all
    await dom.snapshotCreateXML(twoDiskXml('s2', '/images/vm2-b.s2'), Create.DiskOnly);
    expect((await events()).map((e) => `${e.action} ${e.snapshot}`)).toEqual(['created s2', 'current-changed s2']);
    await failure(dom.snapshotCreateXML(twoDiskXml('s2', '/images/vm2-b.s3'), Create.DiskOnly));
    await failure(conn.call('DomainSnapshotDelete', { snapshot: { name: 'nosuch', domain: dom.ref }, flags: 0 }));
    expect(await events()).toEqual([]);
    await conn.close();
  });

  it('a partial change without atomicity is reported as failed, with the disk that did change', async () => {
    const { conn, events } = await watched(server.nodeUri('two-disks.xml', 'atomic=none'));
    const dom = await conn.domainLookupByName('vm2');
    await failure(dom.snapshotCreateXML(twoDiskXml('s1', '/ro/vm2-b.ovl'), Create.DiskOnly));
    const all = await events();
    expect(all.map((e) => e.action)).toEqual(['failed']);
    expect(all[0]!.error!.disks!.map((d) => [d.disk, d.outcome])).toEqual([
      ['vda', 'changed'],
      ['vdb', 'untouched'],
    ]);
    await conn.close();
  });

  it('metadata-only delete, redefine (with and without CURRENT) and a delete with children', async () => {
    const { conn, events } = await watched(server.uri());
    const dom = await conn.domainLookupByName('test');
    const s1 = await dom.snapshotCreateXML('<domainsnapshot><name>e1</name></domainsnapshot>');
    await dom.snapshotCreateXML('<domainsnapshot><name>e2</name></domainsnapshot>');
    const xml1 = await s1.getXMLDesc();
    expect((await events()).map((e) => `${e.action} ${e.snapshot}`)).toEqual(['created e1', 'current-changed e1', 'created e2', 'current-changed e2']);

    // deleting the current snapshot makes its parent current, as in libvirt
    await (await dom.snapshotLookupByName('e2')).delete(Delete.MetadataOnly);
    expect((await events()).map((e) => `${e.action} ${e.snapshot}`)).toEqual(['deleted e2', 'current-changed e1']);
    await s1.delete(Delete.MetadataOnly);
    expect((await events()).map((e) => `${e.action} ${e.snapshot}`)).toEqual(['deleted e1', 'current-changed null']);

    await dom.snapshotCreateXML(xml1, Create.Redefine);
    expect((await events()).map((e) => `${e.action} ${e.snapshot}`)).toEqual(['created e1']);
    await dom.snapshotCreateXML(xml1, Create.Redefine | Create.Current);
    expect((await events()).map((e) => `${e.action} ${e.snapshot}`)).toEqual(['created e1', 'current-changed e1']);

    await dom.snapshotCreateXML('<domainsnapshot><name>e3</name></domainsnapshot>');
    await events();
    await (await dom.snapshotLookupByName('e1')).delete(Delete.Children);
    expect((await events()).map((e) => `${e.action} ${e.snapshot}`)).toEqual(['deleted e3', 'deleted e1', 'current-changed null']);
    await conn.close();
  });
});
