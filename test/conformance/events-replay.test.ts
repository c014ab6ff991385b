// Replays libvirt 9.0's recorded event sequences (corpus/events.json, python side) through the SDK: per step, the same result or error and the same events.
import { connect } from '@virtwire/client';
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseValue } from './normalise.js';
import { deviations, eventCases, type EventOutcome } from './replay/corpus.js';
import { replayWithEvents } from './replay/event-replay.js';
import { OPS, stable } from './replay/python-calls.js';
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

describe('event corpus replayed through the SDK', () => {
  it.each(eventCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const deviation = deviations.events?.[c.id];
    const missing = c.steps.map(([op]) => op).filter((op) => !OPS[op]);
    expect(missing, 'every function of the event corpus has a replay').toEqual([]);
    const conn = await connect(host.uri(c.host));
    let got: EventOutcome[];
    try {
      got = normaliseValue(await replayWithEvents(conn, c.steps), host.context(null, JSON.stringify(c.steps)));
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
