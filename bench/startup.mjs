// Measures virtwired's start-up to first answered ConnectGetVersion and its idle RSS, interleaved with `node -e 0`.
// Usage: node bench/startup.mjs [--runs N] [--unix] [-- extra virtwired args] (--unix: also listen on unix sockets, as npm run bench does)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startVirtwired } from './lib/virtwired.js';
import { sleep } from './lib/processes.js';

const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
const extraArgs = dashes >= 0 ? argv.slice(dashes + 1) : [];
const runsAt = argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
const withUnixSocket = argv.slice(0, dashes >= 0 ? dashes : undefined).includes('--unix');

/** Milliseconds from spawn to exit of `node -e 0`. */
function nodeBare() {
  const start = performance.now();
  return new Promise((resolve) => spawn(process.execPath, ['-e', '0']).on('exit', () => resolve(performance.now() - start)));
}

const residentMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const range = (xs) => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)} (median ${[...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(1)})`;

const startups = [];
const bare = [];
const rss = [];
for (let run = 0; run < runs; run++) {
  bare.push(await nodeBare());
  const daemon = await startVirtwired({ extraArgs, withUnixSocket });
  startups.push(daemon.startupMs);
  await sleep(300);
  rss.push(residentMiB(daemon.pid));
  await daemon.stop();
}
const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
console.log(`start-up to first answer: ${range(startups)} ms; node -e 0: ${range(bare)} ms; idle RSS ${range(rss)} MiB; load ${load}`);
