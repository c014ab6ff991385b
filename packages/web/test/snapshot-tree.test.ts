// The snapshot tree as drawn: drawing order, depth, orphans as roots, and a chain far deeper than any call stack.
import { describe, expect, it } from 'vitest';
import type { SnapshotNode } from '../src/data/queries.js';
import { snapshotRows, snapshotTree } from '../src/data/snapshot-tree.js';

const node = (name: string, parent?: string): SnapshotNode => ({ name, ...(parent ? { parent } : {}), diskOnly: false, current: false });

describe('snapshotRows', () => {
  it('draws each snapshot before its subtree, children in list order, with their depth', () => {
    const rows = snapshotRows(snapshotTree([node('a'), node('b', 'a'), node('c', 'b'), node('d', 'a'), node('e'), node('f', 'gone')]));
    expect(rows.map((r) => [r.node.name, r.depth, r.hasChildren])).toEqual([
      ['a', 0, true],
      ['b', 1, true],
      ['c', 2, false],
      ['d', 1, false],
      ['e', 0, false],
      ['f', 0, false],
    ]);
  });

  it('walks a chain of 200,000 snapshots without recursion', () => {
    const chain = Array.from({ length: 200_000 }, (_, i) => node(`s${i}`, i ? `s${i - 1}` : undefined));
    const rows = snapshotRows(snapshotTree(chain));
    expect(rows.length).toBe(200_000);
    expect(rows.at(-1)).toMatchObject({ depth: 199_999, hasChildren: false });
  });
});
