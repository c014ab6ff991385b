// Shared fixtures of the qemu driver tests: images, domain XML, tmpfs mounts, and killing every QEMU a test started.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  checkImage,
  createImage,
  imageBackingChain,
  isOurGuest,
  QmpClient,
  readLiveDisks,
  readNamedNodes,
  readPidFile,
  runtimePaths,
  waitForProcessExit,
} from '@virtwire/server/qemu-engine';

function works(binary: string): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** True when qemu-system-x86_64 and qemu-img run here. */
export const hasQemu = works('qemu-system-x86_64') && works('qemu-img');
if (!hasQemu) console.warn('[qemu driver tests] SKIPPED: qemu-system-x86_64 or qemu-img is not installed (apt-get install qemu-system-x86 qemu-utils)');

/** Tries to mount (and unmount) a tiny tmpfs: root in a container may still lack CAP_SYS_ADMIN. */
function probeMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), 'vwq-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when tmpfs can be mounted here: the read-only and out-of-space cases need it. */
export const canMount = hasQemu && probeMount();
if (hasQemu && !canMount) console.warn('[qemu driver tests] read-only and out-of-space tmpfs cases SKIPPED: mounting tmpfs needs root with CAP_SYS_ADMIN');

export const MiB = 1024 * 1024;

/** One disk of a test domain. */
export interface TestDisk {
  target: string;
  path?: string;
  format?: 'qcow2' | 'raw';
  device?: 'disk' | 'cdrom';
  bus?: 'virtio' | 'sata' | 'ide';
  readOnly?: boolean;
}

/** A libvirt domain XML for the qemu driver: cheap q35 guest, 128 MiB, the given disks. */
export function domainXml(name: string, disks: readonly TestDisk[], extra: { uuid?: string; machine?: string } = {}): string {
  const diskXml = disks
    .map((d) => {
      const source = d.path ? `\n      <source file='${d.path}'/>` : '';
      const readonly = d.readOnly ? '\n      <readonly/>' : '';
      return `    <disk type='file' device='${d.device ?? 'disk'}'>
      <driver name='qemu' type='${d.format ?? 'qcow2'}'/>${source}
      <target dev='${d.target}' bus='${d.bus ?? 'virtio'}'/>${readonly}
    </disk>`;
    })
    .join('\n');
  return `<domain type='qemu'>
  <name>${name}</name>${extra.uuid ? `\n  <uuid>${extra.uuid}</uuid>` : ''}
  <memory unit='KiB'>131072</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='${extra.machine ?? 'q35'}'>hvm</type>
  </os>
  <devices>
${diskXml}
  </devices>
</domain>
`;
}

/** `xml` with `<features><acpi/></features>`: libvirt requires ACPI for UEFI on x86 ("UEFI requires ACPI on this architecture"). */
export const withAcpi = (xml: string): string => xml.replace('</os>', '</os>\n  <features><acpi/></features>');

/** Target names vda, vdb, ... */
export const target = (i: number): string => `vd${String.fromCharCode(97 + i)}`;

/** A temp directory tree for one test file, with tmpfs mounts that are always unmounted. */
export class QemuSandbox {
  private mounts: string[] = [];
  private constructor(readonly root: string) {}

  static create(prefix = 'vwq-'): QemuSandbox {
    return new QemuSandbox(mkdtempSync(join(tmpdir(), prefix)));
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  mkdir(...parts: string[]): string {
    const dir = this.path(...parts);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** A new qcow2 (or raw) image. */
  async image(path: string, sizeBytes = 64 * MiB, format: 'qcow2' | 'raw' = 'qcow2'): Promise<string> {
    await createImage(path, { format, sizeBytes });
    return path;
  }

  /** Mounts a tmpfs (read-only, or writable with a size) on a new directory. */
  mountTmpfs(dir: string, options: { readOnly?: boolean; sizeBytes?: number }): string {
    mkdirSync(dir, { recursive: true });
    const opts = [options.readOnly ? 'ro' : 'rw', `size=${options.sizeBytes ?? MiB}`, 'mode=0700'].join(',');
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
    this.mounts.push(dir);
    return dir;
  }

  /** Unmounts every tmpfs and removes the tree. Call after killing the guests. */
  cleanup(): void {
    for (const dir of this.mounts.reverse()) {
      if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    }
    this.mounts = [];
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * SIGKILLs every QEMU whose runtime directory is under `runtimeDir` (pidfile plus identity check),
 * the last line of defence of every test's afterAll/afterEach.
 */
export async function killGuestsUnder(runtimeDir: string): Promise<number> {
  if (!existsSync(runtimeDir)) return 0;
  let killed = 0;
  for (const uuid of readdirSync(runtimeDir)) {
    const paths = runtimePaths(join(runtimeDir, uuid));
    const pid = await readPidFile(paths.pidFile).catch(() => undefined);
    if (pid === undefined || !(await isOurGuest(pid, uuid, paths))) continue;
    process.kill(pid, 'SIGKILL');
    await waitForProcessExit(pid, 10_000);
    killed++;
  }
  return killed;
}

/** Every regular file below `dir`, relative, sorted (lost+found and the like excluded). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(dir, full));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** The files below `dir` with their sizes and mtimes, to prove that nothing changed. */
export function fileFingerprint(dir: string): string[] {
  return listFiles(dir).map((f) => {
    const stat = statSync(join(dir, f));
    return `${f} ${stat.size} ${stat.mtimeMs}`;
  });
}

/** `qemu-img check` (sharing locks, so it works while a paused guest holds the image) must find nothing wrong. */
export async function expectCleanImage(path: string): Promise<void> {
  const result = await checkImage(path, { shareLocks: true });
  if (result['check-errors'] !== 0 || (result.corruptions ?? 0) !== 0 || (result.leaks ?? 0) !== 0) {
    throw new Error(`qemu-img check ${path}: ${JSON.stringify(result)}`);
  }
}

/** The backing chain qemu-img sees from `path` down: file names, top first. */
export async function backingFiles(path: string): Promise<string[]> {
  return (await imageBackingChain(path, { shareLocks: true })).map((i) => i.filename);
}

/** Opens a guest's inspection monitor (the daemon runs with `inspectionMonitor`): QEMU seen from outside the daemon. */
export function inspect(runtimeDir: string, uuid: string): Promise<QmpClient> {
  return QmpClient.connect(join(runtimeDir, uuid, 'monitor.sock'), { connectTimeoutMs: 5_000 });
}

/** QEMU's block graph as query-block and query-named-block-nodes show it: active node, file and chain per disk, all node names. */
export async function blockGraph(qmp: QmpClient): Promise<{ disks: Record<string, { node: string; chain: string[] }>; nodes: string[] }> {
  const disks: Record<string, { node: string; chain: string[] }> = {};
  for (const [name, disk] of await readLiveDisks(qmp)) disks[name] = { node: disk.activeNode, chain: disk.chainFiles };
  const nodes = (await readNamedNodes(qmp)).map((n) => n['node-name']).sort();
  return { disks, nodes };
}

/** Writes `pattern` at the start of disk `target` from inside QEMU (HMP qemu-io on the device's backend). */
export async function guestWrite(qmp: QmpClient, target: string, pattern: number, length = '64k'): Promise<void> {
  const output = await qmp.execute<string>('human-monitor-command', {
    'command-line': `qemu-io -d /machine/peripheral/${target}/virtio-backend "write -P 0x${pattern.toString(16)} 0 ${length}"`,
  });
  if (output.trim() !== '') throw new Error(`qemu-io write failed: ${output}`);
}

/** True if the image (with its chain) reads `pattern` at the start; shares locks, so it works on a paused guest's images. */
export function imageHasPattern(file: string, pattern: number, length = '64k'): boolean {
  const result = spawnSync('qemu-io', ['-r', '-U', '-f', 'qcow2', '-c', `read -P 0x${pattern.toString(16)} 0 ${length}`, file], { encoding: 'utf8' });
  if (result.status !== 0 && !/Pattern verification failed/.test(result.stdout)) throw new Error(`qemu-io: ${result.stderr || result.stdout}`);
  return result.status === 0 && !/Pattern verification failed/.test(result.stdout);
}

/** Internal snapshot tags of an image (qemu-img info, sharing locks). */
export async function imageTags(path: string): Promise<string[]> {
  return ((await imageBackingChain(path, { shareLocks: true }))[0]?.snapshots ?? []).map((s) => s.name);
}

export { failure } from '../helpers/errors.js';
