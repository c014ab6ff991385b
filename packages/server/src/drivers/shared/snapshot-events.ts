// virtwire's snapshot events, derived from what a call changed in a domain's snapshot tree: one rule for both drivers and every path.
import { DomainEventId, VirError, type SnapshotEventBody } from '@virtwire/protocol';
import { parseSnapshotXml } from '@virtwire/protocol/xml';
import type { SnapshotTree } from '../../conf/snapshot-tree.js';

/** A domain's snapshot metadata at one moment: each snapshot's definition object, and the current one. */
export interface SnapshotView {
  readonly defs: ReadonlyMap<string, object>;
  readonly current: string | null;
}

/** Takes a {@link SnapshotView} of `tree` (O(snapshots); called before and after each snapshot-changing call). */
export function snapshotView(tree: SnapshotTree): SnapshotView {
  const defs = new Map<string, object>();
  for (const node of tree.all()) defs.set(node.def.name, node.def);
  return { defs, current: tree.current?.def.name ?? null };
}

/**
 * The snapshot events between two views, in this order: `deleted` (each snapshot gone, metadata-only
 * deletes and deleted children included), `created` (each new snapshot, and each whose definition
 * was replaced: REDEFINE), `reverted` (when `reverted` names the snapshot a revert reached), then
 * `current-changed` when the current snapshot is another one (or none).
 */
export function snapshotChanges(before: SnapshotView, after: SnapshotView, reverted?: string): SnapshotEventBody[] {
  const events: SnapshotEventBody[] = [];
  const event = (action: SnapshotEventBody['action'], snapshot: string | null): SnapshotEventBody => ({ eventID: DomainEventId.Snapshot, action, snapshot });
  for (const name of before.defs.keys()) if (!after.defs.has(name)) events.push(event('deleted', name));
  for (const [name, def] of after.defs) if (before.defs.get(name) !== def) events.push(event('created', name));
  if (reverted !== undefined) events.push(event('reverted', reverted));
  if (before.current !== after.current) events.push(event('current-changed', after.current));
  return events;
}

/**
 * The `failed` event of a snapshot call whose error carries a per-disk report (it reached the disks,
 * and what each disk now is is known); null for refusals and failures before any disk was touched.
 * The error's number and message only: no secure data travels in events.
 */
export function snapshotFailure(error: unknown, snapshot: string | null): SnapshotEventBody | null {
  if (!VirError.is(error) || error.disks === undefined || error.disks.length === 0) return null;
  return {
    eventID: DomainEventId.Snapshot,
    action: 'failed',
    snapshot,
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
