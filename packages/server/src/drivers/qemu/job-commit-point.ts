// The commit point of a qemu snapshot revert or delete: virDomainAbortJob is honoured up to here, refused after.
import type { JobControl } from '../../jobs/job-control.js';
import type { QemuHost } from './qemu-host.js';

/**
 * Reaches the commit point of a change (libvirt's abortable async job, cf. `qemuDomainAbortJob`):
 * the pause point `<operation>.before-commit` (tests hold the job there; it stops waiting once an
 * abort is asked for), then an abort asked for so far is honoured (VIR_ERR_OPERATION_ABORTED is
 * thrown and the caller's intent is rolled back), then the job commits and later aborts are refused.
 */
export async function reachCommitPoint(host: QemuHost, operation: string, job: JobControl | undefined): Promise<void> {
  const pause = host.services.failpoints.reachOrPause(`${operation}.before-commit`);
  await (job ? Promise.race([pause, job.abortRequested]) : pause);
  job?.checkpoint();
  job?.commit();
}
