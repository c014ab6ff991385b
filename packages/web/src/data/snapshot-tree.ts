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
