// Bench: the qemu driver's snapshots beside libvirt's qemu:///session over several runs (section (5)), written to bench/results/ as Markdown and JSON.
//
// Usage (after `npm run build`):
//   node bench/qemu-snapshots.mjs [--runs 3] [--repeats 7] [--accel kvm|tcg] [--no-libvirt] [--no-pause-logs] [--qemu-overlays] [--only memoryExternal] [--out bench/results/qemu-snapshots]
// Each run starts a fresh virtwired and a fresh libvirtd (their order alternates run by run) and
// times `repeats` snapshots of each kind on each side; the report gives each run's median and the
// range over every sample of every run. --no-pause-logs runs both daemons without the logs the
// pause figures come from (to check what logging costs); --qemu-overlays adds virtwire with
// `--qemu-overlay-creation blockdev-create` (QEMU formats the overlays) for the disk-only figures; --only takes a comma-separated list of
// workloads (disk1, disk4, disk16, memory, memoryExternal) and leaves the others out.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { libvirtMissing, libvirtVersion } from './lib/libvirtd.js';
import { FILL_MIB, runQemuSection } from './lib/qemu-section.js';
import { fmt } from './lib/stats.js';

const { values: argv } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '7' },
    accel: { type: 'string', default: 'kvm' },
    'no-libvirt': { type: 'boolean', default: false },
    'no-pause-logs': { type: 'boolean', default: false },
    'qemu-overlays': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/qemu-snapshots' },
    only: { type: 'string' },
  },
});
const runs = Number(argv.runs);
const repeats = Number(argv.repeats);
const missing = argv['no-libvirt'] ? 'not asked for (--no-libvirt)' : libvirtMissing();
const withLibvirt = !missing;

const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const qemuVersion = () => execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0];
const log = (line) => process.stderr.write(`${line}\n`);

const command =
  `${process.env.VIRTWIRED_BIN ? `VIRTWIRED_BIN=${process.env.VIRTWIRED_BIN} ` : ''}node bench/qemu-snapshots.mjs ${process.argv.slice(2).join(' ')}`.trim();
const environment = {
  command,
  date: new Date().toISOString(),
  machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB`,
  kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
  node: process.version,
  qemu: qemuVersion(),
  libvirt: withLibvirt ? `libvirtd ${libvirtVersion()} (qemu:///session of an unprivileged libvirtd, python3-libvirt client)` : `not measured: ${missing}`,
  runs,
  repeats,
  fillMiB: FILL_MIB,
};

const results = [];
for (let run = 0; run < runs; run++) {
  const before = uptime();
  log(`run ${run + 1}/${runs}: ${before}`);
  const section = await runQemuSection({
    withLibvirt,
    repeats,
    accel: argv.accel,
    libvirtFirst: run % 2 === 1,
    pauseLogs: !argv['no-pause-logs'],
    qemuOverlays: argv['qemu-overlays'],
    only: argv.only?.split(','),
  });
  const after = uptime();
  results.push({ run: run + 1, uptimeBefore: before, uptimeAfter: after, ...section });
  for (const row of section.rows) log(`  ${row.figure}: ${show(row.ours)} / ${show(row.libvirt)}`);
}

function show(summary) {
  if (!summary) return '—';
  if (summary.skipped) return `skipped: ${summary.skipped}`;
  if (summary.error) return `fails: ${summary.error}`;
  return `${fmt(summary.median)} (${fmt(summary.min)}–${fmt(summary.max)}) [${summary.accel}]`;
}

/** Per figure and side: each run's median, and the range over every sample of every run. */
function combine(index, side) {
  const summaries = results.map((r) => r.rows[index]?.[side]);
  if (summaries.some((s) => !s || s.error || s.skipped)) {
    const bad = summaries.find((s) => s?.error || s?.skipped);
    return bad ? { error: bad.error ?? `skipped: ${bad.skipped}` } : undefined;
  }
  return {
    medians: summaries.map((s) => s.median),
    min: Math.min(...summaries.map((s) => s.min)),
    max: Math.max(...summaries.map((s) => s.max)),
    accel: [...new Set(summaries.map((s) => s.accel))].join(', '),
  };
}

function cell(combined) {
  if (!combined) return '—';
  if (combined.error) return combined.error;
  return `${combined.medians.map(fmt).join(' / ')} (${fmt(combined.min)}–${fmt(combined.max)})`;
}

const figures = results[0].rows.map((row, index) => {
  const ours = combine(index, 'ours');
  const libvirt = withLibvirt ? combine(index, 'libvirt') : undefined;
  const ratios = ours?.medians && libvirt?.medians && libvirt.medians.every((m) => m > 0) ? ours.medians.map((m, i) => m / libvirt.medians[i]) : undefined;
  return { figure: row.figure, unit: row.unit, target: row.target, ours, libvirt, ratios };
});

const lines = [
  `# qemu driver snapshots beside libvirt (${environment.date})`,
  '',
  `Command: \`${command}\``,
  '',
  `Machine: ${environment.machine}, Linux ${environment.kernel}; Node ${environment.node}; ${environment.qemu}; libvirt: ${environment.libvirt}.`,
  `Accelerator asked for: ${argv.accel}; used: virtwire ${figures[0].ours?.accel ?? '—'}, libvirt ${figures[0].libvirt?.accel ?? '—'} (read from each QEMU's command line).`,
  ...results.flatMap((r) => r.skipped.map((s) => `Run ${r.run}: ${s}.`)),
  '',
  `${runs} runs, ${repeats} snapshots per figure per run. Cells: each run's median (ms), then the range over all samples of all runs.`,
  '',
  '| figure | virtwire: run medians (min–max) | libvirt: run medians (min–max) | ratio per run | target |',
  '| --- | --- | --- | --- | --- |',
  ...figures.map((f) => {
    const ratio = f.ratios ? f.ratios.map((r) => `${r.toFixed(2)}×`).join(' / ') : '—';
    const target =
      f.target?.max !== undefined ? `≤ ${f.target.max.toFixed(2)}×: ${f.ratios ? (f.ratios.every((r) => r <= f.target.max) ? 'met' : 'not met') : '—'}` : '';
    return `| ${f.figure} | ${cell(f.ours)} | ${cell(f.libvirt)} | ${ratio} | ${target} |`;
  }),
  '',
  'Load (uptime) before and after each run:',
  '',
  ...results.map((r) => `- run ${r.run}: ${r.uptimeBefore} → ${r.uptimeAfter}`),
  '',
];
writeFileSync(`${argv.out}.md`, lines.join('\n'));
writeFileSync(`${argv.out}.json`, JSON.stringify({ environment, figures, runs: results }, null, 2) + '\n');
process.stdout.write(lines.join('\n'));
