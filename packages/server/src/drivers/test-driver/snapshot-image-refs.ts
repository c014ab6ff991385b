// Which images a domain's snapshots were taken on: counted, so "does any snapshot still need this image" is O(1).
import { DomainDefinition, type SnapshotDef } from '@virtwire/protocol/xml';

/**
 * Counts, per image path, the snapshots whose `<domain>` names it as a disk source: the image
 * holds (or is the base of) that snapshot's state. Images counted here are never deleted to clean
 * up after a revert or a delete, which closes libvirt's gap where deleting a snapshot could
 * remove the base image another snapshot still needs (libvirt issue 734).
 */
export class SnapshotImageRefs {
  private readonly counts = new Map<string, number>();

  /** True when some snapshot was taken on `path`. */
  has(path: string): boolean {
    return this.counts.has(path);
  }

  /** Counts the images of a snapshot that now has metadata. */
  add(def: SnapshotDef): void {
    for (const path of imagesOf(def)) this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
  }

  /** Uncounts the images of a snapshot whose metadata goes away (or is about to be replaced). */
  remove(def: SnapshotDef): void {
    for (const path of imagesOf(def)) {
      const left = (this.counts.get(path) ?? 0) - 1;
      if (left > 0) this.counts.set(path, left);
      else this.counts.delete(path);
    }
  }
}

function imagesOf(def: SnapshotDef): string[] {
  if (!def.domain) return [];
  const paths = new Set<string>();
  for (const disk of DomainDefinition.fromTree(def.domain).disks()) if (disk.source !== undefined) paths.add(disk.source);
  return [...paths];
}
