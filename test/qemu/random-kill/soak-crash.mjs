// `npm run soak:crash -- --rounds 400 --seed N [--keep-going]`: the random-kill test at length (npm test runs a short version).
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '400' },
    seed: { type: 'string' },
    'keep-going': { type: 'boolean', default: false },
  },
});
const env = { ...process.env, VW_RANDOM_KILL_ROUNDS: values.rounds };
if (values.seed !== undefined) env.VW_RANDOM_KILL_SEED = values.seed;
if (values['keep-going']) env.VW_RANDOM_KILL_KEEP_GOING = '1';
const result = spawnSync('npx', ['vitest', 'run', 'test/qemu/random-kill.test.ts'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
