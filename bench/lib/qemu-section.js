// (5) The qemu driver's atomic disk-only snapshot of a running guest at 1, 4 and 16 disks, beside libvirt's qemu driver.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, ErrorNumber } from '@virtwire/client';
import { LIBVIRT_HELPER, PYTHON, startLibvirtd } from './libvirtd.js';
import { runJson } from './processes.js';
import { summarise } from './stats.js';
import { startVirtwired, virtwiredAccepts } from './virtwired.js';

const DISK_ONLY = 16;
const ATOMIC = 128;
const NOBODY = 65534;
const DISK_COUNTS = [1, 4, 16];
const target = (i) => `vd${String.fromCharCode(97 + i)}`;

function has(command, args) {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const domainXml = (name, images) => `<domain type='qemu'><name>${name}</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
  ${images.map((path, i) => `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${path}'/><target dev='${target(i)}' bus='virtio'/></disk>`).join('\n  ')}
  </devices></domain>`;

/** Snapshot XML with an external overlay beside each image; `@R@` is replaced by the repetition. */
const snapshotXml = (images) =>
  `<domainsnapshot><name>s@R@</name><disks>${images.map((image, i) => `<disk name='${target(i)}' snapshot='external'><source file='${image.replace(/\.qcow2$/, '.s@R@')}'/></disk>`).join('')}</disks></domainsnapshot>`;

/** `disks` fresh 64 MiB qcow2 images in `dir` (owned by `owner` when given, for an unprivileged libvirtd). */
function makeImages(dir, disks, owner) {
  const images = Array.from({ length: disks }, (_, i) => join(dir, `d${disks}-${i}.qcow2`));
  for (const image of images) {
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '64M']);
    if (owner !== undefined) chownSync(image, owner, owner);
  }
  return images;
}

/** virtwire: times `repeats` snapshots of a running guest with `disks` disks through the SDK. */
async function ours(conn, dir, disks, repeats) {
  const images = makeImages(dir, disks);
  const dom = await conn.domainDefineXML(domainXml(`bench-q${disks}`, images));
  await dom.create();
  const times = [];
  try {
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      await dom.snapshotCreateXML(snapshotXml(images).replaceAll('@R@', String(r)), DISK_ONLY | ATOMIC);
      times.push(performance.now() - start);
    }
  } finally {
    await dom.destroy().catch(() => undefined);
  }
  return summarise(times);
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

/**
 * Runs the section when QEMU and qemu-img are present: virtwire's qemu driver (when the daemon has
 * one) and libvirt's (`qemu:///session` of the throw-away libvirtd, when libvirt is measured).
 * Returns table rows, and the reasons for anything skipped.
 */
export async function runQemuSection({ quick, withLibvirt }) {
  if (!has('qemu-system-x86_64', ['--version'])) return { rows: [], skipped: ['qemu-system-x86_64 is not installed'] };
  if (!has('qemu-img', ['--version'])) return { rows: [], skipped: ['qemu-img is not installed'] };
  const repeats = quick ? 3 : 7;
  const results = Object.fromEntries(DISK_COUNTS.map((n) => [n, {}]));
  const skipped = [];
  let oursSkipped;

  const dir = mkdtempSync(join(tmpdir(), 'virtwire-bench-qemu-'));
  const daemon = await startVirtwired({ extraArgs: virtwiredAccepts('--storage-root') ? ['--storage-root', dir] : [] });
  try {
    const missing = await oursMissing(daemon);
    if (missing) {
      skipped.push(`virtwire: ${missing}`);
      oursSkipped = missing;
    } else {
      const conn = await connect(daemon.uri.replace(/^test\+ws:(\/\/[^/]+)\/default$/, 'qemu+ws:$1/session'));
      try {
        for (const n of DISK_COUNTS) results[n].ours = await ours(conn, dir, n, repeats).catch((e) => ({ error: String(e?.message ?? e) }));
      } finally {
        await conn.close();
      }
    }
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  if (withLibvirt) {
    const lvDir = mkdtempSync(join(tmpdir(), 'libvirt-bench-qemu-'));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(lvDir, NOBODY, NOBODY);
    chmodSync(lvDir, 0o755);
    const libvirtd = await startLibvirtd();
    const uri = libvirtd.uri.replace('test+unix:///default', 'qemu+unix:///session');
    try {
      for (const n of DISK_COUNTS) {
        const images = makeImages(lvDir, n, asRoot ? NOBODY : undefined);
        const spec = { workload: 'qemuSnapshot', uri, domainXml: domainXml(`bench-q${n}`, images), snapshotXml: snapshotXml(images), repeats };
        const result = await runJson(PYTHON, [LIBVIRT_HELPER, JSON.stringify(spec)]).catch((e) => ({ error: String(e?.message ?? e) }));
        results[n].libvirt = result.error ? { error: result.error } : summarise(result.msPerSnapshot);
        for (const file of readdirSync(lvDir)) rmSync(join(lvDir, file), { force: true });
      }
    } finally {
      await libvirtd.stop();
      rmSync(lvDir, { recursive: true, force: true });
    }
  }
  const rows = DISK_COUNTS.map((n) => ({
    figure: `qemu driver: atomic disk-only snapshot of a running guest, ${n} disk${n > 1 ? 's' : ''}`,
    unit: 'ms',
    better: 'lower',
    ours: results[n].ours ?? (oursSkipped ? { skipped: oursSkipped } : undefined),
    libvirt: withLibvirt ? results[n].libvirt : undefined,
  }));
  return { rows: results[1].ours || results[1].libvirt ? rows : [], skipped };
}
