#!/usr/bin/env node
// Where a trivial call's CPU goes: daemon and client CPU time per ConnectGetVersion, sequential or in flight, optionally profiled.
//
// Usage: npm run build && node bench/call-path.mjs [--calls 20000] [--repeats 3] [--poll-max-us 0] [--daemon-poll-max-us N] [--transport unix|tcp]
//                                                  [--in-flight 1] [--prof DIR] [--client-prof DIR]
// CPU time (user + system, /proc/PID/stat for the daemon, process.cpuUsage() in the client) is far
// less disturbed by other work on the machine than wall-clock time. With polling off (the default
// here, --poll-max-us 0 for both sides) neither process spins while it waits, so the CPU time is
// the call path's own work, kernel included. --prof runs the daemon under `node --cpu-prof`
// (summarise with bench/profile-summary.js), --client-prof the client (both sample every 100 µs).
// `taskset -c 0 node bench/call-path.mjs` puts daemon and client on one CPU: no cross-CPU wake-ups,
// whose cost (tens of µs of kernel time on this VM) otherwise dominates and varies.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runJson } from './lib/processes.js';
import { startVirtwired } from './lib/virtwired.js';

const CLIENT = fileURLToPath(new URL('./virtwire-client.js', import.meta.url));
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    repeats: { type: 'string', default: '3' },
    'poll-max-us': { type: 'string', default: '0' },
    'daemon-poll-max-us': { type: 'string' },
    transport: { type: 'string', default: 'unix' },
    'in-flight': { type: 'string', default: '1' },
    prof: { type: 'string' },
    'client-prof': { type: 'string' },
  },
});
const pollMaxUs = Number(values['poll-max-us']);
const daemonPollMaxUs = Number(values['daemon-poll-max-us'] ?? pollMaxUs);
const inFlight = Number(values['in-flight']);
const WARMUP = 3000;
// the client reads the daemon's CPU time around its timed calls (warm-up left out)
const workload = (uri, calls, daemonPid) =>
  inFlight === 1
    ? { workload: 'roundtrip', uri, calls, warmup: WARMUP, pollMaxUs, daemonPid }
    : { workload: 'throughput', uri, calls, inFlight, warmup: WARMUP, pollMaxUs, daemonPid };
const uriOf = (daemon) => (values.transport === 'tcp' ? daemon.uri : daemon.unixUri);

const calls = Number(values.calls);
const nodeArgs = values.prof ? ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${resolve(values.prof)}`] : [];
if (values.prof) mkdirSync(values.prof, { recursive: true });
if (values['client-prof']) mkdirSync(values['client-prof'], { recursive: true });

const daemon = await startVirtwired({ withUnixSocket: true, extraArgs: ['--poll-max-us', String(daemonPollMaxUs)], nodeArgs });
const clientArgs = values['client-prof'] ? ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${resolve(values['client-prof'])}`] : [];
const rows = [];
try {
  for (let run = 0; run < Number(values.repeats); run++) {
    const result = await runJson(process.execPath, [...clientArgs, CLIENT, JSON.stringify(workload(uriOf(daemon), calls, daemon.pid))]);
    const wallUs = result.perCallUs ?? 1e6 / result.callsPerSec;
    rows.push({
      wallUs,
      daemonCpuUs: result.daemonCpuUsPerCall,
      clientCpuUs: result.cpuUsPerCall,
      reads: result.daemonReadsPerCall,
      writes: result.daemonWritesPerCall,
      sleeps: result.daemonSleepsPerCall,
    });
  }
} finally {
  if (values.prof) process.kill(daemon.pid, 'SIGINT');
  await daemon.stop();
}
const fmt = (n) => n.toFixed(2).padStart(7);
process.stdout.write(
  `${values.transport}, ${inFlight} in flight, ${calls} calls (+${WARMUP} warm-up) a run, poll-max-us ${pollMaxUs} (client), ${daemonPollMaxUs} (daemon)\n`,
);
process.stdout.write('   wall µs/call   daemon CPU µs/call   client CPU µs/call   daemon reads, writes, sleeps per call\n');
for (const r of rows)
  process.stdout.write(
    `   ${fmt(r.wallUs)}        ${fmt(r.daemonCpuUs)}              ${fmt(r.clientCpuUs)}              ${r.reads.toFixed(2)}, ${r.writes.toFixed(2)}, ${r.sleeps.toFixed(2)}\n`,
  );
