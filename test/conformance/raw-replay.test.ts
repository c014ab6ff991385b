// Replays every recorded raw-flag call through the SDK against a real virtwired: the same result or the same full error.
import { connect } from '@virtwire/client';
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseValue } from './normalise.js';
import { deviations, rawCases, type Outcome } from './replay/corpus.js';
import { OPS, replaySteps, stable } from './replay/python-calls.js';
import { startReplayHost, type ReplayHost } from './replay/replay-host.js';
import { Tally, verdict } from './replay/tally.js';

let host: ReplayHost;
const tally = new Tally('raw-flag calls');
beforeAll(async () => {
  host = await startReplayHost();
});
afterAll(async () => {
  console.log(tally.summary());
  await host?.close();
});

describe('raw-flag corpus replayed through the SDK', () => {
  it.each(rawCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const deviation = deviations.raw[c.id];
    if (c.steps.some(([op]) => !OPS[op])) {
      // A function the protocol does not have: recorded for the future, listed as a deviation.
      tally.add(verdict(false, deviation));
      expect(deviation, `${c.id} calls a function virtwire lacks: list it in deviations.json`).toBeDefined();
      return;
    }
    const conn = await connect(host.uri(c.host));
    let got: Outcome[];
    try {
      got = normaliseValue(await replaySteps(conn, c.steps), host.context(null, JSON.stringify(c.steps)));
    } finally {
      await conn.close();
    }
    const identical = stable(got) === stable(c.outcomes);
    const v = verdict(identical, deviation);
    tally.add(v);
    if (v === 'undocumented' && process.env.REPLAY_DUMP)
      appendFileSync(process.env.REPLAY_DUMP, `${JSON.stringify({ id: c.id, steps: c.steps, got, want: c.outcomes })}\n`);
    if (v === 'undocumented') expect(got).toEqual(c.outcomes);
    expect(v, 'listed in deviations.json but now identical: remove the entry').not.toBe('stale');
  });
});
