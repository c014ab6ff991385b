// Turns the flat snapshot list (parents before children) into a tree for display.
import type { SnapshotNode } from './queries.js';

/** A snapshot and its children. */
export interface SnapshotBranch {
  node: SnapshotNode;
  children: SnapshotBranch[];
}

/** Roots first, each with its children in list order; a snapshot whose parent is missing becomes a root. */
export function snapshotTree(nodes: readonly SnapshotNode[]): SnapshotBranch[] {
  const branches = new Map(nodes.map((node) => [node.name, { node, children: [] as SnapshotBranch[] }]));
  const roots: SnapshotBranch[] = [];
  for (const branch of branches.values()) {
    const parent = branch.node.parent !== undefined ? branches.get(branch.node.parent) : undefined;
    (parent ? parent.children : roots).push(branch);
  }
  return roots;
}

/** One row of the tree as drawn: the snapshot, how deep it is, and whether it has children. */
export interface SnapshotRow {
  node: SnapshotNode;
  depth: number;
  hasChildren: boolean;
}

/**
 * The tree in drawing order (each snapshot, then its subtree), walked without recursion: a chain of
 * thousands of snapshots (libvirt's usual linear history) is as deep as it is long.
 */
export function snapshotRows(roots: readonly SnapshotBranch[]): SnapshotRow[] {
  const rows: SnapshotRow[] = [];
  const stack: { branch: SnapshotBranch; depth: number }[] = [...roots].reverse().map((branch) => ({ branch, depth: 0 }));
  while (stack.length) {
    const { branch, depth } = stack.pop()!;
    rows.push({ node: branch.node, depth, hasChildren: branch.children.length > 0 });
    for (let i = branch.children.length - 1; i >= 0; i--) stack.push({ branch: branch.children[i]!, depth: depth + 1 });
  }
  return rows;
}
