// A domain's running job (virDomainGetJobStats): what it is and for how long, and Cancel (virDomainAbortJob) where the connection may.
import { DomainJobOperation, DomainJobType, type Connection, type Domain, type Result } from '@virtwire/client';
import { useEffect, useState } from 'preact/hooks';
import { byteSize } from '../format/byte-size.js';
import { ErrorView } from '../format/error-view.js';

/** How often a running job is asked about while it runs, in ms (only then: no job, no calls). */
const JOB_POLL_MS = 1_000;

/** libvirt's words for `virDomainJobOperation`, as virsh domjobinfo prints them. */
function operationName(operation: unknown): string {
  switch (operation) {
    case DomainJobOperation.Start:
      return 'Start';
    case DomainJobOperation.Save:
      return 'Save';
    case DomainJobOperation.Restore:
      return 'Restore';
    case DomainJobOperation.Snapshot:
      return 'Snapshot';
    case DomainJobOperation.SnapshotRevert:
      return 'Snapshot revert';
    case DomainJobOperation.SnapshotDelete:
      return 'Snapshot delete';
    case DomainJobOperation.Dump:
      return 'Dump';
    case DomainJobOperation.Backup:
      return 'Backup';
    default:
      return 'Unknown';
  }
}

/**
 * The domain's running job, asked once when the page opens and whenever `check` changes (this page
 * started something), then every {@link JOB_POLL_MS} while a job runs: no job starts an event, and
 * no call is made while none runs. Cancel asks the driver to abort it; libvirt's refusal (a job that
 * cannot stop, or one past its commit point) is shown in its words.
 */
export function JobView({ conn, domain, check }: { conn: Connection; domain: Domain; check: number }) {
  const [job, setJob] = useState<Result<'DomainGetJobStats'>>();
  const [error, setError] = useState<unknown>();
  const [cancelling, setCancelling] = useState(false);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      try {
        const stats = await conn.call('DomainGetJobStats', { domain: domain.ref, flags: 0 });
        if (stopped) return;
        const running = stats.type !== DomainJobType.None;
        setJob(running ? stats : undefined);
        if (running) timer = setTimeout(() => void ask(), JOB_POLL_MS);
      } catch {
        if (!stopped) setJob(undefined);
      }
    };
    void ask();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [conn, domain.ref.uuid, check]);

  if (!job) return null;
  const cancel = async () => {
    setCancelling(true);
    setError(undefined);
    try {
      await conn.call('DomainAbortJob', { domain: domain.ref });
    } catch (e) {
      setError(e);
    } finally {
      setCancelling(false);
    }
  };
  const elapsedMs = typeof job.params.time_elapsed === 'number' ? job.params.time_elapsed : undefined;
  // data_processed/data_total only while the job's current QEMU job counts bytes (libvirt's VIR_DOMAIN_JOB_DATA_*)
  const processed = job.params.data_processed;
  const total = job.params.data_total;
  const data = typeof processed === 'number' && typeof total === 'number' ? { processed, total } : undefined;
  return (
    <section aria-labelledby="job-heading" class="job">
      <h3 id="job-heading">Running job</h3>
      <p role="status" data-testid="job">
        {operationName(job.params.operation)} job running
        {elapsedMs !== undefined ? ` for ${(elapsedMs / 1000).toFixed(0)} s` : ''}.{' '}
        {data ? (
          <>
            {`${byteSize(data.processed)} of ${byteSize(data.total)} done. `}
            <progress aria-label="Job progress" value={data.processed} max={Math.max(data.total, 1)} />
          </>
        ) : (
          <progress aria-label="Job progress (the driver reports no amount done)" />
        )}
      </p>
      {conn.readOnly ? null : (
        <button type="button" disabled={cancelling} onClick={() => void cancel()}>
          {cancelling ? 'Cancelling…' : 'Cancel job'}
        </button>
      )}
      <ErrorView error={error} title="The job was not cancelled" />
    </section>
  );
}
