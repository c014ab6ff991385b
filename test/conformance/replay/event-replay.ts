// Runs python-libvirt's calls through the SDK with every libvirt event id registered, and takes the events each step raised, in the recorder's shape.
import type { Connection, DomainEventParams, DomainEventSubscription } from '@virtwire/client';
import type { EventOutcome } from './corpus.js';
import { errorRecord, OPS } from './python-calls.js';

/** The recorder's names of libvirt 9.0's event ids 0..26 (record/libvirt-calls.py, `EVENTS`), by id. */
const PYTHON_EVENT_NAMES = [
  'lifecycle',
  'reboot',
  'rtc-change',
  'watchdog',
  'io-error',
  'graphics',
  'io-error-reason',
  'control-error',
  'block-job',
  'disk-change',
  'tray-change',
  'pmwakeup',
  'pmsuspend',
  'balloon-change',
  'pmsuspend-disk',
  'device-removed',
  'block-job-2',
  'tunable',
  'agent-lifecycle',
  'device-added',
  'migration-iteration',
  'job-completed',
  'device-removal-failed',
  'metadata-change',
  'block-threshold',
  'memory-failure',
  'memory-device-size-change',
] as const;

/** An event as the recorder wrote it: its name, its domain's name, and the callback's arguments after the domain. */
function recorded(event: DomainEventParams): { event: string; domain: string; detail: unknown[] } {
  const name = (PYTHON_EVENT_NAMES as readonly string[])[event.eventID] ?? `id-${event.eventID}`;
  const detail = event.eventID === 0 ? [event.event, event.detail] : event.eventID === 21 ? [event.params] : [];
  return { event: name, domain: event.domain.name, detail };
}

/**
 * Registers every libvirt event id on the case's connection (as the recorder did), runs each step
 * (a failed step does not end the case), and takes the events it raised: those that arrived before
 * the answer to a call made after the step (events and answers share the socket, in order).
 */
export async function replayWithEvents(conn: Connection, steps: readonly (readonly [string, string, ...unknown[]])[]): Promise<EventOutcome[]> {
  const seen: ReturnType<typeof recorded>[] = [];
  const subscriptions: DomainEventSubscription[] = [];
  for (let id = 0; id < PYTHON_EVENT_NAMES.length; id++) {
    const subscription = await conn.domainEventRegisterAny(id);
    subscription.on((event) => seen.push(recorded(event)));
    subscriptions.push(subscription);
  }
  const outcomes: EventOutcome[] = [];
  for (const [op, target, ...args] of steps) {
    const before = seen.length;
    let outcome: EventOutcome;
    try {
      outcome = { result: await OPS[op]!(conn, target, args), events: [] };
    } catch (error) {
      outcome = { ...errorRecord(error), events: [] };
    }
    await conn.getVersion();
    outcome.events = seen.slice(before);
    outcomes.push(outcome);
  }
  for (const subscription of subscriptions) await subscription.close();
  return outcomes;
}
