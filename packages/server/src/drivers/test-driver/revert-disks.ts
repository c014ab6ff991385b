// What a revert does to the disks: fresh overlays for external snapshots, checks for internal ones, cleanup after.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { isExternalSnapshot, type DomainDefinition, type SnapshotDef, type SnapshotDiskDef } from '@virtwire/protocol/xml';
import type { SnapshotNode } from '../../conf/snapshot-tree.js';
import { OVERLAY_SIZE, StorageError, type SimulatedStorage } from './simulated-storage.js';

/** The disks a revert has prepared: the new disk list of an external revert, and how to undo it. */
export interface PreparedRevertDisks {
  /** For an external revert, one entry per domain disk: the fresh overlay, or `no` for an empty drive. */
  overlays: SnapshotDiskDef[] | undefined;
  /** Removes every overlay created (before the commit point only). */
  undo(): void;
}

const configError = (detail: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.DomainSnapshot, detail);

/**
 * A free name for a revert overlay, libvirt's `<source without suffix>.<creation time>`. libvirt
 * fails when two reverts land in the same second; virtwire appends `-1`, `-2`, ... instead.
 */
function overlayPath(storage: SimulatedStorage, source: string, stamp: number, taken: ReadonlySet<string>): string {
  const lastSlash = source.lastIndexOf('/');
  const lastDot = source.lastIndexOf('.');
  const stem = lastDot > lastSlash ? source.slice(0, lastDot) : source;
  let path = `${stem}.${stamp}`;
  for (let n = 1; storage.exists(path) || taken.has(path); n++) path = `${stem}.${stamp}-${n}`;
  return path;
}

/**
 * Checks and prepares the disks for reverting to `def`: `recorded` is the snapshot's `<domain>`,
 * `next` the definition the domain will use (libvirt's qemuSnapshotRevertExternalPrepare /
 * qemuSnapshotInternalRevertInactive):
 * - external snapshot (libvirt >= 9.9): every non-empty disk gets a fresh qcow2 overlay on the
 *   image it used at snapshot time, all created before anything else changes, undone on failure;
 *   a guest restored with its memory needs the memory image (`restoresMemory`);
 * - internal snapshot: every internal disk's image must still hold the snapshot.
 */
export function prepareRevertDisks(
  def: SnapshotDef & { name: string },
  definitions: { recorded: DomainDefinition; next: DomainDefinition },
  storage: SimulatedStorage,
  stamp: number,
  restoresMemory: boolean,
): PreparedRevertDisks {
  if (!isExternalSnapshot(def)) {
    const sources = new Map(definitions.recorded.disks().map((d) => [d.target, d.source]));
    for (const disk of def.disks) {
      if (disk.snapshot !== 'internal') continue;
      const image = sources.get(disk.name);
      if (image !== undefined && storage.get(image)?.internalSnapshots.has(def.name)) continue;
      throw VirError.report(
        ErrorNumber.OperationFailed,
        ErrorDomain.Test,
        `failed to revert disk '${disk.name}' to internal snapshot '${def.name}': image '${image ?? ''}' does not hold it`,
      );
    }
    return { overlays: undefined, undo: () => undefined };
  }

  const config = definitions.next;
  const planned: SnapshotDiskDef[] = [];
  const taken = new Set<string>();
  for (const disk of config.disks()) {
    if (disk.source === undefined) {
      planned.push({ name: disk.target, snapshot: 'no' });
      continue;
    }
    if (!storage.isRegularFile(disk.source)) {
      throw configError(`source for disk '${disk.target}' is not a regular file; refusing to generate external snapshot name`);
    }
    const path = overlayPath(storage, disk.source, stamp, taken);
    taken.add(path);
    planned.push({ name: disk.target, snapshot: 'external', type: 'file', driverType: 'qcow2', source: path });
  }

  const memoryFile = def.memory?.snapshot === 'external' ? def.memory.file : undefined;
  if (restoresMemory && memoryFile !== undefined && !storage.exists(memoryFile)) {
    throw VirError.report(ErrorNumber.SystemError, ErrorDomain.Test, `Failed to open domain image file '${memoryFile}': No such file or directory`);
  }

  const created: string[] = [];
  const undo = () => created.reverse().forEach((path) => storage.remove(path));
  const bases = new Map(config.disks().map((d) => [d.target, d.source]));
  for (const disk of planned) {
    if (disk.snapshot !== 'external') continue;
    try {
      storage.create(disk.source!, OVERLAY_SIZE, 'qcow2', bases.get(disk.name));
    } catch (error) {
      undo();
      if (error instanceof StorageError) {
        throw VirError.report(
          ErrorNumber.SystemError,
          ErrorDomain.Test,
          `unable to create overlay '${disk.source!}' for disk '${disk.name}': ${error.message}`,
        );
      }
      throw error;
    }
    created.push(disk.source!);
  }
  return { overlays: planned, undo };
}

/**
 * Points the disks of `definition` that got a revert overlay at it. With `bases` (for the
 * persistent definition), only disks on the same image as in the live definition move, as libvirt
 * updates a persistent disk only when it has the same source. Never fails: used after the commit point.
 */
export function switchToOverlays(definition: DomainDefinition, overlays: readonly SnapshotDiskDef[], bases?: ReadonlyMap<string, string | undefined>): void {
  const current = new Map(definition.disks().map((d) => [d.target, d.source]));
  for (const disk of overlays) {
    if (disk.snapshot !== 'external' || !current.has(disk.name)) continue;
    if (bases && bases.get(disk.name) !== current.get(disk.name)) continue;
    definition.setDiskSource(disk.name, disk.source!, 'qcow2');
  }
}

/**
 * The images libvirt discards after an external revert (qemuSnapshotRevertExternalFinish): the
 * overlays the current snapshot's disks (or its revert disks) name. Computed before the revert.
 */
export function revertLeftovers(current: SnapshotNode | null): string[] {
  if (!current) return [];
  const disks = current.def.revertDisks ?? current.def.disks;
  return disks.filter((d) => d.snapshot === 'external' && d.source !== undefined).map((d) => d.source!);
}

/**
 * Deletes the leftovers the domain no longer writes to. Unlike libvirt, an image is kept when
 * anything still needs it (an overlay on top, an internal snapshot inside, a snapshot taken on it,
 * or a disk using it), so a revert can never delete a snapshot's base image.
 */
export function discardLeftovers(
  leftovers: readonly string[],
  previousSources: ReadonlySet<string>,
  inUse: ReadonlySet<string>,
  snapshotImages: { has(path: string): boolean },
  storage: SimulatedStorage,
): void {
  for (const path of leftovers) {
    if (previousSources.has(path) && !inUse.has(path) && !snapshotImages.has(path) && storage.isUnneeded(path)) storage.remove(path);
  }
}
