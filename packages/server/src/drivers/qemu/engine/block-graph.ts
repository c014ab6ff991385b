// Reads a running guest's disks and block node graph over QMP (query-block, and the nodes' names).
import { PreconditionError, QmpError } from './errors.js';
import type { QmpClient } from './qmp-client.js';
import type { BlockJobInfo, BlockNodeInfo, ImageSnapshotInfo, QmpImageInfo, QueryBlockEntry } from './qmp-types.js';

/** A disk as QEMU currently sees it. */
export interface LiveDisk {
  /** Device id, which the engine sets to the disk target ("vda"). */
  target: string;
  /** Node name of the active (top) layer: this changes when an external snapshot is taken. */
  activeNode: string;
  /** QEMU's filename of the active layer (a plain path for file-backed nodes). */
  file: string;
  /** Format driver of the active layer ("qcow2", "raw"). */
  format: string;
  readOnly: boolean;
  virtualSize: number;
  /** Filenames of the whole chain, active layer first. */
  chainFiles: string[];
  /** Internal snapshots of the active layer. */
  snapshots: ImageSnapshotInfo[];
}

/** Which node is active for each disk, plus the set of all named nodes: compare before/after to prove "nothing changed". */
export interface BlockGraphFingerprint {
  activeNodes: Record<string, string>;
  nodeNames: string[];
}

/**
 * The device id inside a qdev path: virtio devices report "/machine/peripheral/vda/virtio-backend"
 * (→ "vda"), IDE/SATA devices report their bare id ("hdc").
 */
export function targetFromQdev(qdev: string | undefined): string | undefined {
  const match = /^\/machine\/peripheral\/([^/]+)/.exec(qdev ?? '');
  if (match) return match[1];
  return qdev !== undefined && /^[a-z][a-z0-9]{0,11}$/.test(qdev) ? qdev : undefined;
}

/** Reads every disk that has a medium, keyed by target. */
export async function readLiveDisks(qmp: QmpClient): Promise<Map<string, LiveDisk>> {
  const entries = await qmp.execute<QueryBlockEntry[]>('query-block');
  const disks = new Map<string, LiveDisk>();
  for (const entry of entries) {
    const target = targetFromQdev(entry.qdev) ?? (entry.device || undefined);
    if (!target || !entry.inserted) continue;
    disks.set(target, toLiveDisk(target, entry.inserted));
  }
  return disks;
}

/** Reads the disks named in `targets`; throws PreconditionError for an unknown target. */
export async function readRequestedDisks(qmp: QmpClient, targets: readonly string[]): Promise<LiveDisk[]> {
  const disks = await readLiveDisks(qmp);
  return targets.map((target) => {
    const disk = disks.get(target);
    if (!disk) throw new PreconditionError('no-such-disk', `guest has no disk ${target}`);
    return disk;
  });
}

/** All block nodes (flat list) with their image details: QEMU queries every image of every chain for it. */
export function readNamedNodes(qmp: QmpClient): Promise<BlockNodeInfo[]> {
  return qmp.execute<BlockNodeInfo[]>('query-named-block-nodes', { flat: true });
}

/** One node of `x-debug-query-block-graph`: a block driver node (named), a device's backend, or a job. */
interface GraphNode {
  name: string;
  type: 'block-driver' | 'block-backend' | 'block-job';
}

/** QMP clients whose QEMU has no `x-debug-query-block-graph` (it is an unstable command): they use the stable query. */
const withoutGraphQuery = new WeakSet<QmpClient>();

/**
 * The name of every block driver node. QEMU's graph query lists them without computing each image's
 * details, which `query-named-block-nodes` does for every layer of every chain (16 disks with 20
 * layers each: 4-6 ms against 27-33 ms in QEMU 7.2); a QEMU without it (the command is marked
 * unstable) is asked the stable way, the same names.
 */
export async function readNodeNames(qmp: QmpClient): Promise<string[]> {
  if (!withoutGraphQuery.has(qmp)) {
    try {
      const graph = await qmp.execute<{ nodes: GraphNode[] }>('x-debug-query-block-graph');
      return graph.nodes.filter((node) => node.type === 'block-driver').map((node) => node.name);
    } catch (error) {
      if (!(error instanceof QmpError && error.class === 'CommandNotFound')) throw error;
      withoutGraphQuery.add(qmp);
    }
  }
  return (await readNamedNodes(qmp)).map((node) => node['node-name']);
}

/** Disks and every node's name, read together (two pipelined queries). */
export interface BlockGraph {
  disks: Map<string, LiveDisk>;
  fingerprint: BlockGraphFingerprint;
}

/** Reads the disks and every named node at once. */
export async function readBlockGraph(qmp: QmpClient): Promise<BlockGraph> {
  const [disks, nodeNames] = await Promise.all([readLiveDisks(qmp), readNodeNames(qmp)]);
  return { disks, fingerprint: fingerprintOf(disks, nodeNames) };
}

/** Current fingerprint of the block graph. */
export async function readBlockGraphFingerprint(qmp: QmpClient): Promise<BlockGraphFingerprint> {
  return (await readBlockGraph(qmp)).fingerprint;
}

/** The fingerprint of a graph with `disks` and the nodes named `nodeNames`. */
export function fingerprintOf(disks: ReadonlyMap<string, LiveDisk>, nodeNames: readonly string[]): BlockGraphFingerprint {
  const activeNodes: Record<string, string> = {};
  for (const [target, disk] of disks) activeNodes[target] = disk.activeNode;
  return { activeNodes, nodeNames: nodeNames.filter((n) => n.length > 0).sort() };
}

/** Describes how `after` differs from `before`; empty when the graph is unchanged. */
export function describeGraphChanges(before: BlockGraphFingerprint, after: BlockGraphFingerprint): string[] {
  const changes: string[] = [];
  for (const [target, node] of Object.entries(before.activeNodes)) {
    if (after.activeNodes[target] !== node) changes.push(`disk ${target}: active node ${node} became ${after.activeNodes[target] ?? '(none)'}`);
  }
  const beforeNames = new Set(before.nodeNames);
  const afterNames = new Set(after.nodeNames);
  for (const name of afterNames) if (!beforeNames.has(name)) changes.push(`node ${name} was added`);
  for (const name of beforeNames) if (!afterNames.has(name)) changes.push(`node ${name} was removed`);
  return changes;
}

/** Throws if any block job (commit, mirror, stream) runs: snapshots must not race with them. */
export async function assertNoBlockJobs(qmp: QmpClient): Promise<void> {
  const jobs = await qmp.execute<BlockJobInfo[]>('query-block-jobs');
  if (jobs.length > 0) {
    throw new PreconditionError('block-job-running', `block jobs are running: ${jobs.map((j) => `${j.type} on ${j.device}`).join(', ')}`);
  }
}

function toLiveDisk(target: string, inserted: BlockNodeInfo): LiveDisk {
  return {
    target,
    activeNode: inserted['node-name'],
    file: inserted.file,
    format: inserted.drv,
    readOnly: inserted.ro,
    virtualSize: inserted.image['virtual-size'],
    chainFiles: chainFilenames(inserted.image),
    snapshots: inserted.image.snapshots ?? [],
  };
}

function chainFilenames(image: QmpImageInfo): string[] {
  const files: string[] = [];
  for (let layer: QmpImageInfo | undefined = image; layer; layer = layer['backing-image']) files.push(layer.filename);
  return files;
}
