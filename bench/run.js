#!/usr/bin/env node
// virtwired against libvirtd, side by side in one run: the same workloads, medians and spread, ratios to libvirt.
//
// npm run bench [-- --quick] [-- --runs N] [-- --no-libvirt] [-- --out FILE.json] [-- --only calls,snapshots,scale,commands,sdk,qemu]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus as cpuList, loadavg, totalmem, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleBrowserSdk } from '../scripts/browser-sdk-bundle.mjs';
import { timeCommand } from './lib/command-timing.js';
import { LIBVIRT_HELPER, libvirtMissing, libvirtVersion, PYTHON, startLibvirtd } from './lib/libvirtd.js';
import { cpuMicros, pinProcess, residentMiB, runJson, sleep, startHolder } from './lib/processes.js';
import { runQemuSection } from './lib/qemu-section.js';
import { ratioOf, table } from './lib/report.js';
import { fmt, summarise } from './lib/stats.js';
import { startVirtwired } from './lib/virtwired.js';

const CLIENT = fileURLToPath(new URL('./virtwire-client.js', import.meta.url));
const VWSH = fileURLToPath(new URL('../packages/cli/bin/vwsh.js', import.meta.url));
const SECTIONS = ['calls', 'snapshots', 'scale', 'commands', 'sdk', 'qemu'];
const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    runs: { type: 'string' },
    'no-libvirt': { type: 'boolean' },
    out: { type: 'string' },
    only: { type: 'string' },
  },
});
/** The sections to run (`--only calls,commands`), all by default. */
const only = new Set(argv.only ? argv.only.split(',') : SECTIONS);
for (const name of only) if (!SECTIONS.includes(name)) throw new Error(`unknown section '${name}' (sections: ${SECTIONS.join(', ')})`);

/** Sizes of every workload; `--quick` trades precision for a run of about a minute. */
const plan = argv.quick
  ? {
      runs: 3,
      rtCalls: 3_000,
      throughputCalls: 6_000,
      createOne: 2_000,
      createEight: 250,
      lists: [10_000],
      listRepeats: 3,
      lookups: 1_000,
      connections: 250,
      commands: 10,
    }
  : {
      runs: 5,
      rtCalls: 20_000,
      throughputCalls: 40_000,
      createOne: 2_000,
      createEight: 500,
      lists: [10_000, 100_000],
      listRepeats: 10,
      lookups: 5_000,
      connections: 1_000,
      commands: 20,
    };
if (argv.runs) plan.runs = Number(argv.runs);

const ALL_CPUS = `0-${cpuList().length - 1}`;
const missing = argv['no-libvirt'] ? 'not requested (--no-libvirt)' : libvirtMissing();
const rows = [];
const log = (text) => process.stderr.write(`${text}\n`);

/** Runs one workload on one system's client (the SDK in Node, or python3-libvirt); `unix` picks virtwired's unix socket. */
function client(system, spec, cpus, unix = false) {
  const request = JSON.stringify({ ...spec, uri: unix ? (system.unixUri ?? system.uri) : system.uri });
  return system.name === 'virtwired' ? runJson(process.execPath, [CLIENT, request], { cpus }) : runJson(PYTHON, [LIBVIRT_HELPER, request], { cpus });
}

/**
 * Measures `figure` on each system `plan.runs` times, alternating systems run by run; `pick` takes the
 * number out of a result. With `cpuRow`, also the daemon's CPU time per operation (`ops` of a run) over
 * the client's whole run (its connection and warm-up included). With `timedCpuRow`, the daemon's CPU
 * time per call over the timed part alone, which the client reads around it (`daemonPid` in its spec,
 * every thread's scheduler count in ns).
 */
async function measure(systems, row, spec, pick, { cpus, cpuRow, timedCpuRow, ops, unix, cpuUnit = 'µs' } = {}) {
  const samples = { virtwired: [], libvirtd: [] };
  const cpu = { virtwired: [], libvirtd: [] };
  const timedCpu = { virtwired: [], libvirtd: [] };
  const errors = {};
  for (let run = 0; run < plan.runs; run++) {
    for (const system of systems) {
      if (errors[system.name]) continue;
      if (cpus) await pinProcess(system.pid, cpus);
      try {
        const given = typeof spec === 'function' ? spec(run, system) : spec;
        const runSpec = timedCpuRow ? { ...given, daemonPid: system.pid } : given;
        const before = cpuMicros(system.pid);
        const result = await client(system, runSpec, cpus, unix);
        const used = cpuMicros(system.pid) - before;
        if (result.error) errors[system.name] = result.error;
        else samples[system.name].push(...[pick(result)].flat());
        if (cpuRow && !result.error) cpu[system.name].push(used / ops(runSpec) / (cpuUnit === 'ms' ? 1000 : 1));
        if (timedCpuRow && !result.error) timedCpu[system.name].push(result.daemonCpuUsPerCall);
      } finally {
        if (cpus) await pinProcess(system.pid, ALL_CPUS);
      }
    }
  }
  const summary = (name) => (errors[name] ? { error: errors[name] } : samples[name].length ? summarise(samples[name]) : undefined);
  addRow({ ...row, ours: summary('virtwired'), libvirt: systems.length > 1 ? summary('libvirtd') : undefined });
  const cpuRowOf = (figure, values, target) => {
    const cpuSummary = (name) => (values[name].length ? summarise(values[name]) : undefined);
    addRow({ figure, unit: cpuUnit, better: 'lower', target, ours: cpuSummary('virtwired'), libvirt: systems.length > 1 ? cpuSummary('libvirtd') : undefined });
  };
  if (timedCpuRow) cpuRowOf(timedCpuRow.figure, timedCpu, timedCpuRow.target);
  if (cpuRow) cpuRowOf(cpuRow, cpu);
}

function addRow(row) {
  rows.push(row);
  const show = (s) => (s === undefined ? '—' : s.skipped ? `skipped: ${s.skipped}` : s.error ? `fails: ${s.error}` : `${fmt(s.median)} ${row.unit}`);
  const ratio = ratioOf(row);
  log(`  ${row.figure}: virtwire ${show(row.ours)}, libvirt ${show(row.libvirt)}${ratio === undefined ? '' : `, ratio ${ratio.toFixed(2)}`}`);
}

/** Every daemon this run started, so that a failure stops them too. */
const running = new Set();

/** Holds one connection to `system`'s test:///default until the returned system is stopped. */
async function withKeeper(system, command) {
  const keeper = startHolder(command[0], [...command[1], JSON.stringify({ workload: 'connections', uri: system.uri, count: 1 })]);
  await keeper.next();
  return {
    ...system,
    async stop() {
      await keeper.stop();
      await system.stop();
    },
  };
}

/**
 * Starts virtwired and, when it can be measured, libvirtd. test:///default lives only while a
 * connection holds it, in libvirt and in virtwire alike, so a keeper connection stays open on each
 * until the daemon is stopped (the workloads run in processes of their own, one after another).
 */
async function startBoth() {
  // Both daemons start in the same environment, the one a service manager gives (libvirtd's always was).
  const ours = await withKeeper(await startVirtwired({ withUnixSocket: true, env: 'service' }), [process.execPath, [CLIENT]]);
  running.add(ours);
  if (missing) return [ours];
  const theirs = await withKeeper(await startLibvirtd(), [PYTHON, [LIBVIRT_HELPER]]);
  running.add(theirs);
  return [ours, theirs];
}

async function stopAll(systems) {
  await Promise.all(systems.map((s) => s.stop()));
  for (const s of systems) running.delete(s);
}

/** (1) Trivial calls: sequential round trip (same CPU, and placed by the OS) and throughput with 1, 16, 64 in flight. */
async function callSection(systems) {
  const rt = { workload: 'roundtrip', calls: plan.rtCalls };
  const target = { max: 0.5 };
  const name = 'ConnectGetVersion round trip';
  await measure(systems, { figure: `${name}, TCP, daemon and client on one CPU`, unit: 'µs', better: 'lower', target }, rt, (r) => r.perCallUs, { cpus: '0' });
  await measure(systems, { figure: `${name}, TCP, placed by the OS`, unit: 'µs', better: 'lower', target }, rt, (r) => r.perCallUs);
  await measure(systems, { figure: `${name}, unix socket, daemon and client on one CPU`, unit: 'µs', better: 'lower', target }, rt, (r) => r.perCallUs, {
    cpus: '0',
    unix: true,
  });
  await measure(systems, { figure: `${name}, unix socket, placed by the OS`, unit: 'µs', better: 'lower', target }, rt, (r) => r.perCallUs, { unix: true });
  // Diagnostic rows (no target): the daemon through a minimal client that neither checks nor polls.
  const bare = { ...rt, client: 'wire' };
  await measure(systems, { figure: `${name}, TCP, one CPU, virtwire through a bare JSON-RPC client`, unit: 'µs', better: 'lower' }, bare, (r) => r.perCallUs, {
    cpus: '0',
  });
  await measure(
    systems,
    { figure: `${name}, TCP, placed by the OS, virtwire through a bare JSON-RPC client`, unit: 'µs', better: 'lower' },
    bare,
    (r) => r.perCallUs,
  );
  for (const inFlight of [1, 16, 64]) {
    const spec = { workload: 'throughput', calls: plan.throughputCalls, inFlight, warmup: 3000 };
    // At 16 in flight: the daemon's CPU per call while 16 are in flight (the target), and over the
    // client's whole run, whose 3,000 warm-up calls go one at a time (virtwired polls between them).
    const cpuRows =
      inFlight === 16
        ? {
            timedCpuRow: { figure: 'Daemon CPU time per ConnectGetVersion (16 in flight)', target: { max: 0.4 } },
            cpuRow: 'Daemon CPU time per ConnectGetVersion over the client run (3,000 warm-up calls one at a time, then 16 in flight)',
          }
        : {};
    await measure(
      systems,
      { figure: `ConnectGetVersion throughput, ${inFlight} in flight on one connection`, unit: 'calls/s', better: 'higher' },
      spec,
      (r) => r.callsPerSec,
      { ...cpuRows, ops: (s) => s.calls + s.warmup },
    );
  }
}

/** (2) Snapshot create (+ delete, once the test driver implements it) pairs per second, ATOMIC, on test:///default's `test`. */
async function snapshotSection(systems, canDelete) {
  const what = canDelete ? 'create + delete pairs' : 'creates (delete not implemented yet)';
  // libvirt is always reached over its unix socket; virtwire over TCP and over its unix socket.
  for (const [clients, perClient, client, unix] of [
    [1, plan.createOne, 'sdk', false],
    [1, plan.createOne, 'sdk', true],
    [1, plan.createOne, 'wire', false],
    [8, plan.createEight, 'sdk', false],
    [8, plan.createEight, 'sdk', true],
  ]) {
    const spec = (run) => ({
      workload: 'createDelete',
      domain: 'test',
      clients,
      perClient,
      prefix: `r${run}c${clients}${client}${unix ? 'u' : 't'}`,
      delete: canDelete,
      warmup: 3000,
      client,
    });
    const target = canDelete && client === 'sdk' ? { min: 3 } : undefined;
    const cpuRow =
      clients === 8 ? `Daemon CPU time per snapshot ${canDelete ? 'create + delete pair' : 'create'} (8 clients, ${unix ? 'unix socket' : 'TCP'})` : undefined;
    const how = client === 'wire' ? ', virtwire through a bare JSON-RPC client' : '';
    const figure = `Snapshot ${what} (ATOMIC), ${clients} client${clients > 1 ? 's' : ''}, ${unix ? 'unix socket' : 'TCP'}${how}`;
    await measure(systems, { figure, unit: '/s', better: 'higher', target }, spec, (r) => r.perSec, {
      cpuRow,
      unix,
      ops: (s) => s.clients * s.perClient + s.warmup,
    });
  }
}

const domainXml = (name) =>
  `<domain type='test'><name>${name}</name><memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices><disk type='file' device='disk'><source file='/guest/${name}.img'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;

/** (3) and (4): start-up, memory idle and with idle connections, many snapshots, and listing and looking them up. */
async function scaleSection() {
  const startups = { virtwired: [], libvirtd: [] };
  const idle = { virtwired: [], libvirtd: [] };
  for (let run = 0; run < plan.runs; run++) {
    const systems = await startBoth();
    await sleep(300);
    for (const s of systems) {
      startups[s.name].push(s.startupMs);
      idle[s.name].push(residentMiB(s.pid));
    }
    await stopAll(systems);
  }
  const both = (series, row) => addRow({ ...row, ours: summarise(series.virtwired), libvirt: series.libvirtd.length ? summarise(series.libvirtd) : undefined });
  both(startups, { figure: 'Daemon start-up to first answer (both in a service environment)', unit: 'ms', better: 'lower', target: { max: 3 } });
  // The same start-up with virtwired in the bench's own environment, beside the same libvirtd runs: a
  // NODE_EXTRA_CA_CERTS there makes every Node process parse that file's certificates before any
  // JavaScript (about 40 ms here; virtwired makes no TLS connection of its own).
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const inherited = [];
    for (let run = 0; run < plan.runs; run++) {
      const daemon = await startVirtwired({ withUnixSocket: true });
      inherited.push(daemon.startupMs);
      await daemon.stop();
    }
    both(
      { virtwired: inherited, libvirtd: startups.libvirtd },
      { figure: "Daemon start-up to first answer, virtwired in the bench's environment (with NODE_EXTRA_CA_CERTS)", unit: 'ms', better: 'lower' },
    );
  }
  both(idle, { figure: 'Resident memory, idle', unit: 'MiB', better: 'lower', target: { atMost: 45 } });

  const systems = await startBoth();
  const single = (figure, unit, better, values, target) =>
    addRow({ figure, unit, better, target, ours: values.virtwired, libvirt: systems.length > 1 ? values.libvirtd : undefined });
  const connected = {};
  for (const s of systems) {
    const command = s.name === 'virtwired' ? [process.execPath, [CLIENT]] : [PYTHON, [LIBVIRT_HELPER]];
    const holder = startHolder(command[0], [...command[1], JSON.stringify({ workload: 'connections', uri: s.uri, count: plan.connections })]);
    const opened = await holder.next();
    await sleep(300);
    connected[s.name] = opened.error ? { error: `${opened.error} after ${opened.opened}` } : summarise([residentMiB(s.pid)]);
    await holder.stop();
  }
  single(`Resident memory with ${plan.connections.toLocaleString('en-US')} idle connections`, 'MiB', 'lower', connected);

  // Populate every size first, so that resident memory is read before any list has made garbage.
  for (const count of plan.lists) {
    for (const s of systems) {
      const domain = `list${count}`;
      const result = await client(s, { workload: 'populate', domain, domainXml: domainXml(domain), count, prefix: 'p' });
      if (result.snapshots !== count) throw new Error(`${s.name}: populated ${result.snapshots} of ${count} (${result.error ?? ''})`);
      log(`  ${s.name}: ${count} snapshots created in ${result.seconds.toFixed(1)} s`);
    }
  }
  await sleep(1000);
  const memory = {};
  for (const s of systems) memory[s.name] = summarise([residentMiB(s.pid)]);
  const total = plan.lists.reduce((sum, count) => sum + count, 0);
  single(`Resident memory with ${total.toLocaleString('en-US')} snapshots`, 'MiB', 'lower', memory);
  for (const count of plan.lists) {
    const target = count === 10_000 ? { max: 0.5 } : count > 16_384 ? { oursOnly: true } : undefined;
    const listed = `${count.toLocaleString('en-US')} snapshots`;
    const listSpec = { workload: 'list', domain: `list${count}`, repeats: plan.listRepeats, expect: count };
    await measure(systems, { figure: `List all of ${listed}, TCP`, unit: 'ms', better: 'lower', target }, listSpec, (r) => r.msPerList, {
      cpuRow: count <= 16_384 ? `Daemon CPU time per list of ${listed}` : undefined,
      ops: (s) => s.repeats + 5, // five warm-up lists, then the measured ones
      cpuUnit: 'ms',
    });
    await measure(systems, { figure: `List all of ${listed}, unix socket`, unit: 'ms', better: 'lower', target }, listSpec, (r) => r.msPerList, { unix: true });
  }
  const largest = plan.lists.at(-1);
  await measure(
    systems,
    { figure: `Snapshot lookup by name among ${largest.toLocaleString('en-US')}`, unit: 'µs', better: 'lower' },
    { workload: 'lookup', domain: `list${largest}`, prefix: 'p', count: largest, calls: plan.lookups },
    (r) => r.perCallUs,
  );
  await stopAll(systems);
}

/**
 * (6) One command from a shell, spawn to exit: `vwsh list --all` over virtwired's unix socket beside
 * `virsh list --all` over libvirtd's, and `node -e 0` (what any Node program pays before its first
 * line) measured in between as the floor vwsh is held to. Each run takes the median of
 * `plan.commands` of each, interleaved.
 */
async function commandSection(systems) {
  const ours = systems.find((s) => s.name === 'virtwired');
  const theirs = systems.find((s) => s.name === 'libvirtd');
  const perRun = { node: [], vwsh: [], virsh: [] };
  for (let run = 0; run < plan.runs; run++) {
    const samples = { node: [], vwsh: [], virsh: [] };
    for (let i = 0; i < plan.commands; i++) {
      samples.node.push(await timeCommand(process.execPath, ['-e', '0']));
      samples.vwsh.push(await timeCommand(process.execPath, [VWSH, '-c', ours.unixUri, 'list', '--all']));
      if (theirs) samples.virsh.push(await timeCommand('virsh', ['-c', theirs.uri, 'list', '--all']));
    }
    for (const name of Object.keys(samples)) if (samples[name].length) perRun[name].push(summarise(samples[name]).median);
  }
  const floor = summarise(perRun.node);
  addRow({ figure: '`node -e 0`, spawn to exit (the floor of any Node command)', unit: 'ms', better: 'lower', ours: floor });
  addRow({
    figure: 'One vwsh command (`list --all`, unix socket), spawn to exit; libvirt: the same virsh command',
    unit: 'ms',
    better: 'lower',
    ours: summarise(perRun.vwsh),
    libvirt: perRun.virsh.length ? summarise(perRun.virsh) : undefined,
    target: { maxTimesFloor: 1.5, floorName: 'node -e 0', floor: floor.median },
  });
}

/** (7) The SDK's browser bundle (`@virtwire/client/browser`), built as a web app would with esbuild, minified. */
async function sdkSection() {
  const { upFront, lazy, tool } = await bundleBrowserSdk();
  const kb = (bytes) => ({ median: bytes / 1000, min: bytes / 1000, max: bytes / 1000, runs: 1 });
  addRow({
    figure: `SDK core for browsers, loaded up front (${tool}, minified + gzip)`,
    unit: 'KB',
    better: 'lower',
    ours: kb(upFront.gzipBytes),
    target: { atMost: 20 },
  });
  const xml = lazy.filter((chunk) => chunk.packages.includes('saxes'));
  addRow({
    figure: 'SDK XML parser chunk, loaded on demand (only for finite atomic disk limits)',
    unit: 'KB',
    better: 'lower',
    ours: kb(xml.reduce((sum, f) => sum + f.gzipBytes, 0)),
  });
}

async function main() {
  const started = new Date();
  const loadBefore = loadavg()[0];
  log(`virtwire benchmark (${argv.quick ? 'quick' : 'full'}, ${plan.runs} runs per figure); libvirt: ${missing ?? `libvirtd ${libvirtVersion()}`}`);
  const probe = await startVirtwired();
  const { connect } = await import('@virtwire/client');
  const conn = await connect(probe.uri);
  const canDelete = 'DomainSnapshotDelete' in conn.capabilities.methods;
  await conn.close();
  await probe.stop();

  if (only.has('calls') || only.has('snapshots') || only.has('commands')) {
    log('(1) trivial calls, (2) snapshots, (6) one command');
    const systems = await startBoth();
    if (only.has('calls')) await callSection(systems);
    if (only.has('snapshots')) await snapshotSection(systems, canDelete);
    if (only.has('commands')) await commandSection(systems);
    await stopAll(systems);
  }
  if (only.has('scale')) {
    log('(3) lists and lookups, (4) start-up and memory');
    await scaleSection();
  }
  if (only.has('qemu')) log('(5) qemu driver');
  const qemu = only.has('qemu') ? await runQemuSection({ quick: argv.quick, withLibvirt: !missing }) : { rows: [], skipped: [] };
  for (const row of qemu.rows) addRow(row);
  if (only.has('sdk')) {
    log('(7) SDK bundle');
    await sdkSection();
  }

  const environment = {
    date: started.toISOString(),
    command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: `${cpuList()[0]?.model ?? 'unknown CPU'}, ${cpuList().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}`,
    node: process.version,
    load: `1-minute load average ${loadBefore.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end`,
    libvirt: missing ? `not measured: ${missing}` : `libvirtd ${libvirtVersion()} (test driver over a private unix socket, python3-libvirt client)`,
  };
  const markdown = [
    `Run ${environment.date} with \`${environment.command}\``,
    `Machine: ${environment.machine}; Node ${environment.node}; ${environment.libvirt}; ${environment.load}.`,
    `Ratios are virtwire's median over libvirt's; medians and ranges over ${plan.runs} runs${argv.quick ? ' (quick)' : ''}. libvirt is always reached over its unix socket; "TCP" and "unix socket" rows differ only in how virtwire is reached.`,
    '',
    table(rows),
    ...(qemu.skipped.length ? ['', `QEMU section: skipped ${qemu.skipped.join('; ')}.`] : []),
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  const out = argv.out ?? fileURLToPath(new URL(`./results/${argv.quick ? 'quick' : 'latest'}.json`, import.meta.url));
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  writeFileSync(out, JSON.stringify({ environment, plan, rows, qemu }, null, 2) + '\n');
  writeFileSync(out.replace(/\.json$/, '.md'), markdown + '\n');
}

try {
  await main();
} catch (error) {
  await Promise.allSettled([...running].map((s) => s.stop()));
  throw error;
}
