// The snapshot tree's data against a real virtwired: parents and the current snapshot right, each XML read once, a removal read afresh.
import { connect, type Connection, type Domain } from '@virtwire/client';
import { generateToken, startDaemon, tokenEntry, type Daemon } from '@virtwire/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotDetails } from '../src/data/snapshot-details.js';
import { snapshotTree } from '../src/data/snapshot-tree.js';

describe('SnapshotDetails', () => {
  let dir: string;
  let daemon: Daemon;
  let conn: Connection;
  let domain: Domain;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'virtwire-web-'));
    const token = generateToken();
    daemon = await startDaemon({
      listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
      stateDir: join(dir, 'state'),
      tokens: [tokenEntry(token, 'rw', 't')],
      logLevel: 'silent',
    });
    conn = await connect(`test+${daemon.addresses[0]}/default`, { token });
    domain = await conn.domainLookupByName('test');
  });
  afterAll(async () => {
    await conn?.close();
    await daemon?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const take = (name: string, description = '') =>
    domain.snapshotCreateXML(`<domainsnapshot><name>${name}</name><description>${description}</description></domainsnapshot>`);

  it('reads parents, descriptions and the current snapshot, then only what changed', async () => {
    for (const name of ['a', 'b', 'c']) await take(name, `about ${name}`);
    const details = new SnapshotDetails();
    const first = await details.nodes(domain);
    expect(first.map((n) => [n.name, n.parent ?? null, n.description, n.current])).toEqual([
      ['a', null, 'about a', false],
      ['b', 'a', 'about b', false],
      ['c', 'b', 'about c', true],
    ]);
    expect(first.every((n) => n.state === 'running' && typeof n.creationTime === 'number')).toBe(true);

    // Nothing changed: the list and the current snapshot, no XML.
    let before = conn.requestsSent;
    expect(await details.nodes(domain)).toEqual(first);
    expect(conn.requestsSent - before).toBe(3);

    // One new snapshot: its XML only.
    await take('d');
    before = conn.requestsSent;
    const second = await details.nodes(domain);
    expect(conn.requestsSent - before).toBe(4);
    expect(second.find((n) => n.name === 'd')).toMatchObject({ parent: 'c', current: true });

    // b removed: c's parent is now a, which only a fresh read knows.
    await (await domain.snapshotLookupByName('b')).delete();
    const third = await details.nodes(domain);
    expect(third.find((n) => n.name === 'c')?.parent).toBe('a');
    const tree = snapshotTree(third);
    expect(tree.map((t) => t.node.name)).toEqual(['a']);
    expect(tree[0]!.children.map((t) => t.node.name)).toEqual(['c']);
    expect(tree[0]!.children[0]!.children.map((t) => t.node.name)).toEqual(['d']);
  });

  it('reports its progress while reading a large tree, 32 at a time', async () => {
    for (let i = 0; i < 250; i++) await take(`p${i}`);
    const details = new SnapshotDetails();
    const seen: Array<[number, number]> = [];
    details.onProgress = (read, total) => seen.push([read, total]);
    const nodes = await details.nodes(domain);
    const total = nodes.length;
    expect(total).toBeGreaterThan(250);
    expect(seen[0]).toEqual([0, total]);
    expect(seen.at(-1)).toEqual([total, total]);
    expect(seen.slice(1, -1).every(([read], i) => read === (i + 1) * 32)).toBe(true);
  });
});
