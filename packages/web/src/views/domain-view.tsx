// The domain page: state and lifecycle actions (start, shutdown, destroy, suspend, resume), disks, definition, and its snapshots.
import { Domain, DomainState, type Connection } from '@virtwire/client';
import { useState } from 'preact/hooks';
import { domainDetail, stateName, type DomainDetail } from '../data/queries.js';
import type { LiveSource } from '../data/live-source.js';
import { domainPage } from '../data/interests.js';
import { useLive } from '../data/use-live.js';
import { JobView } from './job-view.js';
import { SerialConsoleView } from './serial-console-view.js';
import { GraphicsConsoleView } from './graphics-console-view.js';
import { ErrorView } from '../format/error-view.js';
import { ActionButton } from './action-button.js';
import { SnapshotsView } from './snapshots-view.js';

/** The lifecycle actions that make sense in `state` (libvirt refuses the others with error 55). */
function lifecycleActions(detail: DomainDetail, domain: Domain): { name: string; run: () => Promise<void> }[] {
  const { state } = detail;
  const actions: { name: string; run: () => Promise<void> }[] = [];
  const active = state !== DomainState.Shutoff && state !== DomainState.NoState && state !== DomainState.Crashed;
  if (!active) actions.push({ name: 'Start', run: () => domain.create() });
  if (state === DomainState.Running || state === DomainState.Blocked)
    actions.push({ name: 'Shutdown', run: () => domain.shutdown() }, { name: 'Suspend', run: () => domain.suspend() });
  if (state === DomainState.Paused || state === DomainState.PmSuspended) actions.push({ name: 'Resume', run: () => domain.resume() });
  if (active) actions.push({ name: 'Destroy', run: () => domain.destroy() });
  return actions;
}

export function DomainView({ conn, source, name }: { conn: Connection; source: LiveSource; name: string }) {
  const live = useLive(source, () => domainDetail(conn, name), [conn, name], domainPage(name));
  const [jobCheck, setJobCheck] = useState(0);
  const detail = live.data;
  const domain = detail ? new Domain(conn, { name: detail.name, uuid: detail.uuid, id: detail.id }) : undefined;
  return (
    <section aria-labelledby="domain-heading">
      <p>
        <a href="#/">← All domains</a>
      </p>
      <h2 id="domain-heading">Domain {name}</h2>
      <ErrorView error={live.error} />
      {detail && domain ? (
        <>
          <dl class="facts">
            <dt>State</dt>
            <dd data-testid="domain-state">{stateName(detail.state)}</dd>
            <dt>Id</dt>
            <dd>{detail.id === -1 ? '-' : detail.id}</dd>
            <dt>UUID</dt>
            <dd>{detail.uuid}</dd>
            <dt>Persistent</dt>
            <dd>{detail.persistent ? 'yes' : 'no'}</dd>
          </dl>
          {conn.readOnly ? null : (
            <div class="actions" role="group" aria-label="Domain actions">
              {lifecycleActions(detail, domain).map((a) => (
                <ActionButton key={a.name} action={a.run} onDone={() => source.changed()}>
                  {a.name}
                </ActionButton>
              ))}
            </div>
          )}
          <JobView conn={conn} domain={domain} check={jobCheck} />
          {detail.id !== -1 ? <SerialConsoleView key={`${detail.uuid}/${detail.id}`} conn={conn} domain={domain} /> : null}
          {detail.id !== -1 && detail.vnc !== undefined ? (
            <GraphicsConsoleView key={`${detail.uuid}/${detail.id}/vnc`} conn={conn} domain={domain} index={detail.vnc} />
          ) : null}
          <h3>Disks</h3>
          <table class="disks">
            <thead>
              <tr>
                <th scope="col">Target</th>
                <th scope="col">Device</th>
                <th scope="col">Source</th>
                <th scope="col">Format</th>
              </tr>
            </thead>
            <tbody>
              {detail.disks.map((d) => (
                <tr key={d.target}>
                  <td>{d.target}</td>
                  <td>
                    {d.device}
                    {d.readOnly ? ' (read-only)' : ''}
                  </td>
                  <td class="path">{d.source ?? '(empty)'}</td>
                  <td>{d.format ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <details>
            <summary>Definition (XML)</summary>
            <pre class="xml">{detail.xml}</pre>
          </details>
          <SnapshotsView conn={conn} source={source} domain={domain} detail={detail} onJobStarted={() => setJobCheck((n) => n + 1)} />
        </>
      ) : live.loading ? (
        <p aria-busy="true">Loading…</p>
      ) : null}
    </section>
  );
}
