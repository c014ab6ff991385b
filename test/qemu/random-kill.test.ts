// Random kills (issue 17): the real virtwired SIGKILLed at random moments of every qemu-driver state change, again during its recovery, or the guest's QEMU instead; every invariant checked after each round.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hasQemu } from './qemu-fixture.js';
import { runRandomKill } from './random-kill/harness.js';
import { newSeed } from './random-kill/random.js';

/** `VW_RANDOM_KILL_ROUNDS` (default: a short run for `npm test`), `VW_RANDOM_KILL_SEED` (default: a fresh one, printed). */
const rounds = Number(process.env.VW_RANDOM_KILL_ROUNDS ?? 30);
const seed = Number(process.env.VW_RANDOM_KILL_SEED ?? newSeed());

describe.skipIf(!hasQemu)('qemu driver under random kills of the daemon and of QEMU', () => {
  it(
    `${rounds} rounds: every acknowledged change present, every interrupted one wholly done or undone, nothing orphaned (seed ${seed})`,
    { timeout: 60_000 + rounds * 30_000 },
    async () => {
      await promisify(execFile)(process.execPath, [join(process.cwd(), 'node_modules/typescript/bin/tsc'), '-b'], { cwd: process.cwd() });
      const report = await runRandomKill({ rounds, seed, stopOnViolation: process.env.VW_RANDOM_KILL_KEEP_GOING === undefined });
      expect(report.violations, `seed ${seed}`).toEqual([]);
      expect(report.rounds).toBe(rounds);
    },
  );
});
