// virtwire's snapshot events, derived from what a call changed in a domain's snapshot tree: one rule for both drivers and every path.
import { DomainEventId, VirError, type SnapshotEventBody } from '@virtwire/protocol';
import { parseSnapshotXml } from '@virtwire/protocol/xml';
import type { SnapshotRecording, SnapshotTree } from '../../conf/snapshot-tree.js';

/** A call's view of a domain's snapshots: the current one when it began, and what changed since. */
export interface SnapshotView {
  readonly current: string | null;
  readonly recording: SnapshotRecording;
}

/** Starts watching `tree` for one call (O(1): the tree records its own changes). */
export function snapshotView(tree: SnapshotTree): SnapshotView {
  return { current: tree.current?.def.name ?? null, recording: tree.record() };
}

/**
 * Ends a {@link SnapshotView} and gives its snapshot events, in this order: `deleted` (each snapshot
 * gone, metadata-only deletes and deleted children included), `created` (each new snapshot, and
 * each whose definition was replaced: REDEFINE), `reverted` (when `reverted` names the snapshot a
 * revert reached), then `current-changed` when the current snapshot is another one (or none). A
 * snapshot added and removed within the call (an undone step) is neither.
 */
export function snapshotChanges(view: SnapshotView, tree: SnapshotTree, reverted?: string): SnapshotEventBody[] {
  view.recording.stop();
  const net = new Map<string, 'added' | 'replaced' | 'deleted'>();
  for (const { kind, name } of view.recording.changes) {
    const before = net.get(name);
    net.delete(name); // re-inserted: the order is that of each snapshot's last change
    if (kind === 'removed') {
      if (before !== 'added') net.set(name, 'deleted');
    } else {
      net.set(name, kind === 'added' && before === undefined ? 'added' : 'replaced');
    }
  }
  const events: SnapshotEventBody[] = [];
  const event = (action: SnapshotEventBody['action'], snapshot: string | null): SnapshotEventBody => ({ eventID: DomainEventId.Snapshot, action, snapshot });
  for (const [name, what] of net) if (what === 'deleted') events.push(event('deleted', name));
  for (const [name, what] of net) if (what !== 'deleted') events.push(event('created', name));
  if (reverted !== undefined) events.push(event('reverted', reverted));
  const current = tree.current?.def.name ?? null;
  if (view.current !== current) events.push(event('current-changed', current));
  return events;
}

/**
 * The `failed` event of a snapshot call whose error carries a per-disk report (it reached the disks,
 * and what each disk now is is known); null for refusals and failures before any disk was touched.
 * The error's number and message only: no secure data travels in events. `snapshot` gives the
 * snapshot's name; it is asked only for a failure that has an event (a create's name comes from
 * parsing its XML, which a successful create need not do twice).
 */
export function snapshotFailure(error: unknown, snapshot: () => string | null): SnapshotEventBody | null {
  if (!VirError.is(error) || error.disks === undefined || error.disks.length === 0) return null;
  return {
    eventID: DomainEventId.Snapshot,
    action: 'failed',
    snapshot: snapshot(),
    error: { code: error.code, message: error.message, disks: error.disks.map((d) => ({ ...d })) },
  };
}

/** The name a snapshot create asks for, when its XML gives one (its `failed` event names it). */
export function requestedName(xml: string): string | null {
  try {
    return parseSnapshotXml(xml).name ?? null;
  } catch {
    return null;
  }
}
