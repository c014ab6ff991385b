// Which reported changes make each view's data stale: what lets the console fetch only what an event says changed.
import type { Interest } from './live-source.js';

/** The host's facts (driver, version, node, capabilities) change with no domain event. */
export const HOST_FACTS: Interest = () => false;

/** The domain list: any domain's lifecycle (defined, undefined, started, stopped, suspended, ...). */
export const DOMAIN_LIST: Interest = (change) => change.kind === 'lifecycle';

/**
 * One domain's page (state, disks, definition): its lifecycle, and its snapshot events that may
 * change its definition (an external snapshot, a revert, a deletion or failure touching the disks);
 * only `current-changed` leaves it as it was.
 */
export function domainPage(name: string): Interest {
  return (change) => change.domain.name === name && (change.kind === 'lifecycle' || change.action !== 'current-changed');
}

/** Failed snapshot attempts on one domain (whoever made them): its `failed` snapshot events. */
export function snapshotFailuresOf(uuid: string): Interest {
  return (change) => change.kind === 'snapshot' && change.action === 'failed' && change.domain.uuid === uuid;
}

/** One domain's snapshot tree: its snapshot events. */
export function snapshotTreeOf(uuid: string): Interest {
  return (change) => change.kind === 'snapshot' && change.domain.uuid === uuid;
}
