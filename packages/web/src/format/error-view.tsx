// Shows an error in libvirt's words with its error number, and a failed snapshot's per-disk report.
import { ConnectionClosedError, VirError } from '@virtwire/client';

/** An error as the console shows it: `role="alert"` (or `status` for news that is not about the user's own action), libvirt's message, `error N`, and the per-disk report if any. */
export function ErrorView({ error, title, role = 'alert' }: { error: unknown; title?: string; role?: 'alert' | 'status' }) {
  if (error === undefined || error === null) return null;
  const vir = VirError.is(error) || ConnectionClosedError.isInstance(error) ? (error as VirError) : undefined;
  const message = vir?.message ?? (error instanceof Error ? error.message : String(error));
  return (
    <div class="error" role={role}>
      {title ? <strong>{title}: </strong> : null}
      <span class="error-message">{message}</span>
      {vir ? <span class="error-code"> (error {vir.code})</span> : null}
      {vir?.disks?.length ? (
        <table class="disk-report">
          <caption>What happened to each disk</caption>
          <thead>
            <tr>
              <th scope="col">Disk</th>
              <th scope="col">Outcome</th>
              <th scope="col">Source now</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {vir.disks.map((d) => (
              <tr key={d.disk}>
                <td>{d.disk}</td>
                <td>{d.outcome}</td>
                <td>{d.source ?? ''}</td>
                <td>{d.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
