// The snapshot states libvirt's qemu driver refuses to redefine (qemuSnapshotCreateXMLValidateDef).
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import type { SnapshotDef } from '@virtwire/protocol/xml';

/**
 * qemuSnapshotCreateXMLValidateDef for a redefined snapshot: qemu never records `pmsuspended`
 * (VIR_ERR_OPERATION_UNSUPPORTED) nor `blocked` (VIR_ERR_INTERNAL_ERROR "Invalid domain state").
 */
export function checkRedefinedState(state: SnapshotDef['state']): void {
  if (state === 'pmsuspended') {
    throw VirError.report(ErrorNumber.OperationUnsupported, ErrorDomain.Qemu, "qemu doesn't support taking snapshots of PMSUSPENDED guests");
  }
  if (state === 'blocked') throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, `Invalid domain state ${state}`);
}
