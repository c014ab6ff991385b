// Refuses an external snapshot whose new image is no local file or block device (libvirt's qemuSnapshotPrepareDiskExternal{Inactive,Active}).
import { ErrorNumber, VirError } from '@virtwire/protocol';
import { isLocalSnapshotDisk, type SnapshotDiskDef } from '@virtwire/protocol/xml';

/**
 * An external snapshot to a `network`, `nvme`, `vhostuser` or `vhostvdpa` target: libvirt refuses
 * every such target of a shut-off domain (VIR_ERR_INTERNAL_ERROR "external inactive snapshots are
 * not supported on '%s' disks", as qemuSnapshotPrepareDiskExternalInactive) and all but `network`
 * of a running one (qemuSnapshotPrepareDiskExternalActive). virtwire's drivers make overlays only
 * as local files, so a running domain's `network` target is refused too (VIR_ERR_CONFIG_UNSUPPORTED).
 */
export function checkSnapshotTargetType(disk: SnapshotDiskDef, active: boolean, errorDomain: number): void {
  if (disk.snapshot !== 'external' || isLocalSnapshotDisk(disk)) return;
  const type = disk.type!;
  if (active && type === 'network') {
    throw VirError.report(
      ErrorNumber.ConfigUnsupported,
      errorDomain,
      `external snapshots to 'network' disks are not supported by this driver (disk '${disk.name}')`,
    );
  }
  throw VirError.report(ErrorNumber.InternalError, errorDomain, `external ${active ? 'active' : 'inactive'} snapshots are not supported on '${type}' disks`);
}
