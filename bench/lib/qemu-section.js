// (5) The qemu driver's atomic disk-only snapshot at 1, 4 and 16 disks; skipped, with the reason, when it cannot run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../packages/client/dist/node.js';
import { fmt, summarise } from './stats.js';
import { startVirtwired, virtwiredAccepts } from './virtwired.js';

const DISK_ONLY = 16;
const ATOMIC = 128;
const NO_CONNECT = 38;

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
  ${images.map((path, i) => `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${path}'/><target dev='vd${String.fromCharCode(97 + i)}' bus='virtio'/></disk>`).join('\n  ')}
  </devices></domain>`;

const snapshotXml = (name, overlays) =>
  `<domainsnapshot><name>${name}</name><disks>${overlays.map((path, i) => `<disk name='vd${String.fromCharCode(97 + i)}' snapshot='external'><source file='${path}'/></disk>`).join('')}</disks></domainsnapshot>`;

/** Times `repeats` atomic disk-only snapshots of a running domain with `disks` qcow2 disks. */
async function measureDisks(conn, dir, disks, repeats) {
  const images = Array.from({ length: disks }, (_, i) => join(dir, `d${disks}-${i}.qcow2`));
  for (const image of images) execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '64M']);
  const dom = await conn.domainDefineXML(domainXml(`bench-q${disks}`, images));
  await dom.create();
  const times = [];
  try {
    for (let r = 0; r < repeats; r++) {
      const overlays = images.map((image) => image.replace(/\.qcow2$/, `.s${r}`));
      const start = performance.now();
      await dom.snapshotCreateXML(snapshotXml(`s${r}`, overlays), DISK_ONLY | ATOMIC);
      times.push(performance.now() - start);
    }
  } finally {
    await dom.destroy().catch(() => undefined);
  }
  return summarise(times);
}

/**
 * Runs the section when QEMU, qemu-img and virtwired's qemu driver are all present; otherwise says
 * which is missing. Returns a line of text for the report and the figures.
 */
export async function runQemuSection(quick) {
  if (!has('qemu-system-x86_64', ['--version'])) return { skipped: 'qemu-system-x86_64 is not installed', text: 'skipped: qemu-system-x86_64 is not installed' };
  if (!has('qemu-img', ['--version'])) return { skipped: 'qemu-img is not installed', text: 'skipped: qemu-img is not installed' };
  const dir = mkdtempSync(join(tmpdir(), 'virtwire-bench-qemu-'));
  const daemon = await startVirtwired({ extraArgs: virtwiredAccepts('--storage-root') ? ['--storage-root', dir] : [] });
  try {
    let conn;
    try {
      conn = await connect(daemon.uri.replace(/^test\+ws:(\/\/[^/]+)\/default$/, 'qemu+ws:$1/session'));
    } catch (error) {
      const reason = error?.code === NO_CONNECT ? "this virtwired has no qemu driver (qemu:///session is refused)" : `qemu:///session did not open: ${error?.message ?? error}`;
      return { skipped: reason, text: `skipped: ${reason}` };
    }
    const figures = {};
    try {
      for (const disks of [1, 4, 16]) figures[disks] = await measureDisks(conn, dir, disks, quick ? 3 : 7);
    } catch (error) {
      return { error: String(error?.message ?? error), text: `failed: ${error?.message ?? error}` };
    } finally {
      await conn.close();
    }
    const text = Object.entries(figures)
      .map(([disks, s]) => `${disks} disk${disks === '1' ? '' : 's'}: ${fmt(s.median)} ms (${fmt(s.min)}–${fmt(s.max)})`)
      .join('; ');
    return { figures, text: `atomic disk-only snapshot of a running domain, ${text}` };
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
