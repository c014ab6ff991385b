// (5) The qemu driver beside libvirt's: atomic disk-only snapshots at 1, 4 and 16 disks, a memory snapshot of a 1 GiB guest, and how long each paused the guest.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, ErrorNumber } from '@virtwire/client';
import { LIBVIRT_HELPER, PYTHON, startLibvirtd } from './libvirtd.js';
import { sleep, startHolder } from './processes.js';
import { summarise } from './stats.js';
import { startVirtwired, virtwiredAccepts } from './virtwired.js';
import { guestKernel } from './guest-kernel.js';

const DISK_ONLY = 16;
const ATOMIC = 128;
const NOBODY = 65534;
const DISK_COUNTS = [1, 4, 16];
/** The memory snapshot's guest: 1 GiB of RAM, of which FILL_MIB are filled with random bytes at boot. */
const MEMORY_MIB = 1024;
export const FILL_MIB = 512;
const target = (i) => `vd${String.fromCharCode(97 + i)}`;

function has(command, args) {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The kvm group's id, or undefined. */
function kvmGroup() {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('kvm:'));
  return line ? Number(line.split(':')[2]) : undefined;
}

/** Whether /dev/kvm opens read-write for this process. */
function kvmOpens() {
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    return false;
  }
}

/**
 * The accelerator both sides use: KVM when /dev/kvm opens read-write for virtwired (this user) and
 * for libvirt's unprivileged session (`nobody` in the kvm group when run as root), else TCG; with
 * the reason for TCG, and the groups libvirtd needs.
 */
export function chooseAccelerator(requested) {
  if (requested === 'tcg') return { accel: 'tcg', why: 'asked for (--accel tcg)', libvirtGroups: [] };
  if (!kvmOpens()) return { accel: 'tcg', why: '/dev/kvm does not open read-write for this user', libvirtGroups: [] };
  if (process.getuid?.() !== 0) return { accel: 'kvm', libvirtGroups: [] };
  const gid = kvmGroup();
  const groups = gid === undefined ? ['--clear-groups'] : [`--groups=${gid}`];
  const probe = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, ...groups, 'sh', '-c', 'exec 3<>/dev/kvm'];
  if (!has(probe[0], probe.slice(1))) return { accel: 'tcg', why: "/dev/kvm does not open read-write for libvirt's nobody user", libvirtGroups: [] };
  return { accel: 'kvm', libvirtGroups: gid === undefined ? [] : [gid] };
}

/** The command line (arguments) of the QEMU whose arguments mention `uuid` (virtwire names QEMU by it, libvirt passes -uuid), or undefined. */
function qemuOf(uuid) {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args[0]?.includes('qemu-system') && args.some((a) => a.includes(uuid))) return { pid, args };
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The accelerator a running guest's QEMU was started with (read from its command line), or 'unknown'. */
function acceleratorOf(uuid) {
  const qemu = qemuOf(uuid);
  return (qemu && /accel[= ](kvm|tcg)/.exec(qemu.args.join(' '))?.[1]) ?? 'unknown';
}

/** Resident memory (MiB) of the guest's QEMU, or 0. */
function qemuResidentMiB(uuid) {
  const qemu = qemuOf(uuid);
  try {
    return qemu ? Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${qemu.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (ms, every thread) the guest's QEMU has used so far, or undefined. */
export function qemuCpuMs(uuid) {
  const qemu = qemuOf(uuid);
  try {
    const stat = readFileSync(`/proc/${qemu.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the guest is idle (its QEMU used under 10% of a CPU over two 250 ms windows in a row),
 * so that no snapshot runs while the firmware still boots: under TCG SeaBIOS takes seconds of CPU.
 */
export async function waitForIdle(uuid, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let last = qemuCpuMs(uuid);
  while (Date.now() < deadline && quiet < 2) {
    await sleep(250);
    const now = qemuCpuMs(uuid);
    quiet = now !== undefined && last !== undefined && now - last < 25 ? quiet + 1 : 0;
    last = now;
  }
}

/**
 * Waits until the memory guest's QEMU holds the fill twice (its own copy of the module, read at
 * start, and the guest's, copied into RAM by the multiboot loader) and stops growing.
 */
export async function waitForFill(uuid, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    const rss = qemuResidentMiB(uuid);
    if (rss >= 2 * FILL_MIB && rss - last < 1) return rss;
    last = rss;
    await sleep(250);
  }
  throw new Error(`the guest ${uuid} did not fill its memory in time`);
}

const diskXml = (images) =>
  images
    .map(
      (path, i) => `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${path}'/><target dev='${target(i)}' bus='virtio'/></disk>`,
    )
    .join('\n  ');

/** A q35 guest with no OS (SeaBIOS finds nothing to boot and idles) on `images`. */
const diskGuestXml = (
  name,
  uuid,
  accel,
  images,
) => `<domain type='${accel === 'kvm' ? 'kvm' : 'qemu'}'><name>${name}</name><uuid>${uuid}</uuid><memory unit='KiB'>131072</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
  ${diskXml(images)}
  </devices></domain>`;

/** The 1 GiB guest: a multiboot kernel that halts, and FILL_MIB of random bytes loaded into its RAM as a module. */
export const memoryGuestXml = (
  name,
  uuid,
  accel,
  image,
  kernel,
  fill,
) => `<domain type='${accel === 'kvm' ? 'kvm' : 'qemu'}'><name>${name}</name><uuid>${uuid}</uuid><memory unit='KiB'>${MEMORY_MIB * 1024}</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><kernel>${kernel}</kernel><initrd>${fill}</initrd></os><devices>
  ${diskXml([image])}
  </devices></domain>`;

/** Snapshot XML with an external overlay beside each image; `@R@` is replaced by the repetition. */
const diskOnlyXml = (images) =>
  `<domainsnapshot><name>s@R@</name><disks>${images.map((image, i) => `<disk name='${target(i)}' snapshot='external'><source file='${image.replace(/\.qcow2$/, '.s@R@')}'/></disk>`).join('')}</disks></domainsnapshot>`;
/** A full-system snapshot with libvirt's defaults: on a running guest with qcow2 disks, an internal checkpoint (QEMU's snapshot-save / savevm). */
const memoryXml = () => `<domainsnapshot><name>m@R@</name></domainsnapshot>`;

/** A full external snapshot: the guest's memory to a file and its disk to an overlay, both beside the image. */
export const externalMemoryXml = (image) =>
  `<domainsnapshot><name>e@R@</name><memory snapshot='external' file='${image.replace(/\.qcow2$/, '.mem.e@R@')}'/><disks><disk name='vda' snapshot='external'><source file='${image.replace(/\.qcow2$/, '.e@R@')}'/></disk></disks></domainsnapshot>`;

/** `disks` fresh 64 MiB qcow2 images in `dir` (owned by `owner` when given, for an unprivileged libvirtd). */
export function makeImages(dir, prefix, disks, owner) {
  const images = Array.from({ length: disks }, (_, i) => join(dir, `${prefix}-${i}.qcow2`));
  for (const image of images) {
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '64M']);
    if (owner !== undefined) chownSync(image, owner, owner);
  }
  return images;
}

/** The guest kernel and its fill module in `dir`. */
export function makeMemoryFiles(dir, owner) {
  const kernel = join(dir, 'halt-kernel.elf');
  const fill = join(dir, 'fill.bin');
  writeFileSync(kernel, guestKernel());
  execFileSync('head', ['-c', `${FILL_MIB}M`, '/dev/urandom'], { stdio: ['ignore', openSync(fill, 'w'), 'inherit'] });
  for (const file of [kernel, fill]) {
    chmodSync(file, 0o644);
    if (owner !== undefined) chownSync(file, owner, owner);
  }
  return { kernel, fill };
}

/** The workloads of one run (those named in `only`, when given): what each defines and which snapshot it takes. */
function workloads(accel, dir, owner, prefix, withMemory = true, only = undefined) {
  const list = DISK_COUNTS.filter((n) => !only || only.includes(`disk${n}`)).map((n) => {
    const images = makeImages(dir, `${prefix}${n}`, n, owner);
    const uuid = randomUUID();
    return { key: `disk${n}`, uuid, xml: diskGuestXml(`bench-q${n}`, uuid, accel, images), snapshotXml: diskOnlyXml(images), flags: DISK_ONLY | ATOMIC };
  });
  if (!withMemory || (only && !only.includes('memory') && !only.includes('memoryExternal'))) return list;
  const [image] = makeImages(dir, `${prefix}m`, 1, owner);
  const { kernel, fill } = makeMemoryFiles(dir, owner);
  const uuid = randomUUID();
  list.push({ key: 'memory', uuid, xml: memoryGuestXml('bench-mem', uuid, accel, image, kernel, fill), snapshotXml: memoryXml(), flags: 0, fills: true });
  // the same guest shape again for an external memory snapshot (memory file and disk overlay beside the image)
  const [extImage] = makeImages(dir, `${prefix}x`, 1, owner);
  const extUuid = randomUUID();
  const extXml = memoryGuestXml('bench-extmem', extUuid, accel, extImage, kernel, fill);
  list.push({ key: 'memoryExternal', uuid: extUuid, xml: extXml, snapshotXml: externalMemoryXml(extImage), flags: ATOMIC, fills: true });
  return only ? list.filter((work) => only.includes(work.key)) : list;
}

/** The log lines (parsed) of virtwired from index `from` with message `msg`. */
export const logged = (daemon, from, msg) =>
  daemon.log
    .slice(from)
    .filter((line) => line.includes(`"${msg}"`))
    .map((line) => JSON.parse(line));

/** How long the vCPUs stood still between a STOP and the next RESUME (QEMU's timestamps), summed; 0 when never stopped. */
export function stoppedMs(events) {
  let total = 0;
  let stoppedAt;
  for (const { event, at } of events) {
    if (event === 'STOP' && stoppedAt === undefined) stoppedAt = at;
    else if (event === 'RESUME' && stoppedAt !== undefined) {
      total += at - stoppedAt;
      stoppedAt = undefined;
    }
  }
  return total;
}

/** virtwire: one workload on a fresh guest; client latency, I/O held by the transaction and vCPU stop per snapshot. */
async function oursOne(conn, daemon, work, repeats, pauseLogs) {
  const dom = await conn.domainDefineXML(work.xml);
  const samples = { ms: [], ioHeldMs: [], vcpuStoppedMs: [], memorySaved: [] };
  try {
    await dom.create();
    const accel = acceleratorOf(work.uuid);
    if (work.fills) await waitForFill(work.uuid);
    await waitForIdle(work.uuid);
    for (let r = 0; r < repeats; r++) {
      // every snapshot starts with no dirty pages waiting to be written back (libvirt's side does the same)
      execFileSync('sync');
      const from = daemon.log.length;
      const start = performance.now();
      await dom.snapshotCreateXML(work.snapshotXml.replaceAll('@R@', String(r)), work.flags);
      samples.ms.push(performance.now() - start);
      if (!pauseLogs) continue;
      // the debug line is written before the reply; give the pipe a moment
      for (let i = 0; i < 100 && logged(daemon, from, 'snapshot created').length === 0; i++) await sleep(5);
      const created = logged(daemon, from, 'snapshot created')[0];
      const runState = logged(daemon, from, 'guest run state').map((l) => ({ event: l.event, at: l.qemuTimeMs }));
      if (work.flags & DISK_ONLY) samples.ioHeldMs.push(created?.transactionMs ?? NaN);
      // an external memory snapshot's save, phase by phase (the daemon's "memory saved" line), kept in the JSON
      const [saved] = logged(daemon, from, 'memory saved');
      if (saved) samples.memorySaved.push(saved);
      samples.vcpuStoppedMs.push(stoppedMs(runState));
    }
    return { accel, ...samples };
  } finally {
    await dom.destroy().catch(() => undefined);
    await dom.undefine().catch(() => undefined);
  }
}

/** Parsed lines of libvirtd's monitor log: `{ at (ms since the epoch), kind, json }` for sent messages, replies and events. */
function monitorLog(file) {
  const entries = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match =
      /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})\+0000: .*QEMU_MONITOR_(SEND_MSG|RECV_REPLY|RECV_EVENT): mon=\S+ (?:msg|reply|event)=(\{.*\})/.exec(line);
    if (!match) continue;
    let json;
    try {
      json = JSON.parse(match[4].replace(/\s+fd=-?\d+$/, ''));
    } catch {
      continue;
    }
    entries.push({ at: Date.parse(`${match[1]}T${match[2]}Z`), kind: match[3], json });
  }
  return entries;
}

/**
 * libvirt's pauses inside one repetition's interval, from its monitor log: the `transaction`
 * command from sent to answered (the log has millisecond resolution), and STOP to RESUME by QEMU's
 * own timestamps.
 */
function libvirtPauses(entries, [began, ended]) {
  const inside = entries.filter((e) => e.at >= began * 1000 - 1 && e.at <= ended * 1000 + 1);
  const sent = inside.find((e) => e.kind === 'SEND_MSG' && e.json.execute === 'transaction');
  const reply = sent && inside.find((e) => e.kind === 'RECV_REPLY' && e.json.id === sent.json.id);
  const runState = inside
    .filter((e) => e.kind === 'RECV_EVENT' && (e.json.event === 'STOP' || e.json.event === 'RESUME'))
    .map((e) => ({ event: e.json.event, at: e.json.timestamp.seconds * 1000 + e.json.timestamp.microseconds / 1000 }));
  // libvirt's own time around QEMU's: before its first command, after the transaction's reply (ms resolution)
  const first = inside.find((e) => e.kind === 'SEND_MSG');
  const outsideQmpMs = first && reply ? first.at - began * 1000 + (ended * 1000 - reply.at) : NaN;
  return {
    ioHeldMs: sent && reply ? reply.at - sent.at : NaN,
    vcpuStoppedMs: stoppedMs(runState),
    commands: inside.filter((e) => e.kind === 'SEND_MSG').length,
    outsideQmpMs,
  };
}

/** libvirt: one workload on a fresh guest through python3-libvirt, with the pauses read from libvirtd's monitor log. */
async function libvirtOne(uri, logFile, work, repeats) {
  const spec = { workload: 'qemuSnapshot', uri, domainXml: work.xml, snapshotXml: work.snapshotXml, flags: work.flags, repeats, syncBefore: true };
  const helper = startHolder(PYTHON, [LIBVIRT_HELPER, JSON.stringify(spec)]);
  let result = await helper.next();
  let accel = 'unknown';
  if (result.started) {
    accel = acceleratorOf(work.uuid);
    try {
      if (work.fills) await waitForFill(work.uuid);
      await waitForIdle(work.uuid);
    } finally {
      helper.send('go');
    }
    result = await helper.next();
  }
  await helper.stop();
  if (result.error) throw new Error(result.error);
  const entries = monitorLog(logFile);
  const pauses = result.intervals.map((interval) => libvirtPauses(entries, interval));
  return {
    accel,
    ms: result.msPerSnapshot,
    ioHeldMs: work.flags & DISK_ONLY ? pauses.map((p) => p.ioHeldMs) : [],
    vcpuStoppedMs: pauses.map((p) => p.vcpuStoppedMs),
    qmpCommands: pauses.map((p) => p.commands),
    outsideQmpMs: pauses.map((p) => p.outsideQmpMs),
  };
}

/** Why virtwire's qemu driver cannot be measured, or null. */
async function oursMissing(daemon) {
  try {
    const conn = await connect(daemon.uri.replace(/^test\+ws:(\/\/[^/]+)\/default$/, 'qemu+ws:$1/session'));
    await conn.close();
    return null;
  } catch (error) {
    return error?.code === ErrorNumber.NoConnect
      ? 'this virtwired has no qemu driver (qemu:///session is refused)'
      : `qemu:///session did not open: ${error?.message ?? error}`;
  }
}

const failed = (error) => ({ error: String(error?.message ?? error) });

/**
 * virtwire's side of a run: one daemon (at debug level, for its step timings and QEMU's run-state
 * events, unless `pauseLogs` is false), every workload (the disk-only ones alone with
 * `disksOnly`); `overlayCreation` is passed to the daemon when given.
 */
async function runOurs(accel, repeats, { pauseLogs = true, overlayCreation, disksOnly = false, only } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'virtwire-bench-qemu-'));
  const extraArgs = virtwiredAccepts('--storage-root') ? ['--storage-root', dir] : [];
  if (overlayCreation) extraArgs.push('--qemu-overlay-creation', overlayCreation);
  const daemon = await startVirtwired({ extraArgs, logLevel: pauseLogs ? 'debug' : 'silent' });
  const results = {};
  try {
    const missing = await oursMissing(daemon);
    if (missing) return { skipped: missing };
    const conn = await connect(daemon.uri.replace(/^test\+ws:(\/\/[^/]+)\/default$/, 'qemu+ws:$1/session'));
    try {
      for (const work of workloads(accel, dir, undefined, 'vw', !disksOnly, only))
        results[work.key] = await oursOne(conn, daemon, work, repeats, pauseLogs).catch(failed);
    } finally {
      await conn.close();
    }
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** libvirt's side of a run: its own unprivileged libvirtd (monitor traffic logged to a file, unless `pauseLogs` is false), every workload. */
async function runLibvirt(accel, groups, repeats, pauseLogs = true, only = undefined) {
  const asRoot = process.getuid?.() === 0;
  const lvDir = mkdtempSync(join(tmpdir(), 'libvirt-bench-qemu-'));
  if (asRoot) chownSync(lvDir, NOBODY, NOBODY);
  chmodSync(lvDir, 0o755);
  const logFile = join(lvDir, 'monitor.log');
  writeFileSync(logFile, '');
  if (asRoot) chownSync(logFile, NOBODY, NOBODY);
  const config = ['log_filters = "2:qemu.qemu_monitor 2:qemu.qemu_monitor_json"', `log_outputs = "2:file:${logFile}"`];
  const libvirtd = await startLibvirtd({ groups, config: pauseLogs ? config : [] });
  const uri = libvirtd.uri.replace('test+unix:///default', 'qemu+unix:///session');
  const results = {};
  try {
    for (const work of workloads(accel, lvDir, asRoot ? NOBODY : undefined, 'lv', true, only))
      results[work.key] = await libvirtOne(uri, logFile, work, repeats).catch(failed);
  } finally {
    await libvirtd.stop();
    rmSync(lvDir, { recursive: true, force: true });
  }
  return results;
}

/** The figures of a run, as table rows (medians and ranges over the repetitions). */
function rowsOf({ ours, oursQemuFormats, libvirt, withLibvirt, pauseLogs }) {
  const side = (results, key, field) => {
    if (results === undefined) return undefined;
    if (results.skipped) return { skipped: results.skipped };
    const r = results[key];
    if (!r) return undefined;
    if (r.error) return { error: r.error };
    const values = r[field].filter(Number.isFinite);
    return values.length ? { ...summarise(values), accel: r.accel } : { error: 'not found in the log' };
  };
  const row = (figure, key, field, extra = {}) => ({
    figure,
    unit: 'ms',
    better: 'lower',
    key,
    field,
    ours: side(ours, key, field),
    libvirt: withLibvirt ? side(libvirt, key, field) : undefined,
    ...extra,
  });
  const rows = [];
  const pause = (r) => (pauseLogs ? [r] : []);
  for (const n of DISK_COUNTS) {
    const disks = `${n} disk${n > 1 ? 's' : ''}`;
    rows.push(row(`qemu driver: atomic disk-only snapshot of a running guest, ${disks}`, `disk${n}`, 'ms', n === 16 ? { target: { max: 1 / 3 } } : {}));
    rows.push(...pause(row(`qemu driver: guest I/O held by the QMP transaction, ${disks}`, `disk${n}`, 'ioHeldMs')));
    rows.push(...pause(row(`qemu driver: guest vCPUs stopped during the disk-only snapshot, ${disks}`, `disk${n}`, 'vcpuStoppedMs')));
    if (oursQemuFormats)
      rows.push({
        ...row(
          `qemu driver: atomic disk-only snapshot, ${disks}, virtwire's overlays formatted by QEMU (--qemu-overlay-creation blockdev-create)`,
          `disk${n}`,
          'ms',
        ),
        ours: side(oursQemuFormats, `disk${n}`, 'ms'),
      });
  }
  rows.push(row(`qemu driver: full-system (internal) snapshot of a running 1 GiB guest, ${FILL_MIB} MiB of it filled`, 'memory', 'ms'));
  rows.push(...pause(row(`qemu driver: guest vCPUs stopped during the full-system snapshot (QEMU's STOP to RESUME)`, 'memory', 'vcpuStoppedMs')));
  rows.push(
    row(
      `qemu driver: external memory snapshot (ATOMIC: memory file and disk overlay) of a running 1 GiB guest, ${FILL_MIB} MiB filled`,
      'memoryExternal',
      'ms',
    ),
  );
  rows.push(...pause(row(`qemu driver: guest vCPUs stopped during the external memory snapshot (QEMU's STOP to RESUME)`, 'memoryExternal', 'vcpuStoppedMs')));
  return rows;
}

/**
 * Runs the section when QEMU and qemu-img are present: virtwire's qemu driver (when the daemon has
 * one) and libvirt's (`qemu:///session` of a throw-away libvirtd, when libvirt is measured).
 * `accel` 'kvm' (KVM where both sides can use it) or 'tcg'; `libvirtFirst` alternates the order
 * between runs; `pauseLogs` false runs both daemons without the logs the pause figures are read
 * from; `qemuOverlays` also times virtwire's disk-only snapshots with QEMU formatting the
 * overlays (blockdev-create jobs) instead of the driver writing them (its default). Returns table rows, the accelerator, and the reasons for anything skipped.
 */
export async function runQemuSection({
  quick,
  withLibvirt,
  repeats = quick ? 3 : 7,
  accel: requested = 'kvm',
  libvirtFirst = false,
  pauseLogs = true,
  qemuOverlays = false,
  only,
}) {
  if (!has('qemu-system-x86_64', ['--version'])) return { rows: [], skipped: ['qemu-system-x86_64 is not installed'] };
  if (!has('qemu-img', ['--version'])) return { rows: [], skipped: ['qemu-img is not installed'] };
  const choice = chooseAccelerator(requested);
  const skipped = choice.why ? [`KVM: not used (${choice.why})`] : [];
  let ours;
  let oursQemuFormats;
  let libvirt;
  const order = [async () => (ours = await runOurs(choice.accel, repeats, { pauseLogs, only }))];
  if (qemuOverlays)
    order.push(
      async () => (oursQemuFormats = await runOurs(choice.accel, repeats, { pauseLogs: false, overlayCreation: 'blockdev-create', disksOnly: true, only })),
    );
  if (withLibvirt)
    order[libvirtFirst ? 'unshift' : 'push'](async () => (libvirt = await runLibvirt(choice.accel, choice.libvirtGroups, repeats, pauseLogs, only)));
  for (const step of order) await step();
  if (ours?.skipped) skipped.push(`virtwire: ${ours.skipped}`);
  const rows = rowsOf({ ours, oursQemuFormats, libvirt, withLibvirt, pauseLogs }).filter((row) => !only || only.includes(row.key));
  // the raw samples too (libvirt's also say how many QMP commands it sent and its time outside them)
  return { rows, accel: choice.accel, skipped, samples: { ours, oursQemuFormats, libvirt } };
}
