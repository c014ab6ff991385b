// Benchmark: how fast a stopped 1 GiB guest's migration stream (512 MiB filled) reaches a file: QEMU into a trivial reader (`nc -lU`) beside the engine's saveMemoryStream, phase by phase.
//
// Usage (after `npm run build`, or point VW_ENGINE_DIR at any compiled copy of the engine's directory):
//   node bench/qemu-engine/memory-stream.mjs [--repeats 5] [--accel kvm|tcg] [--sinks nc,discard,engine] [--dir /var/tmp] [--loads 3]
// One QEMU (-kernel: a multiboot image that halts, -initrd: the fill, so QEMU's loader fills the
// RAM) runs the whole time; each repetition stops its vCPUs, streams to each sink in turn, and
// resumes it. Sinks: `nc` (OpenBSD netcat listening on the socket, stdout to the file: the stream
// as fast as QEMU makes it plus a plain read/write loop), `discard` (a Node reader that only counts
// the bytes: QEMU's own rate), `engine` (saveMemoryStream, with its phases). The file is flushed
// (fsync of it and of its directory) after `nc` too, so the totals compare like with like.
// --loads N then loads the engine's last file N times into a fresh QEMU started with
// `-incoming defer` (loadMemoryStream, as a revert does; the file is in the page cache).
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { guestKernel } from '../lib/guest-kernel.js';
import { median } from '../lib/stats.js';

const engine = process.env.VW_ENGINE_DIR
  ? await import(pathToFileURL(path.join(process.env.VW_ENGINE_DIR, 'index.js')).href)
  : await import('@virtwire/server/qemu-engine');
const { values: argv } = parseArgs({
  options: {
    repeats: { type: 'string', default: '5' },
    accel: { type: 'string', default: 'kvm' },
    sinks: { type: 'string', default: 'nc,discard,engine' },
    dir: { type: 'string', default: os.tmpdir() },
    loads: { type: 'string', default: '0' },
  },
});
const FILL_MIB = 512;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();

/** Polls query-migrate every millisecond until the migration is over; its status. */
async function migrated(qmp) {
  for (;;) {
    const { status } = await qmp.execute('query-migrate');
    if (status === 'completed' || status === 'failed' || status === 'cancelled') return status;
    await sleep(1);
  }
}

async function flush(file) {
  const started = now();
  for (const target of [file, path.dirname(file)]) {
    const handle = await fs.open(target, 'r');
    await handle.sync();
    await handle.close();
  }
  return now() - started;
}

/** A trivial reader: `nc -lU socket > file`; QEMU migrates into it. */
async function viaNc(qmp, dir) {
  const socket = path.join(dir, 'nc.sock');
  const file = path.join(dir, 'nc.mem');
  await fs.rm(socket, { force: true });
  const out = openSync(file, 'w', 0o600);
  const nc = spawn('nc', ['-d', '-lU', socket], { stdio: ['ignore', out, 'inherit'] });
  closeSync(out);
  const exited = new Promise((resolve) => nc.once('exit', resolve));
  for (let i = 0; i < 200 && !(await fs.stat(socket).catch(() => undefined)); i++) await sleep(5);
  const t0 = now();
  await qmp.execute('migrate', { uri: `unix:${socket}` });
  const status = await migrated(qmp);
  const t1 = now();
  await exited;
  const t2 = now();
  const syncMs = await flush(file);
  const bytes = (await fs.stat(file)).size;
  await fs.rm(file, { force: true });
  if (status !== 'completed') throw new Error(`nc: migration ${status}`);
  return { migrateMs: t1 - t0, drainMs: t2 - t1, syncMs, totalMs: t2 - t0 + syncMs, bytes };
}

/** A Node reader that drops the bytes: how fast QEMU makes the stream. */
async function viaDiscard(qmp, dir) {
  const socket = path.join(dir, 'discard.sock');
  await fs.rm(socket, { force: true });
  const server = net.createServer();
  await new Promise((resolve) => server.listen(socket, resolve));
  let bytes = 0;
  const ended = new Promise((resolve) =>
    server.once('connection', (s) => {
      s.on('data', (chunk) => (bytes += chunk.length));
      s.on('end', resolve);
    }),
  );
  const t0 = now();
  await qmp.execute('migrate', { uri: `unix:${socket}` });
  const status = await migrated(qmp);
  const t1 = now();
  await ended;
  const t2 = now();
  server.close();
  if (status !== 'completed') throw new Error(`discard: migration ${status}`);
  return { migrateMs: t1 - t0, drainMs: t2 - t1, totalMs: t2 - t0, bytes };
}

/** The engine's own save (the vCPUs already stopped, so `live` keeps them as they are). */
async function viaEngine(qmp, dir) {
  const file = path.join(dir, 'engine.mem');
  const reserved = await engine.reserveFile(file);
  const cpu = process.cpuUsage();
  const result = await engine.saveMemoryStream(qmp, reserved, path.join(dir, 'engine.sock'), { live: true });
  const { user, system } = process.cpuUsage(cpu);
  await fs.rm(kept, { force: true });
  await fs.rename(file, kept);
  const { migrateMs, drainMs, syncMs } = result.phases;
  return {
    setupMs: result.phases.setupMs,
    migrateMs,
    drainMs,
    syncMs,
    totalMs: result.ms,
    cpuMs: (user + system) / 1000,
    kernelMs: system / 1000,
    copier: result.copier ?? 'daemon',
    bytes: result.bytes,
  };
}

/** The engine's last memory file, for --loads. */
let kept = '';

/** One load of `file` into a fresh QEMU (-incoming defer), as a revert does: ms from migrate-incoming to QEMU out of `inmigrate`. */
async function loadOnce(file, i) {
  let ms = NaN;
  const target = await engine.QemuProcess.launch({
    name: `memload${i}`,
    runtimeDir: path.join(root, `load${i}`),
    disks: [],
    memoryMiB: 1024,
    accel: argv.accel,
    extraArgs: ['-kernel', kernel, '-initrd', fill, '-incoming', 'defer'],
    startState: 'prelaunch',
    beforeStart: async (qmp) => {
      const started = now();
      await engine.loadMemoryStream(qmp, file, path.join(root, `load${i}`, 'mem.sock'));
      ms = now() - started;
    },
  });
  await target.quit();
  return ms;
}

const SINKS = { nc: viaNc, discard: viaDiscard, engine: viaEngine };
const sinks = argv.sinks.split(',').filter((s) => SINKS[s]);

const root = await fs.mkdtemp(path.join(argv.dir, 'vw-memstream-'));
kept = path.join(root, 'kept.mem');
const kernel = path.join(root, 'halt-kernel.elf');
const fill = path.join(root, 'fill.bin');
writeFileSync(kernel, guestKernel());
execFileSync('head', ['-c', `${FILL_MIB}M`, '/dev/urandom'], { stdio: ['ignore', openSync(fill, 'w'), 'inherit'] });
const guest = await engine.QemuProcess.launch({
  name: 'memstream',
  runtimeDir: path.join(root, 'run'),
  disks: [],
  memoryMiB: 1024,
  accel: argv.accel,
  extraArgs: ['-kernel', kernel, '-initrd', fill],
  startState: 'running',
});
const samples = Object.fromEntries(sinks.map((s) => [s, []]));
try {
  // the loader has copied the fill into RAM once QEMU holds it twice (its own copy and the guest's)
  for (let i = 0; i < 480; i++) {
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(await fs.readFile(`/proc/${guest.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    if (rss >= 2 * FILL_MIB) break;
    await sleep(250);
  }
  await sleep(500);
  // never throttled (the engine sets this itself, as libvirt does for a save to a file)
  await guest.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 2 ** 53 - 1 });
  for (let r = 0; r < Number(argv.repeats); r++) {
    for (const sink of sinks) {
      execFileSync('sync');
      await guest.qmp.execute('stop');
      samples[sink].push(await SINKS[sink](guest.qmp, root));
      await guest.qmp.execute('cont');
      process.stderr.write(`${r + 1} ${sink}: ${JSON.stringify(samples[sink].at(-1), (k, v) => (typeof v === 'number' ? Math.round(v) : v))}\n`);
    }
  }
} finally {
  await guest.quit();
}
const loads = [];
try {
  for (let i = 0; i < Number(argv.loads) && sinks.includes('engine'); i++) {
    loads.push(await loadOnce(kept, i));
    process.stderr.write(`load ${i + 1}: ${Math.round(loads.at(-1))} ms\n`);
  }
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
console.log(`${argv.accel}, ${Number(argv.repeats)} repetitions, stream of a stopped 1 GiB guest with ${FILL_MIB} MiB filled (ms: median (min–max))`);
for (const sink of sinks) {
  const fields = Object.keys(samples[sink][0] ?? {}).filter((k) => k !== 'bytes' && typeof samples[sink][0][k] === 'number');
  const cell = (k) => {
    const values = samples[sink].map((s) => s[k]);
    return `${k} ${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
  };
  console.log(`${sink.padEnd(8)} ${fields.map(cell).join(', ')}; ${(samples[sink][0]?.bytes / 2 ** 20).toFixed(0)} MiB`);
}
if (loads.length)
  console.log(
    `load     ${median(loads).toFixed(0)} (${Math.min(...loads).toFixed(0)}–${Math.max(...loads).toFixed(0)}) ms: loadMemoryStream into a QEMU with -incoming defer`,
  );
