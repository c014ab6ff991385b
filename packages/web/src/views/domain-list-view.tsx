// The domain list: every domain with its live state, each a link to its page.
import type { Connection } from '@virtwire/client';
import { domainRows, stateName } from '../data/queries.js';
import type { LiveSource } from '../data/live-source.js';
import { DOMAIN_LIST } from '../data/interests.js';
import { useLive } from '../data/use-live.js';
import { ErrorView } from '../format/error-view.js';

export function DomainListView({ conn, source }: { conn: Connection; source: LiveSource }) {
  const list = useLive(source, () => domainRows(conn), [conn], DOMAIN_LIST);
  return (
    <section aria-labelledby="domains-heading">
      <h2 id="domains-heading">Domains</h2>
      <ErrorView error={list.error} />
      {list.data ? (
        <table class="domains">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((d) => (
              <tr key={d.uuid} data-domain={d.name}>
                <td>
                  <a href={`#/domain/${encodeURIComponent(d.name)}`}>{d.name}</a>
                </td>
                <td>{d.id === -1 ? '-' : d.id}</td>
                <td class={`state state-${d.state}`}>{stateName(d.state)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : list.loading ? (
        <p aria-busy="true">Loading…</p>
      ) : null}
    </section>
  );
}
