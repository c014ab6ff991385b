// Benchmark: atomic external disk-only snapshot of a paused q35/TCG guest with 1, 4 and 16 disks, through virtwired (its own process) and the SDK.
//
// Usage (after `npm run build`):  node bench/qemu-driver.mjs [runs=7] [blockdev-create|engine]
// For each disk count and run: a fresh domain (1 GiB qcow2 disks, started paused), one
// DomainSnapshotCreateXML(DISK_ONLY|ATOMIC) timed in this client process, and the daemon's own
// measurement (debug log) of the QMP `transaction`, the only time the guest's I/O is held.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../', import.meta.url));
const { benchTokenArgs } = await import('./lib/bench-token.js');
const { connect, DomainCreateFlags, DomainSnapshotCreateFlags } = await import('@virtwire/client');
const runs = Number(process.argv[2] ?? 7);
const overlayCreation = process.argv[3] ?? 'blockdev-create';
const LIBVIRT_9_0_MS = { 1: 18, 4: 46, 16: 184 };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const targetName = (i) => `vd${i < 26 ? String.fromCharCode(97 + i) : `a${String.fromCharCode(97 + i - 26)}`}`;

/** Starts the real daemon binary and resolves with its address and a way to read its log. */
function startDaemon(root) {
  const child = spawn(
    process.execPath,
    [
      path.join(repo, 'packages/server/bin/virtwired.js'),
      '--listen',
      '127.0.0.1:0',
      '--no-unix',
      '--log-level',
      'debug',
      '--state-dir',
      path.join(root, 'state'),
      ...benchTokenArgs(root),
      '--storage-root',
      path.join(root, 'images'),
      '--qemu-runtime-dir',
      path.join(root, 'run'),
      '--qemu-overlay-creation',
      overlayCreation,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log = [];
  let buffered = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        log.push(line);
        const match = /"addresses":\["(ws:\/\/[^"]+)"/.exec(line);
        if (match) resolve({ child, address: match[1], log });
      }
    });
    child.once('exit', (code) => reject(new Error(`virtwired exited (${code}): ${log.slice(-5).join('\n')}`)));
  });
}

function domainXml(name, disks) {
  const devices = disks
    .map((d) => `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${d.path}'/><target dev='${d.target}' bus='virtio'/></disk>`)
    .join('');
  return `<domain type='qemu'><name>${name}</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>${devices}</devices></domain>`;
}

async function makeImage(file) {
  await new Promise((resolve, reject) => {
    const child = spawn('qemu-img', ['create', '-q', '-f', 'qcow2', file, '1G'], { stdio: 'ignore' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`qemu-img create ${file}: ${code}`))));
  });
}

async function oneRun(conn, daemon, root, diskCount, run) {
  const name = `bench${diskCount}-${run}`;
  const disks = [];
  for (let i = 0; i < diskCount; i++) {
    const file = path.join(root, 'images', `${name}-${i}.qcow2`);
    await makeImage(file);
    disks.push({ target: targetName(i), path: file });
  }
  const defined = await conn.domainDefineXML(domainXml(name, disks));
  await defined.create(DomainCreateFlags.StartPaused);
  const dom = await conn.domainLookupByName(name);
  const xml = `<domainsnapshot><name>s1</name><disks>${disks.map((d) => `<disk name='${d.target}' snapshot='external'><source file='${d.path}.s1'/></disk>`).join('')}</disks></domainsnapshot>`;
  const logged = daemon.log.length;
  const start = performance.now();
  await dom.snapshotCreateXML(xml, DomainSnapshotCreateFlags.DiskOnly | DomainSnapshotCreateFlags.Atomic);
  const latencyMs = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 20));
  const line = daemon.log.slice(logged).find((l) => l.includes('"snapshot created"'));
  const entry = line ? JSON.parse(line) : {};
  await dom.destroy();
  return { latencyMs, daemonMs: entry.totalMs, transactionMs: entry.transactionMs };
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vw-drv-bench-'));
await fs.mkdir(path.join(root, 'images'));
const daemon = await startDaemon(root);
const conn = await connect(`qemu+${daemon.address}/session`);
try {
  console.log(
    `atomic live external disk-only snapshot through virtwired (separate process) and the SDK, overlays formatted by ${overlayCreation}, paused q35/TCG guest, median of ${runs} fresh guests`,
  );
  console.log('disks | client latency ms | daemon ms | transaction ms (I/O held) | libvirt 9.0 ms | aim (1/3)');
  for (const diskCount of [1, 4, 16]) {
    await oneRun(conn, daemon, root, diskCount, 'warmup');
    const samples = [];
    for (let run = 0; run < runs; run++) samples.push(await oneRun(conn, daemon, root, diskCount, run));
    const m = (key) => median(samples.map((s) => s[key])).toFixed(1);
    const libvirt = LIBVIRT_9_0_MS[diskCount];
    console.log(
      `${String(diskCount).padStart(5)} | ${m('latencyMs').padStart(17)} | ${m('daemonMs').padStart(9)} | ${m('transactionMs').padStart(25)} | ${String(libvirt).padStart(14)} | ${(libvirt / 3).toFixed(1).padStart(9)}`,
    );
  }
} finally {
  await conn.close();
  daemon.child.kill('SIGTERM');
  await new Promise((resolve) => daemon.child.once('exit', resolve));
  await fs.rm(root, { recursive: true, force: true });
}
