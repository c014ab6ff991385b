// Snapshot names as the qemu driver accepts them, and the QEMU tag an internal snapshot is stored under.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { checkSnapshotName as checkName } from '../common/object-names.js';

/** Longest internal snapshot tag QEMU and qemu-img handle here. */
const MAX_TAG_LENGTH = 128;

/** libvirt's qemuSnapshotCreateXMLValidateDef name checks, through the daemon's one name policy (VIR_ERR_XML_DETAIL, VIR_FROM_QEMU). */
export function checkSnapshotName(name: string): void {
  checkName(name, ErrorDomain.Qemu);
}

/**
 * The tag of internal snapshot `name` inside qcow2 images: the name itself, except that an
 * all-digit name (libvirt's default, the creation time) gets a `snap-` prefix, because QEMU also
 * matches numeric tags against snapshot ids.
 */
export function internalTag(name: string): string {
  const tag = /^\d+$/.test(name) ? `snap-${name}` : name;
  if (tag.length > MAX_TAG_LENGTH) {
    throw VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Qemu, `internal snapshot name '${name}' is longer than ${MAX_TAG_LENGTH} characters`);
  }
  return tag;
}
