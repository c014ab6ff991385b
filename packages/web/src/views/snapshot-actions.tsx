// Revert to a snapshot (with the FORCE retry libvirt may demand, explained) and delete it (children, children only, metadata only).
import { DomainSnapshotDeleteFlags as Delete, DomainSnapshotRevertFlags as Revert, ErrorNumber, VirError, type DomainSnapshot } from '@virtwire/client';
import { useState } from 'preact/hooks';
import { ErrorView } from '../format/error-view.js';

type AfterRevert = 'as-snapshot' | 'running' | 'paused';
type DeleteScope = 'this' | 'children' | 'children-only';

export function SnapshotActions({ snapshot, hasChildren, onChanged }: { snapshot: DomainSnapshot; hasChildren: boolean; onChanged: () => void }) {
  const id = `snap-${snapshot.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const [after, setAfter] = useState<AfterRevert>('as-snapshot');
  const [scope, setScope] = useState<DeleteScope>('this');
  const [metadataOnly, setMetadataOnly] = useState(false);
  const [error, setError] = useState<unknown>();
  const [risky, setRisky] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');

  /** `forced`: a FORCE retry, after which FORCE is not offered again (libvirt refuses some reverts even forced). */
  const run = async (what: () => Promise<void>, success: string, forced = false) => {
    setBusy(true);
    setError(undefined);
    setDone('');
    try {
      await what();
      setDone(success);
      setRisky(false);
    } catch (e) {
      setError(e);
      setRisky(!forced && VirError.is(e) && e.code === ErrorNumber.SnapshotRevertRisky);
    } finally {
      setBusy(false);
      onChanged();
    }
  };
  const revertFlags = (force: boolean) => (after === 'running' ? Revert.Running : after === 'paused' ? Revert.Paused : 0) | (force ? Revert.Force : 0);
  const deleteFlags = () =>
    (scope === 'children' ? Delete.Children : scope === 'children-only' ? Delete.ChildrenOnly : 0) | (metadataOnly ? Delete.MetadataOnly : 0);

  return (
    <div class="snapshot-actions" role="group" aria-label={`Snapshot ${snapshot.name}`}>
      <fieldset>
        <legend>Revert</legend>
        <label for={`${id}-after`}>Afterwards the domain is</label>
        <select id={`${id}-after`} value={after} onChange={(e) => setAfter(e.currentTarget.value as AfterRevert)}>
          <option value="as-snapshot">as in the snapshot</option>
          <option value="running">running</option>
          <option value="paused">paused</option>
        </select>
        <button type="button" disabled={busy} onClick={() => run(() => snapshot.revert(revertFlags(false)), `Reverted to ${snapshot.name}.`)}>
          Revert to {snapshot.name}
        </button>
        {risky ? (
          <p class="risky" role="note">
            libvirt refuses this revert unless forced (VIR_DOMAIN_SNAPSHOT_REVERT_FORCE): the guest must be restarted from the snapshot, or the snapshot's
            definition is not compatible with the running domain, so anything running in the guest now is lost.{' '}
            <button type="button" disabled={busy} onClick={() => run(() => snapshot.revert(revertFlags(true)), `Reverted to ${snapshot.name} (forced).`, true)}>
              Revert with FORCE
            </button>
          </p>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Delete</legend>
        <label>
          <input type="radio" name={`${id}-scope`} checked={scope === 'this'} onChange={() => setScope('this')} /> this snapshot
          {hasChildren ? ' (its children move to its parent)' : ''}
        </label>
        <label>
          <input type="radio" name={`${id}-scope`} checked={scope === 'children'} onChange={() => setScope('children')} /> with its children
        </label>
        <label>
          <input type="radio" name={`${id}-scope`} checked={scope === 'children-only'} onChange={() => setScope('children-only')} /> its children only
        </label>
        <label>
          <input type="checkbox" checked={metadataOnly} onChange={(e) => setMetadataOnly(e.currentTarget.checked)} /> metadata only (keep the disk images)
        </label>
        <button type="button" class="danger" disabled={busy} onClick={() => run(() => snapshot.delete(deleteFlags()), `Deleted.`)}>
          Delete
        </button>
      </fieldset>
      <ErrorView error={error} />
      {done ? (
        <p role="status" class="done">
          {done}
        </p>
      ) : null}
    </div>
  );
}
