// A domain's snapshots: the tree with the current snapshot marked, revert and delete on each, and the create form.
import { DomainSnapshot, ErrorDomain, VirError, type Connection, type Domain } from '@virtwire/client';
import { useMemo, useState } from 'preact/hooks';
import type { DomainDetail } from '../data/queries.js';
import { SnapshotDetails } from '../data/snapshot-details.js';
import { snapshotRows, snapshotTree, type SnapshotRow } from '../data/snapshot-tree.js';
import type { Changes, LiveSource } from '../data/live-source.js';
import { snapshotFailuresOf, snapshotTreeOf } from '../data/interests.js';
import { useLive } from '../data/use-live.js';
import { ErrorView } from '../format/error-view.js';
import { SnapshotActions } from './snapshot-actions.js';
import { SnapshotCreateForm } from './snapshot-create-form.js';

/** The last failed attempt among `changes` (virtwire's `failed` snapshot event), as the error the caller got: libvirt's number and words, the per-disk report. */
async function lastFailure(changes: Changes): Promise<{ snapshot: string | null; error: VirError } | undefined> {
  if (changes === 'all') return undefined;
  for (const change of [...changes].reverse()) {
    if (change.kind === 'snapshot' && change.action === 'failed' && change.error) {
      const { code, message, disks } = change.error;
      return { snapshot: change.snapshot, error: new VirError({ code, domain: ErrorDomain.DomainSnapshot, message, ...(disks ? { disks } : {}) }) };
    }
  }
  return undefined;
}

/** Deepest indentation drawn; deeper snapshots say their level instead. */
const MAX_INDENT = 24;

function Row({ row, domain, readOnly, onChanged }: { row: SnapshotRow; domain: Domain; readOnly: boolean; onChanged: () => void }) {
  const { node, depth } = row;
  const [open, setOpen] = useState(false);
  // Set through the CSSOM (not a style attribute), which the console's CSP allows.
  const indent = { paddingLeft: `${Math.min(depth, MAX_INDENT) * 1.1}rem` };
  return (
    <li data-snapshot={node.name} data-depth={depth} aria-current={node.current ? 'true' : undefined} class={depth ? 'child' : undefined} style={indent}>
      <div class={`snapshot${node.current ? ' current' : ''}`}>
        <span class="snapshot-name">{node.name}</span>
        {node.parent ? <span class="visually-hidden">, child of {node.parent}</span> : null}
        {depth > MAX_INDENT ? <span class="snapshot-level">level {depth + 1}</span> : null}
        {node.current ? (
          <span class="badge" title="the current snapshot">
            current
          </span>
        ) : null}
        <span class="snapshot-state">{node.state ?? ''}</span>
        {node.creationTime !== undefined ? (
          <time dateTime={new Date(node.creationTime * 1000).toISOString()}>{new Date(node.creationTime * 1000).toLocaleString()}</time>
        ) : null}
        {node.description ? <span class="snapshot-description">{node.description}</span> : null}
        {readOnly ? null : (
          <button type="button" aria-expanded={open} aria-label={`Actions for snapshot ${node.name}`} onClick={() => setOpen(!open)}>
            {open ? 'Close' : 'Revert / delete…'}
          </button>
        )}
      </div>
      {open && !readOnly ? <SnapshotActions snapshot={new DomainSnapshot(domain, node.name)} hasChildren={row.hasChildren} onChanged={onChanged} /> : null}
    </li>
  );
}

export function SnapshotsView({
  conn,
  source,
  domain,
  detail,
  onJobStarted,
}: {
  conn: Connection;
  source: LiveSource;
  domain: Domain;
  detail: DomainDetail;
  onJobStarted?: () => void;
}) {
  const details = useMemo(() => new SnapshotDetails(), [conn, detail.uuid]);
  const [progress, setProgress] = useState<[number, number]>();
  details.onProgress = (read, total) => setProgress(read < total ? [read, total] : undefined);
  const live = useLive(source, (changes) => details.nodes(domain, changes), [details, detail.name, detail.id], snapshotTreeOf(detail.uuid));
  // Failed attempts by anyone (vwsh, another browser, this form): the daemon's `failed` events; a polling console cannot know of them.
  const failure = useLive(source, lastFailure, [detail.uuid], snapshotFailuresOf(detail.uuid)).data;
  const changed = () => source.changed();
  const nodes = live.data;
  return (
    <section aria-labelledby="snapshots-heading">
      <h3 id="snapshots-heading">Snapshots{nodes ? ` (${nodes.length})` : ''}</h3>
      <ErrorView error={live.error} />
      {nodes ? (
        nodes.length ? (
          <ul class="snapshot-tree" aria-label="Snapshot tree">
            {snapshotRows(snapshotTree(nodes)).map((row) => (
              <Row key={row.node.name} row={row} domain={domain} readOnly={conn.readOnly} onChanged={changed} />
            ))}
          </ul>
        ) : (
          <p>No snapshots.</p>
        )
      ) : live.loading ? (
        <p aria-busy="true">Loading…</p>
      ) : null}
      {failure ? (
        <div class="failed-snapshot" data-testid="failed-snapshot">
          <ErrorView role="status" title={`Snapshot ${failure.snapshot ?? ''} failed`} error={failure.error} />
        </div>
      ) : null}
      {progress ? (
        <p role="status" class="progress">
          Reading snapshots: {progress[0]} of {progress[1]}… <progress max={progress[1]} value={progress[0]} aria-label="Snapshots read" />
        </p>
      ) : null}
      {conn.readOnly ? null : (
        <SnapshotCreateForm conn={conn} domain={domain} detail={detail} onCreated={changed} {...(onJobStarted ? { onStarted: onJobStarted } : {})} />
      )}
    </section>
  );
}
