// A domain's snapshot tree (libvirt's virDomainMomentObjList): O(1) lookup, parent, children and current.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import type { SnapshotDef } from '@virtwire/protocol/xml';

/** One snapshot in the tree, with links to its parent and children. */
export interface SnapshotNode {
  def: SnapshotDef & { name: string };
  parent: SnapshotNode | null;
  /** Children in creation order. */
  readonly children: Set<SnapshotNode>;
}

/** What happened to the tree's snapshots while a recording ran, in order: for snapshot events, without walking the tree. */
export interface SnapshotRecording {
  readonly changes: Array<{ readonly kind: 'added' | 'removed' | 'replaced'; readonly name: string }>;
  /** Ends the recording. */
  stop(): void;
}

/** The snapshots of one domain. Creating, looking up and re-linking do not grow with the tree's size. */
export class SnapshotTree {
  private readonly byName = new Map<string, SnapshotNode>();
  private readonly recordings = new Set<SnapshotRecording>();
  private readonly roots = new Set<SnapshotNode>();
  private currentNode: SnapshotNode | null = null;

  get size(): number {
    return this.byName.size;
  }

  get current(): SnapshotNode | null {
    return this.currentNode;
  }

  set current(node: SnapshotNode | null) {
    this.currentNode = node;
  }

  /** Starts recording additions, removals and replaced definitions (O(1) per change). */
  record(): SnapshotRecording {
    const recording: SnapshotRecording = { changes: [], stop: () => this.recordings.delete(recording) };
    this.recordings.add(recording);
    return recording;
  }

  /** Notes that `node`'s definition was replaced (REDEFINE of an existing snapshot). */
  replaced(node: SnapshotNode): void {
    this.note('replaced', node.def.name);
  }

  private note(kind: 'added' | 'removed' | 'replaced', name: string): void {
    for (const recording of this.recordings) recording.changes.push({ kind, name });
  }

  get(name: string): SnapshotNode | undefined {
    return this.byName.get(name);
  }

  /** Every snapshot, in creation order. */
  all(): IterableIterator<SnapshotNode> {
    return this.byName.values();
  }

  rootNodes(): IterableIterator<SnapshotNode> {
    return this.roots.values();
  }

  /**
   * Adds a snapshot under `parentName` (libvirt's virDomainMomentAssignDef): a duplicate name is
   * `operation failed: domain moment X already exists` (VIR_FROM_DOMAIN).
   */
  add(def: SnapshotDef & { name: string }, parentName: string | undefined): SnapshotNode {
    if (this.byName.has(def.name)) {
      throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain moment ${def.name} already exists`);
    }
    const node: SnapshotNode = { def, parent: null, children: new Set() };
    this.byName.set(def.name, node);
    this.link(node, parentName === undefined ? null : (this.byName.get(parentName) ?? null));
    this.note('added', def.name);
    return node;
  }

  /** Moves `node` under `parent` (null: make it a root). */
  link(node: SnapshotNode, parent: SnapshotNode | null): void {
    if (node.parent) node.parent.children.delete(node);
    else this.roots.delete(node);
    node.parent = parent;
    if (parent) parent.children.add(node);
    else this.roots.add(node);
    node.def.parent = parent?.def.name; // assigned, never deleted: definitions keep one object shape
  }

  get rootCount(): number {
    return this.roots.size;
  }

  /** Removes one snapshot; its children move to its parent, as libvirt re-parents them. O(children). */
  remove(node: SnapshotNode): void {
    for (const child of [...node.children]) this.link(child, node.parent);
    if (node.parent) node.parent.children.delete(node);
    else this.roots.delete(node);
    this.byName.delete(node.def.name);
    if (this.currentNode === node) this.currentNode = null;
    this.note('removed', node.def.name);
  }

  /** Every descendant of `node`, parents before children (iterative: no recursion depth limit). */
  *descendants(node: SnapshotNode): IterableIterator<SnapshotNode> {
    const stack: SnapshotNode[] = [...node.children].reverse();
    while (stack.length > 0) {
      const next = stack.pop()!;
      yield next;
      const children = [...next.children];
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }

  /**
   * Every snapshot, parents before children, in libvirt's order (virDomainMomentForEachDescendant):
   * depth first, the newest root and the newest child first, as libvirt links each new moment
   * ahead of its siblings.
   */
  *topological(): IterableIterator<SnapshotNode> {
    const stack: SnapshotNode[] = [...this.roots];
    while (stack.length > 0) {
      const next = stack.pop()!;
      yield next;
      stack.push(...next.children);
    }
  }

  /** True when `candidate` is `node` or one of its ancestors. O(depth of `node`). */
  isAncestorOrSelf(candidate: SnapshotNode, node: SnapshotNode): boolean {
    for (let at: SnapshotNode | null = node; at; at = at.parent) if (at === candidate) return true;
    return false;
  }
}
