// The line virsh's `event` prints for each domain event (libvirt 9.0's virsh-domain-event.c), and virtwire's snapshot event line.
import type { DomainEventParams } from '@virtwire/client';

/** virsh's names of virDomainEventType, by number. */
const EVENT_NAMES = ['Defined', 'Undefined', 'Started', 'Suspended', 'Resumed', 'Stopped', 'Shutdown', 'PMSuspended', 'Crashed'];

/** virsh's names of each event type's details, by number. */
const DETAIL_NAMES: readonly (readonly string[])[] = [
  ['Added', 'Updated', 'Renamed', 'Snapshot'],
  ['Removed', 'Renamed'],
  ['Booted', 'Migrated', 'Restored', 'Snapshot', 'Event wakeup'],
  ['Paused', 'Migrated', 'I/O Error', 'Watchdog', 'Restored', 'Snapshot', 'API error', 'Post-copy', 'Post-copy Error'],
  ['Unpaused', 'Migrated', 'Snapshot', 'Post-copy', 'Post-copy Error'],
  ['Shutdown', 'Destroyed', 'Crashed', 'Migrated', 'Saved', 'Failed', 'Snapshot'],
  ['Finished', 'Finished after guest request', 'Finished after host request'],
  ['Memory', 'Disk'],
  ['Panicked', 'Crashloaded'],
];

/**
 * One event as `virsh event` prints it, with its newline: `event 'lifecycle' for domain 'test':
 * Suspended Paused`; `job-completed` with a `\tFIELD: VALUE` line per statistic; events virsh prints without a payload as `event 'NAME' for domain 'D'`; and
 * virtwire's snapshot events as `event 'snapshot' for domain 'D': <what> <snapshot>` (`<what>`
 * alone when no snapshot is current after `current-changed`).
 */
export function formatDomainEvent(event: DomainEventParams, name: string): string {
  const head = `event '${name}' for domain '${event.domain.name}'`;
  switch (event.eventID) {
    case 0: {
      const type = EVENT_NAMES[event.event] ?? 'unknown';
      const detail = DETAIL_NAMES[event.event]?.[event.detail] ?? 'unknown';
      return `${head}: ${type} ${detail}\n`;
    }
    case 21:
      // virTypedParameterToString: booleans as yes/no
      return `${head}:\n${Object.entries(event.params)
        .map(([field, value]) => `\t${field}: ${typeof value === 'boolean' ? (value ? 'yes' : 'no') : value}\n`)
        .join('')}`;
    case 1000:
      return event.snapshot === null ? `${head}: ${event.action}\n` : `${head}: ${event.action} ${event.snapshot}\n`;
    default:
      return `${head}\n`;
  }
}
