// Where one external memory snapshot's time goes in virtwired (issue 12): the create's steps and the memory save's phases, read from the daemon's debug log.
//
// Usage (after `npm run build`):
//   node bench/qemu-memory-phases.mjs [--repeats 5] [--accel kvm|tcg] [--out file.json] [--profile dir]
// One 1 GiB guest (512 MiB filled, as in bench/qemu-snapshots.mjs) takes `repeats` ATOMIC external
// memory snapshots (memory file and disk overlay beside its image), each after a `sync`. Per
// snapshot the daemon logs the memory save's phases ("memory saved": set-up, vCPUs stopped,
// QEMU migrating until it says completed, the stream's rest written, file and directory fsynced)
// and the create's ("snapshot created": planning, intent and reserved files, engine, commit); the
// client's time and QEMU's STOP to RESUME come from here and from QEMU's events; the CPU time
// of both processes from /proc. --profile writes the daemon's V8 CPU profile into `dir`
// (summarise it with bench/profile-summary.js).
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@virtwire/client';
import {
  chooseAccelerator,
  externalMemoryXml,
  logged,
  makeImages,
  makeMemoryFiles,
  memoryGuestXml,
  qemuCpuMs,
  stoppedMs,
  waitForFill,
  waitForIdle,
} from './lib/qemu-section.js';
import { median } from './lib/stats.js';
import { startVirtwired } from './lib/virtwired.js';

const { values: argv } = parseArgs({
  options: {
    repeats: { type: 'string', default: '5' },
    accel: { type: 'string', default: 'kvm' },
    out: { type: 'string' },
    profile: { type: 'string' },
  },
});
const { accel } = chooseAccelerator(argv.accel);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** CPU time (ms) process `pid` has used so far: user and system, every thread, and per thread name (`comm`: main, libuv-worker, …). */
function cpuMs(pid) {
  const read = (file) => {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
  };
  const all = read(`/proc/${pid}/stat`);
  const threads = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const t = read(`/proc/${pid}/task/${tid}/stat`);
      threads[t.name] = (threads[t.name] ?? 0) + t.user + t.system;
    } catch {
      // gone meanwhile
    }
  }
  return { total: all.user + all.system, user: all.user, system: all.system, threads };
}
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

const dir = mkdtempSync(join(tmpdir(), 'virtwire-memphases-'));
const nodeArgs = argv.profile ? ['--cpu-prof', '--cpu-prof-dir', argv.profile] : [];
const daemon = await startVirtwired({ extraArgs: ['--storage-root', dir], logLevel: 'debug', nodeArgs });
process.stderr.write(`virtwired pid ${daemon.pid}\n`);
const conn = await connect(daemon.uri.replace(/^test\+ws:(\/\/[^/]+)\/default$/, 'qemu+ws:$1/session'));
const [image] = makeImages(dir, 'm', 1);
const { kernel, fill } = makeMemoryFiles(dir);
const uuid = randomUUID();
const dom = await conn.domainDefineXML(memoryGuestXml('memphases', uuid, accel, image, kernel, fill));
const samples = [];
const before = uptime();
try {
  await dom.create();
  await waitForFill(uuid);
  await waitForIdle(uuid);
  for (let r = 0; r < Number(argv.repeats); r++) {
    execFileSync('sync');
    const from = daemon.log.length;
    const cpuBefore = [cpuMs(daemon.pid), qemuCpuMs(uuid)];
    const started = performance.now();
    await dom.snapshotCreateXML(externalMemoryXml(image).replaceAll('@R@', String(r)), 128);
    const clientMs = performance.now() - started;
    const cpuAfter = [cpuMs(daemon.pid), qemuCpuMs(uuid)];
    for (let i = 0; i < 100 && logged(daemon, from, 'snapshot created').length === 0; i++) await sleep(5);
    const [memory] = logged(daemon, from, 'memory saved');
    const [created] = logged(daemon, from, 'snapshot created');
    const runState = logged(daemon, from, 'guest run state').map((l) => ({ event: l.event, at: l.qemuTimeMs }));
    const sample = {
      'planning (XML, checks)': created.totalMs - created.intentMs - created.engineMs - created.commitMs,
      'intent and memory file reserved (journaled, fsync)': created.intentMs,
      'save: set-up (file, socket, migration parameters)': memory.setupMs,
      'save: stop the vCPUs': memory.stopMs,
      'save: QEMU migrating until query-migrate says completed': memory.migrateMs,
      'save: the stream written after completed': memory.drainMs,
      'save: fsync of the file and its directory': memory.syncMs,
      'save: journaled (memory saved), rest of the engine before the transaction': created.engineMs - memory.ms - created.transactionMs,
      'disk transaction (overlay switch)': created.transactionMs,
      'commit: state files, cont, snapshot metadata': created.commitMs,
      'daemon total': created.totalMs,
      'client total': clientMs,
      "vCPUs stopped (QEMU's STOP to RESUME)": stoppedMs(runState),
      'CPU time of virtwired (every thread)': cpuAfter[0].total - cpuBefore[0].total,
      'CPU time of virtwired in the kernel': cpuAfter[0].system - cpuBefore[0].system,
      ...Object.fromEntries(
        Object.entries(cpuAfter[0].threads).map(([name, ms]) => [`CPU time of virtwired's ${name} threads`, ms - (cpuBefore[0].threads[name] ?? 0)]),
      ),
      'CPU time of QEMU (every thread)': cpuAfter[1] - cpuBefore[1],
    };
    samples.push(sample);
    process.stderr.write(`${r + 1}: ${JSON.stringify(sample, (k, v) => (typeof v === 'number' ? Math.round(v) : v))}\n`);
  }
} finally {
  await dom.destroy().catch(() => undefined);
  await dom.undefine().catch(() => undefined);
  await conn.close();
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });
}
const after = uptime();
const lines = [`${accel}, ${samples.length} external memory snapshots of a 1 GiB guest, 512 MiB filled (ms: median (min–max))`];
for (const name of Object.keys(samples[0] ?? {})) {
  const values = samples.map((s) => s[name]).filter(Number.isFinite);
  lines.push(`${median(values).toFixed(1).padStart(8)}  (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})  ${name}`);
}
lines.push(`load: ${before} → ${after}`);
console.log(lines.join('\n'));
if (argv.out)
  writeFileSync(
    argv.out,
    JSON.stringify(
      {
        command: `${process.env.VIRTWIRED_BIN ? `VIRTWIRED_BIN=${process.env.VIRTWIRED_BIN} ` : ''}node bench/qemu-memory-phases.mjs ${process.argv.slice(2).join(' ')}`,
        accel,
        before,
        after,
        samples,
      },
      null,
      2,
    ),
  );
