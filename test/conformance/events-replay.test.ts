// Replays libvirt 9.0's recorded event sequences (corpus/events.json, python side) through the SDK: per step, the same result or error and the same events.
import { connect, type Connection, type DomainEventParams, type DomainEventSubscription } from '@virtwire/client';
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseValue } from './normalise.js';
import { deviations, eventCases, type EventOutcome } from './replay/corpus.js';
import { errorRecord, OPS, stable } from './replay/python-calls.js';
import { startReplayHost, type ReplayHost } from './replay/replay-host.js';
import { Tally, verdict } from './replay/tally.js';

let host: ReplayHost;
const tally = new Tally('event sequences');
beforeAll(async () => {
  host = await startReplayHost();
});
afterAll(async () => {
  console.log(tally.summary());
  await host?.close();
});

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
async function replay(conn: Connection, steps: readonly (readonly [string, string, ...unknown[]])[]): Promise<EventOutcome[]> {
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

describe('event corpus replayed through the SDK', () => {
  it.each(eventCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const deviation = deviations.events?.[c.id];
    const missing = c.steps.map(([op]) => op).filter((op) => !OPS[op]);
    expect(missing, 'every function of the event corpus has a replay').toEqual([]);
    const conn = await connect(host.uri(c.host));
    let got: EventOutcome[];
    try {
      got = normaliseValue(await replay(conn, c.steps), host.context(null, JSON.stringify(c.steps)));
    } finally {
      await conn.close();
    }
    // A deviation names the steps that differ (a flag libvirt's test driver refuses, and the step its state change
    // alters): every other step, its events included, must still be identical.
    const differing = got.flatMap((outcome, index) => (stable(outcome) === stable(c.outcomes[index]) ? [] : [index]));
    const v = verdict(differing.length === 0, deviation);
    tally.add(v);
    if (v === 'undocumented' && process.env.REPLAY_DUMP)
      appendFileSync(process.env.REPLAY_DUMP, `${JSON.stringify({ id: c.id, steps: c.steps, got, want: c.outcomes })}\n`);
    if (v === 'undocumented') expect(got).toEqual(c.outcomes);
    expect(v, 'listed in deviations.json but now identical: remove the entry').not.toBe('stale');
    if (deviation) expect(differing, `the steps of ${c.id} that differ`).toEqual(deviation.steps);
  });
});
