// The one notification a client sends: cancel a call it made on this connection (vscode-jsonrpc's `$/cancelRequest`, a virtwire extension).
import { DomainJobOperation } from '../flags/domain-job-flags.js';
import type { MethodSpec } from './method-spec.js';

/**
 * The JSON-RPC method of the cancel notification (no `id`, no answer): `{"jsonrpc":"2.0",
 * "method":"$/cancelRequest","params":{"id":N}}`, as vscode-jsonrpc and the Language Server
 * Protocol name it. The call `N` of the same connection ends as the daemon can end it: a domain job
 * that can still stop is aborted as `virDomainAbortJob` would abort it (the call then fails with
 * VIR_ERR_OPERATION_ABORTED and nothing changed), a call still waiting for its domain's job is
 * refused the same way before it starts, and any other call simply runs to its answer.
 */
export const CANCEL_REQUEST_NOTIFICATION = '$/cancelRequest';

/** The params of {@link CANCEL_REQUEST_NOTIFICATION}: the id of the call to cancel. */
export interface CancelRequestParams {
  id: string | number;
}

/** The job operations a cancel can stop before their commit point: snapshot creation, revert and delete (as `virDomainAbortJob`). */
const ABORTABLE_OPERATIONS: ReadonlySet<number> = new Set([DomainJobOperation.Snapshot, DomainJobOperation.SnapshotRevert, DomainJobOperation.SnapshotDelete]);

/** Whether a call of this method runs a domain job that a cancel can abort (then its answer says whether it did). */
export function isAbortableCall(spec: MethodSpec): boolean {
  return spec.jobOperation !== undefined && ABORTABLE_OPERATIONS.has(spec.jobOperation);
}
