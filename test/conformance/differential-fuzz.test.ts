// Opt-in differential fuzzing: random call sequences run on libvirt 9.0's test driver (a real libvirtd) and on a real virtwired, compared step by step.
import { connect } from '@virtwire/client';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callSequences, type FuzzCase } from './fuzz/call-sequences.js';
import { defineCases } from './fuzz/define-cases.js';
import { firstDivergence, type Divergence } from './fuzz/divergence.js';
import { hasLibvirt, startLibvirtSide, type LibvirtSide } from './fuzz/libvirt-side.js';
import { normaliseValue } from './normalise.js';
import type { EventOutcome, Outcome, RawStep } from './replay/corpus.js';
import { replayWithEvents } from './replay/event-replay.js';
import { replaySteps, stable } from './replay/python-calls.js';
import { DivergenceClasses } from './fuzz/divergence-classes.js';
import { startReplayHost, type ReplayHost } from './replay/replay-host.js';

/**
 * `VW_LIBVIRT_FUZZ=N` cases (off by default: it needs libvirtd and python3-libvirt), `VW_LIBVIRT_FUZZ_SEED`,
 * `VW_LIBVIRT_FUZZ_REPORT=file.json`; `VW_LIBVIRT_FUZZ_SHOW=id` prints every step of that case on both sides.
 */
const count = Number(process.env.VW_LIBVIRT_FUZZ ?? 0);
/** `VW_LIBVIRT_FUZZ_EVENTS=N`: N sequences (without their read-back) with every event id registered, events compared too. */
const eventCount = Number(process.env.VW_LIBVIRT_FUZZ_EVENTS ?? 0);
/** `VW_LIBVIRT_FUZZ_DEFINE=N`: N random domain definitions (fuzz/random-domain-xml.ts), each defined and read back. */
const defineCount = Number(process.env.VW_LIBVIRT_FUZZ_DEFINE ?? 0);
const show = process.env.VW_LIBVIRT_FUZZ_SHOW;
const seed = Number(process.env.VW_LIBVIRT_FUZZ_SEED ?? Date.now() % 1_000_000);

describe.skipIf(count + eventCount + defineCount === 0 || !hasLibvirt())('random call sequences: virtwire against libvirt 9.0', () => {
  let libvirt: LibvirtSide;
  let host: ReplayHost;
  beforeAll(async () => {
    [libvirt, host] = await Promise.all([startLibvirtSide(), startReplayHost()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([libvirt?.stop(), host?.close()]);
  });

  /** Runs `cases` on both sides and fails on any undocumented divergence, printing the classes found. */
  async function compare(cases: FuzzCase[], label: string): Promise<void> {
    const want = libvirt.run(cases);
    const divergences: Array<Divergence & { id: string; steps: RawStep[] }> = [];
    for (const [i, c] of cases.entries()) {
      const conn = await connect(host.uri(c.host));
      let got: Outcome[];
      try {
        // As on libvirt's side: a MAC address generated for an interface that names none becomes @MAC@.
        const context = { ...host.context(null, JSON.stringify(c.steps)), macInputs: [...host.nodeTexts, JSON.stringify(c.steps)].join('\n') };
        got = normaliseValue(await replaySteps(conn, c.steps, { throughErrors: true }), context);
      } finally {
        await conn.close();
      }
      if (c.id === show) {
        for (const [s, step] of c.steps.entries()) {
          const same = stable(want[i]![s]) === stable(got[s]);
          console.log(
            `${s} ${same ? '=' : '≠'} ${JSON.stringify(step)}\n  libvirt  ${JSON.stringify(want[i]![s])}${same ? '' : `\n  virtwire ${JSON.stringify(got[s])}`}`,
          );
        }
      }
      const divergence = firstDivergence(c.steps, want[i]!, got);
      if (divergence) divergences.push({ ...divergence, id: c.id, steps: c.steps.slice(0, divergence.at + 1) });
    }
    const classes = new DivergenceClasses();
    for (const d of divergences.filter((d) => d.kind === 'undocumented'))
      classes.add(d.className, { id: d.id, path: d.steps, libvirt: d.libvirt, virtwire: d.virtwire });
    const counted = (kind: Divergence['kind']) => divergences.filter((d) => d.kind === kind).length;
    console.log(
      `${label}, seed ${seed}: ${cases.length} cases, ${cases.length - divergences.length} identical, ${counted('superset')} documented superset, ${counted('differs')} documented difference, ${counted('undocumented')} undocumented\n${classes.describe()}`,
    );
    if (process.env.VW_LIBVIRT_FUZZ_REPORT)
      writeFileSync(process.env.VW_LIBVIRT_FUZZ_REPORT, JSON.stringify({ seed, count: cases.length, divergences }, null, 1));
    expect(classes.names(), `seed ${seed}`).toEqual([]);
  }

  it.skipIf(count === 0)(`${count} sequences from seed ${seed}`, { timeout: 60_000 + count * 2_000 }, () =>
    compare(callSequences(seed, count), 'libvirt fuzz'),
  );
  it.skipIf(defineCount === 0)(`${defineCount} random definitions from seed ${seed}`, { timeout: 60_000 + defineCount * 500 }, () =>
    compare(defineCases(seed, defineCount), 'libvirt define fuzz'),
  );
  it.skipIf(eventCount === 0)(`${eventCount} sequences from seed ${seed}, with their events`, { timeout: 60_000 + eventCount * 10_000 }, async () => {
    const cases = callSequences(seed, eventCount).map((c) => ({ ...c, steps: c.steps.slice(0, c.random) }));
    const want = libvirt.events(cases, 0.15);
    const classes = new DivergenceClasses();
    let documented = 0;
    for (const [i, c] of cases.entries()) {
      const conn = await connect(host.uri(c.host));
      let got: EventOutcome[];
      try {
        const context = { ...host.context(null, JSON.stringify(c.steps)), macInputs: [...host.nodeTexts, JSON.stringify(c.steps)].join('\n') };
        got = normaliseValue(await replayWithEvents(conn, c.steps), context);
      } finally {
        await conn.close();
      }
      const plain = (outcomes: EventOutcome[]) => outcomes.map(({ events: _events, ...outcome }) => outcome as Outcome);
      const divergence = firstDivergence(c.steps, plain(want[i]!), plain(got));
      const at = c.steps.findIndex((_, s) => stable(want[i]![s]) !== stable(got[s]));
      if (at === -1) continue;
      if (divergence && divergence.at <= at && divergence.kind !== 'undocumented') {
        documented++;
        continue;
      }
      const name = divergence && divergence.at === at ? divergence.className : `${c.steps[at]![0]}: events differ`;
      classes.add(name, { id: c.id, path: c.steps.slice(0, at + 1), libvirt: want[i]![at], virtwire: got[at] });
    }
    console.log(
      `libvirt event fuzz, seed ${seed}: ${eventCount} sequences, ${eventCount - documented - classes.count} identical, ${documented} documented, ${classes.count} undocumented\n${classes.describe()}`,
    );
    expect(classes.names(), `seed ${seed}`).toEqual([]);
  });
});
