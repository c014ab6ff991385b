// Scale without timing: with 10,000 snapshots, single-snapshot calls never walk the tree; lists are linear and page correctly.
import { connect, DomainSnapshotListFlags as List, type Connection, type Domain } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SnapshotTree } from '@virtwire/server/testing';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

const COUNT = 10_000;
const named = (name: string) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;

/** The SnapshotTree methods that visit more than one snapshot. */
const WALKS = ['all', 'rootNodes', 'descendants', 'topological', 'isAncestorOrSelf'] as const;

let server: TestDaemon;
let conn: Connection;
let dom: Domain;
beforeAll(async () => {
  server = await startTestDaemon();
  conn = await connect(server.nodeUri('property.xml'));
  dom = await conn.domainLookupByName('pt');
  // Pipelined creates: the daemon handles them in order, each under the previous (a 10,000-deep chain)...
  const batch: Promise<unknown>[] = [];
  for (let i = 0; i < COUNT / 2; i++) batch.push(dom.snapshotCreateXML(named(`chain${i}`)));
  await Promise.all(batch);
  // ...and 5,000 siblings under its root: each create is followed by a revert to the root, pipelined in order.
  const root = await dom.snapshotLookupByName('chain0');
  batch.length = 0;
  for (let i = 0; i < COUNT / 2; i++) batch.push(root.revert(), dom.snapshotCreateXML(named(`leaf${i}`)));
  await Promise.all(batch);
}, 120_000);
afterAll(async () => {
  await conn.close();
  await server.close();
});

describe(`a domain with ${COUNT} snapshots`, () => {
  it('has the expected shape', async () => {
    expect(await dom.snapshotNum()).toBe(COUNT);
    const chain0 = await dom.snapshotLookupByName('chain0');
    expect(await chain0.numChildren()).toBe(COUNT / 2 + 1);
    expect(await (await dom.snapshotLookupByName('chain4999')).getParent().then((p) => p.name)).toBe('chain4998');
  });

  it('create, lookup, parent, children, current, revert and delete do not walk the tree', async () => {
    const spies = WALKS.map((name) => vi.spyOn(SnapshotTree.prototype, name));
    try {
      const deep = await dom.snapshotLookupByName('chain4000');
      await deep.revert();
      const extra = await dom.snapshotCreateXML(named('one-more'));
      expect((await extra.getParent()).name).toBe('chain4000');
      expect(await extra.isCurrent()).toBe(true);
      expect((await dom.snapshotCurrent()).name).toBe('one-more');
      expect(await dom.hasCurrentSnapshot()).toBe(true);
      expect((await deep.listAllChildren()).map((s) => s.name).sort()).toEqual(['chain4001', 'one-more']);
      expect(await deep.numChildren()).toBe(2);
      expect(await dom.snapshotNum()).toBe(COUNT + 1);
      expect(await dom.snapshotNum(List.Roots)).toBe(1);
      await deep.delete(); // two children move up to chain3999
      expect((await extra.getParent()).name).toBe('chain3999');
      await extra.delete(); // current: hands over to chain3999
      expect((await dom.snapshotCurrent()).name).toBe('chain3999');
      for (const spy of spies) expect(spy, spy.getMockName()).not.toHaveBeenCalled();

      // Listing is the one linear operation: one pass over the snapshots.
      const all = await dom.listAllSnapshots();
      expect(all).toHaveLength(COUNT - 1);
      expect(spies[0]).toHaveBeenCalledTimes(1);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('pages a long list with offset and limit, in the order of the whole list', async () => {
    const whole = (await dom.listAllSnapshots(List.Topological)).map((s) => s.name);
    const pages: string[] = [];
    for (let offset = 0; offset < whole.length; offset += 4096) {
      const page = await dom.listAllSnapshots(List.Topological, { offset, limit: 4096 });
      expect(page.length).toBe(Math.min(4096, whole.length - offset));
      pages.push(...page.map((s) => s.name));
    }
    expect(pages).toEqual(whole);
    expect(await dom.listAllSnapshots(0, { offset: whole.length })).toEqual([]);
    const children = await (await dom.snapshotLookupByName('chain0')).listAllChildren(List.Descendants, { offset: 100, limit: 10 });
    expect(children).toHaveLength(10);
  });
});
