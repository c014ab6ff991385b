// Where one atomic disk-only snapshot's time goes in virtwired: its system calls (strace) split into the create's phases.
//
// Usage (after `npm run build`, as a user who may strace the daemon):
//   node bench/qemu-create-phases.mjs [--disks 16] [--samples 5] [--accel kvm|tcg] [-- extra virtwired options]
// A running guest with `disks` qcow2 disks takes two snapshots to warm up, then each sample is one
// more snapshot with strace attached to the daemon (which slows it: read the phases as shares).
// The phases are told apart by the system calls that start them: the intent's first write, the
// QMP commands (query-block, blockdev-add, blockdev-create, transaction), the overlay files' creation,
// and the reply on the client's socket. The phases are those of the default overlay creation
// (blockdev-create); with `-- --qemu-overlay-creation engine` the driver's own overlay writes fall
// into "reserved files journaled".
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@virtwire/client';
import { chooseAccelerator } from './lib/qemu-section.js';
import { median } from './lib/stats.js';
import { startVirtwired } from './lib/virtwired.js';

const { values: argv, positionals } = parseArgs({
  options: { disks: { type: 'string', default: '16' }, samples: { type: 'string', default: '5' }, accel: { type: 'string', default: 'kvm' } },
  allowPositionals: true,
});
const disks = Number(argv.disks);
const { accel } = chooseAccelerator(argv.accel);
const target = (i) => `vd${String.fromCharCode(97 + i)}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One strace line: `{ at (s), call, args }`; unfinished/resumed halves are left out. */
function traced(file) {
  const calls = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\d+\s+(\d+\.\d+) (\w+)\((.*)$/.exec(line);
    if (match) calls.push({ at: Number(match[1]), call: match[2], args: match[3] });
  }
  return calls;
}

/** The phases of the one snapshot in `file`, in ms, or undefined when a marker is missing. */
function phases(file) {
  const calls = traced(file);
  const find = (from, test) => calls.find((c) => c.at >= from && test(c))?.at;
  const qmp = (command) => (c) => c.call === 'write' && c.args.includes(`\\"execute\\":\\"${command}\\"`);
  const reply = calls.filter((c) => c.call === 'writev' && c.args.includes('jsonrpc')).at(-1);
  const intent = find(0, (c) => c.call === 'openat' && c.args.includes('intents/.vwtmp'));
  if (!reply || intent === undefined) return undefined;
  const socket = reply.args.split(',')[0];
  const request = calls.filter((c) => c.call === 'read' && c.args.startsWith(`${socket},`) && c.at < intent).at(-1)?.at;
  const validate = find(intent, qmp('query-block'));
  const reserve = find(validate, (c) => c.call === 'openat' && /\.s\d+"/.test(c.args));
  const journalFiles = find(reserve, (c) => c.call === 'openat' && c.args.includes('intents/.vwtmp'));
  const addFiles = find(journalFiles, qmp('blockdev-add'));
  const create = find(addFiles, qmp('blockdev-create'));
  const addFormats = find(create ?? addFiles, (c) => qmp('blockdev-add')(c) && c.args.includes('qcow2'));
  const transaction = find(addFormats, qmp('transaction'));
  const answered = find(transaction, (c) => c.call === 'read' && c.args.includes('return'));
  const marks = [
    ['planning and checks, to the intent', request],
    ['intent journaled (file, directory fsync)', intent],
    ['validate: QMP queries of the block graph', validate],
    ['overlay files reserved (O_EXCL)', reserve],
    ['reserved files journaled', journalFiles],
    ['blockdev-add of the file nodes', addFiles],
    ['blockdev-create jobs, job-dismiss', create],
    ['blockdev-add of the qcow2 nodes', addFormats],
    ['transaction (guest I/O held)', transaction],
    ['commit: state files, intent removed, reply', answered],
  ].filter(([, at]) => at !== undefined);
  const result = {};
  marks.forEach(([name, at], i) => (result[name] = ((marks[i + 1]?.[1] ?? reply.at) - at) * 1000));
  result.total = (reply.at - request) * 1000;
  return result;
}

const dir = mkdtempSync(join(tmpdir(), 'virtwire-phases-'));
const images = Array.from({ length: disks }, (_, i) => join(dir, `d${i}.qcow2`));
for (const image of images) execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '64M']);
const daemon = await startVirtwired({ extraArgs: ['--storage-root', dir, ...positionals] });
const conn = await connect(daemon.uri.replace(/^test\+ws:(\/\/[^/]+)\/default$/, 'qemu+ws:$1/session'));
const dom = await conn.domainDefineXML(
  `<domain type='${accel === 'kvm' ? 'kvm' : 'qemu'}'><name>phases</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>${images
    .map((p, i) => `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${p}'/><target dev='${target(i)}' bus='virtio'/></disk>`)
    .join('')}</devices></domain>`,
);
await dom.create();
const snapshot = (r) =>
  dom.snapshotCreateXML(
    `<domainsnapshot><name>s${r}</name><disks>${images.map((p, i) => `<disk name='${target(i)}' snapshot='external'><source file='${p}.s${r}'/></disk>`).join('')}</disks></domainsnapshot>`,
    16 | 128,
  );
const samples = [];
try {
  for (let r = 0; r < 2; r++) await snapshot(r);
  for (let r = 2; r < 2 + Number(argv.samples); r++) {
    execFileSync('sync');
    const file = join(dir, `strace-${r}.txt`);
    const calls = 'write,writev,read,fsync,openat,rename,unlink';
    const strace = spawn('strace', ['-f', '-ttt', '-T', '-s', '120', '-e', `trace=${calls}`, '-p', String(daemon.pid), '-o', file], { stdio: 'ignore' });
    await sleep(1000);
    await snapshot(r);
    await sleep(50);
    strace.kill('SIGINT');
    await new Promise((resolve) => strace.once('exit', resolve));
    const sample = phases(file);
    if (sample) samples.push(sample);
  }
} finally {
  await dom.destroy().catch(() => undefined);
  await conn.close();
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${disks} disks, ${accel}, ${samples.length} snapshots under strace (ms: median, min–max)`);
for (const name of Object.keys(samples[0] ?? {})) {
  const values = samples.map((s) => s[name]).filter(Number.isFinite);
  console.log(`${median(values).toFixed(1).padStart(7)}  (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})  ${name}`);
}
