// The daemon's adaptive polling runs on Node's event loop, clock, CPU count and /proc/loadavg.
import type { PollPlatform } from '@virtwire/runtime';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** What the daemon's AdaptivePoll needs from Node (the SDK's Node entry supplies its own, the same). */
export const nodePollPlatform: PollPlatform = {
  nextTurn: setImmediate,
  now: () => performance.now(),
  cpus: availableParallelism,
  loadavg: () => readFileSync('/proc/loadavg', 'latin1'),
};
