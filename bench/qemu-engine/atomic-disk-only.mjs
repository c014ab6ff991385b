// Benchmark: latency of the engine's atomic live external disk-only snapshot on a paused q35/TCG guest (1, 4, 16 disks).
//
// Usage (after `npm run build`, or point VW_ENGINE_DIR at any compiled copy of the engine's directory):
//   node bench/qemu-engine/atomic-disk-only.mjs [runs=7] [blockdev-create|engine]
// Reports medians of: QEMU launch to paused, preparation (validate, reserve files, blockdev-add,
// blockdev-create jobs, blockdev-add), and the transaction alone (the only time guest I/O is held).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const engine = process.env.VW_ENGINE_DIR
  ? await import(pathToFileURL(path.join(process.env.VW_ENGINE_DIR, 'index.js')).href)
  : await import('@virtwire/server/qemu-engine');
const runs = Number(process.argv[2] ?? 7);
const overlayCreation = process.argv[3] ?? 'blockdev-create';
const LIBVIRT_9_0_MS = { 1: 18, 4: 46, 16: 184 };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e6;
const targetName = (i) => `vd${i < 26 ? String.fromCharCode(97 + i) : `a${String.fromCharCode(97 + i - 26)}`}`;

async function oneRun(root, diskCount, run) {
  const dir = path.join(root, `n${diskCount}-r${run}`);
  await fs.mkdir(dir, { recursive: true });
  const disks = [];
  for (let i = 0; i < diskCount; i++) {
    const file = path.join(dir, `base${i}.qcow2`);
    await engine.createImage(file, { format: 'qcow2', sizeBytes: 1024 * 1024 * 1024 });
    disks.push({ target: targetName(i), path: file, format: 'qcow2' });
  }
  const t0 = now();
  const guest = await engine.QemuProcess.launch({ name: `bench${diskCount}-${run}`, runtimeDir: path.join(dir, 'run'), disks });
  const launchMs = now() - t0;
  try {
    let beforeTransaction = 0;
    const start = now();
    const result = await engine.createLiveExternalSnapshot(
      guest.qmp,
      disks.map((d, i) => ({ target: d.target, overlayPath: path.join(dir, `ov${i}.qcow2`) })),
      {
        overlayCreation,
        failpoint: (step) => {
          if (step === 'live-external:before-transaction') beforeTransaction = now();
        },
      },
    );
    const end = now();
    if (!result.ok) throw result.error;
    return { launchMs, prepMs: beforeTransaction - start, transactionMs: end - beforeTransaction, totalMs: end - start };
  } finally {
    await guest.quit();
  }
}

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vw-bench-'));
try {
  console.log(`atomic live external disk-only snapshot (overlays formatted by ${overlayCreation}), paused q35/TCG guest, median of ${runs} fresh guests`);
  console.log('disks | launch ms | prep ms | transaction ms | total ms | libvirt 9.0 total | aim (1/3)');
  for (const diskCount of [1, 4, 16]) {
    await oneRun(root, diskCount, 'warmup');
    const samples = [];
    for (let run = 0; run < runs; run++) samples.push(await oneRun(root, diskCount, run));
    const m = (key) => median(samples.map((s) => s[key])).toFixed(1);
    const libvirt = LIBVIRT_9_0_MS[diskCount];
    console.log(
      `${String(diskCount).padStart(5)} | ${m('launchMs').padStart(9)} | ${m('prepMs').padStart(7)} | ${m('transactionMs').padStart(14)} | ${m('totalMs').padStart(8)} | ${String(libvirt).padStart(17)} | ${(libvirt / 3).toFixed(1).padStart(9)}`,
    );
  }
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
