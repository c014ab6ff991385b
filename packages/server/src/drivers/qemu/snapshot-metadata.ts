// Snapshot metadata files: the tree rebuilt from them, and changes of state files only (metadata, definitions) written under an intent.
import type { SnapshotNode } from '../../conf/snapshot-tree.js';
import { completeForward } from './forward-intent.js';
import { runIntent } from './intent-runner.js';
import type { QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import { nvramCopyRemovals } from './snapshot-nvram.js';
import type { JournaledCall } from '../../state/intent-journal.js';
import { formatSnapshotFile, type StoredSnapshot } from './state-layout.js';
import type { FileChange, StateChange } from './state-change.js';

/** The file change that stores `node` as it is now (with `<active>` if it is current). */
export function snapshotFileChange(host: QemuHost, domain: QemuDomain, node: SnapshotNode): FileChange {
  return { path: host.services.layout.snapshotFile(domain.name, node.def.name), content: formatSnapshotFile(node.def, domain.snapshots.current === node) };
}

/**
 * Writes metadata-only changes (REDEFINE, METADATA_ONLY deletes): the files of `touched` rewritten,
 * those of `removed` deleted, as one journaled change so a crash never leaves half of them.
 */
export async function persistMetadata(
  host: QemuHost,
  domain: QemuDomain,
  touched: readonly SnapshotNode[],
  removed: readonly string[],
  request?: JournaledCall,
): Promise<void> {
  const { layout } = host.services;
  const metadata: FileChange[] = [
    ...removed.map((name) => ({ path: layout.snapshotFile(domain.name, name), content: null, pruneDirectory: true })),
    ...nvramCopyRemovals(layout, domain.name, removed),
    ...touched.map((node) => snapshotFileChange(host, domain, node)),
  ];
  await changeStateFiles(host, domain, { metadata, definitions: [] }, request);
}

/**
 * Writes a change of state files only (no disk, no QEMU: define, undefine, metadata) under an
 * intent committed from the start, so a crash between the file writes is completed at start-up.
 */
export async function changeStateFiles(host: QemuHost, domain: QemuDomain, change: StateChange, request?: JournaledCall): Promise<void> {
  const payload = {
    kind: 'state-files' as const,
    snapshotName: '',
    stopFirst: false,
    startPaused: false,
    steps: [],
    cleanup: [],
    files: { planned: [], reserved: [] },
    endState: 'unchanged' as const,
    change,
  };
  await runIntent(host, domain, payload, (intent) => completeForward(host, domain, intent, { onStateApplied: () => undefined }), {
    phase: 'committed',
    request,
  });
}

/** Rebuilds a domain's snapshot tree from stored snapshots: parents before children, the one marked active current. */
export function buildSnapshotTree(domain: QemuDomain, stored: readonly StoredSnapshot[]): void {
  for (const node of [...domain.snapshots.all()]) domain.snapshots.remove(node);
  const byName = new Map(stored.map((s) => [s.def.name, s]));
  const added = new Set<string>();
  const add = (snapshot: StoredSnapshot): void => {
    const chain: StoredSnapshot[] = [];
    for (
      let at: StoredSnapshot | undefined = snapshot;
      at && !added.has(at.def.name) && !chain.includes(at);
      at = at.def.parent ? byName.get(at.def.parent) : undefined
    ) {
      chain.push(at);
    }
    for (const item of chain.reverse()) {
      const parent = item.def.parent !== undefined && added.has(item.def.parent) ? item.def.parent : undefined;
      const node = domain.snapshots.add(item.def, parent);
      added.add(item.def.name);
      if (item.current) domain.snapshots.current = node;
    }
  };
  for (const snapshot of stored) add(snapshot);
}

/** Re-reads a domain's snapshot files (after a failed metadata write, memory follows the disk again). */
export function reloadSnapshots(host: QemuHost, domain: QemuDomain): void {
  buildSnapshotTree(domain, host.services.layout.loadSnapshots(domain.name));
}
