// libvirt's virDomainSnapshotAlignDisks: match requested disks to the domain's, default their modes, name overlays.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { type DomainDisk, type SnapshotDiskDef, type DiskSnapshotMode } from '@virtwire/protocol/xml';

const unsupported = (detail: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.DomainSnapshot, detail);

/**
 * Refuses a snapshot that would cover more than `maxSnapshotDisks` disks once aligned: alignment
 * gives every disk of the domain an entry, so the domain's disk count is what is bounded, before
 * any per-disk work (VIR_ERR_XML_ERROR, as the bound on the disks a snapshot lists).
 */
export function checkAlignedDiskCount(domainDisks: number, maxSnapshotDisks: number, errorDomain: number): void {
  if (domainDisks > maxSnapshotDisks) {
    throw VirError.report(
      ErrorNumber.XmlError,
      errorDomain,
      `snapshot would cover the domain's ${domainDisks} disks; this daemon accepts at most ${maxSnapshotDisks}`,
    );
  }
}

/** What alignment needs to know about the host's storage. */
export interface AlignmentStorage {
  /** True when `path` exists and is a regular file (external names are only generated for those). */
  isRegularFile(path: string): boolean;
}

/** Alignment choices that differ between creating and redefining. */
export interface AlignmentOptions {
  /**
   * Accept an explicit `snapshot='no'` for an empty drive even when every disk must be internal.
   * Alignment itself writes that entry, so redefining a dumped snapshot must accept it back.
   */
  acceptNoForEmptyDrive?: boolean;
}

/**
 * Aligns the requested disks with the domain's disks, with libvirt's checks and messages:
 * one entry per domain disk, in domain order, each with a mode; external disks without a path
 * get `<path without suffix>.<snapshot name>`.
 */
export function alignSnapshotDisks(
  requested: readonly SnapshotDiskDef[],
  domainDisks: readonly DomainDisk[],
  defaultMode: 'internal' | 'external',
  snapshotName: string,
  storage: AlignmentStorage,
  options: AlignmentOptions = {},
): SnapshotDiskDef[] {
  if (requested.length > domainDisks.length) throw unsupported('too many disk snapshot requests for domain');
  const byIndex = new Map<number, SnapshotDiskDef>();
  for (const request of requested) {
    const index = findDomainDisk(domainDisks, request.name);
    if (index < 0) throw unsupported(`no disk named '${request.name}'`);
    if (byIndex.has(index)) throw unsupported(`disk '${request.name}' specified twice`);
    const disk = domainDisks[index]!;
    const aligned: SnapshotDiskDef = { ...request, name: disk.target };
    if (aligned.snapshot === undefined) {
      const own = disk.snapshot as DiskSnapshotMode | undefined;
      aligned.snapshot = own !== undefined && (defaultMode !== 'internal' || own === 'no') ? own : defaultMode;
    }
    const emptyDriveNo = options.acceptNoForEmptyDrive === true && aligned.snapshot === 'no' && disk.source === undefined;
    if (defaultMode === 'internal' && aligned.snapshot !== 'internal' && !(aligned.snapshot === 'no' && disk.snapshot === 'no') && !emptyDriveNo) {
      throw unsupported(`disk '${request.name}' must use snapshot mode 'internal'`);
    }
    if (aligned.source !== undefined && aligned.snapshot !== 'external') {
      throw unsupported(`file '${aligned.source}' for disk '${request.name}' requires use of external snapshot mode`);
    }
    byIndex.set(index, aligned);
  }

  const aligned = domainDisks.map((disk, index): SnapshotDiskDef => {
    const given = byIndex.get(index);
    if (given) return given;
    const mode = disk.source === undefined ? 'no' : ((disk.snapshot as DiskSnapshotMode | undefined) ?? defaultMode);
    return { name: disk.target, snapshot: mode };
  });
  assignExternalNames(aligned, domainDisks, snapshotName, storage);
  return aligned;
}

/** libvirt's virDomainDiskByName without ambiguity: a target name, or exactly one disk's source path. */
function findDomainDisk(disks: readonly DomainDisk[], name: string): number {
  if (!name.startsWith('/')) return disks.findIndex((d) => d.target === name);
  const matches = disks.flatMap((d, i) => (d.source === name ? [i] : []));
  return matches.length === 1 ? matches[0]! : -1;
}

/** libvirt's virDomainSnapshotDefAssignExternalNames. */
function assignExternalNames(aligned: SnapshotDiskDef[], domainDisks: readonly DomainDisk[], snapshotName: string, storage: AlignmentStorage): void {
  aligned.forEach((disk, index) => {
    if (disk.snapshot !== 'external' || disk.source !== undefined) return;
    const domainDisk = domainDisks[index]!;
    const type = disk.type ?? 'file';
    if (type !== 'file') throw unsupported(`cannot generate external snapshot name for disk '${disk.name}' on a '${type}' device`);
    if (domainDisk.source === undefined) throw unsupported(`cannot generate external snapshot name for disk '${disk.name}' without source`);
    if (!storage.isRegularFile(domainDisk.source)) {
      throw unsupported(`source for disk '${disk.name}' is not a regular file; refusing to generate external snapshot name`);
    }
    const original = domainDisk.source;
    const lastSlash = original.lastIndexOf('/');
    const lastDot = original.lastIndexOf('.');
    const stem = lastDot > lastSlash ? original.slice(0, lastDot) : original;
    disk.source = `${stem}.${snapshotName}`;
    const clash = aligned.findIndex((other, j) => j !== index && other.snapshot === 'external' && other.source === disk.source);
    if (clash >= 0) {
      throw unsupported(`cannot generate external snapshot name for disk '${disk.name}': collision with disk '${aligned[clash]!.name}'`);
    }
  });
}
