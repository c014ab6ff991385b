// The host view: which driver and version the daemon runs, the node, and the capabilities the driver advertised (what it makes atomically).
import type { Connection } from '@virtwire/client';
import { hostFacts } from '../data/queries.js';
import type { LiveSource } from '../data/live-source.js';
import { HOST_FACTS } from '../data/interests.js';
import { useLive } from '../data/use-live.js';
import { ErrorView } from '../format/error-view.js';

export function HostView({ conn, source }: { conn: Connection; source: LiveSource }) {
  const host = useLive(source, () => hostFacts(conn), [conn], HOST_FACTS);
  const facts = host.data;
  return (
    <section aria-labelledby="host-heading">
      <h2 id="host-heading">Host</h2>
      <ErrorView error={host.error} />
      {facts ? (
        <>
          <dl class="facts">
            <dt>Connection</dt>
            <dd>{facts.uri}</dd>
            <dt>Hostname</dt>
            <dd>{facts.hostname}</dd>
            <dt>Driver</dt>
            <dd data-testid="driver">{facts.capabilities.driver}</dd>
            <dt>Hypervisor version</dt>
            <dd data-testid="version">{facts.version}</dd>
            <dt>CPUs</dt>
            <dd>
              {facts.node.cpus} × {facts.node.model}, {facts.node.mhz} MHz
            </dd>
            <dt>Memory</dt>
            <dd>{Math.round(facts.node.memoryKiB / 1024)} MiB</dd>
            <dt>Access</dt>
            <dd data-testid="access">{facts.readOnly ? 'read-only' : 'read-write'}</dd>
            <dt>Crash-consistent snapshots</dt>
            <dd>{facts.capabilities.crashConsistent ? 'yes' : 'no'}</dd>
          </dl>
          <table class="atomic-kinds">
            <caption>Snapshots the driver makes atomically (VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC)</caption>
            <thead>
              <tr>
                <th scope="col">Location</th>
                <th scope="col">Scope</th>
                <th scope="col">State</th>
                <th scope="col">Disks</th>
              </tr>
            </thead>
            <tbody>
              {facts.capabilities.atomic.length === 0 ? (
                <tr>
                  <td colSpan={4}>none</td>
                </tr>
              ) : (
                facts.capabilities.atomic.map((k) => (
                  <tr key={`${k.location}-${k.scope}-${k.state}`}>
                    <td>{k.location}</td>
                    <td>{k.scope}</td>
                    <td>{k.state}</td>
                    <td>{k.maxDisks === null ? 'any number' : `up to ${k.maxDisks}`}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
          <details>
            <summary>Methods the driver implements ({Object.keys(facts.capabilities.methods).length})</summary>
            <p class="methods">{Object.keys(facts.capabilities.methods).sort().join(', ')}</p>
          </details>
        </>
      ) : host.loading ? (
        <p aria-busy="true">Loading…</p>
      ) : null}
    </section>
  );
}
