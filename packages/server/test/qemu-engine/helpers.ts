// Shared fixtures for the QEMU engine tests: temp dirs, images, guests that are always killed, tmpfs mounts.
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QemuProcess, checkImage, createImage, readLiveDisks, readNamedNodes } from '../../src/drivers/qemu/engine/index.js';
import type { DiskSpec, LaunchOptions, QmpClient } from '../../src/drivers/qemu/engine/index.js';

function binaryWorks(binary: string): boolean {
  const result = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return result.status === 0;
}

/** True when both qemu-system-x86_64 and qemu-img run. */
export const hasQemu = binaryWorks('qemu-system-x86_64') && binaryWorks('qemu-img');
if (!hasQemu) console.warn('[qemu-engine tests] SKIPPED: qemu-system-x86_64 or qemu-img is not installed (apt-get install qemu-system-x86 qemu-utils)');

/** True when this process may mount tmpfs (root); the read-only and ENOSPC cases need it. */
export const canMount = process.getuid?.() === 0;
if (hasQemu && !canMount) console.warn('[qemu-engine tests] read-only/ENOSPC tmpfs cases SKIPPED: mounting tmpfs needs root');

export const MiB = 1024 * 1024;

/**
 * One sandbox for the describe block it is called in: made before its tests, every guest it launched
 * killed after each test, removed after all of them. Returns the sandbox of the running test.
 */
export function useSandbox(): () => Sandbox {
  let box: Sandbox | undefined;
  beforeAll(async () => {
    box = await Sandbox.create();
  });
  afterEach(async () => {
    await box?.killGuests();
  });
  afterAll(async () => {
    await box?.cleanup();
  });
  return () => box!;
}

/** A temp directory removed by cleanup() (after unmounting anything mounted below it). */
export class Sandbox {
  private mounts: string[] = [];
  private guests = new Set<QemuProcess>();
  private constructor(readonly root: string) {}

  static async create(prefix = 'vw-qe-'): Promise<Sandbox> {
    return new Sandbox(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  }

  /** Absolute path inside the sandbox. */
  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  async mkdir(...parts: string[]): Promise<string> {
    const dir = this.path(...parts);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  /** Creates a qcow2 (or raw) base image of `sizeBytes`. */
  async image(name: string, sizeBytes = 64 * MiB, format: 'qcow2' | 'raw' = 'qcow2'): Promise<string> {
    const file = this.path(name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await createImage(file, { format, sizeBytes });
    return file;
  }

  /** Mounts a tmpfs at `parts` (created if needed): read-only, or writable with `sizeBytes`. */
  async mountTmpfs(dirParts: string[], options: { readOnly?: boolean; sizeBytes?: number }): Promise<string> {
    const dir = await this.mkdir(...dirParts);
    const opts = [options.readOnly ? 'ro' : 'rw', `size=${options.sizeBytes ?? MiB}`, 'mode=0700'].join(',');
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
    this.mounts.push(dir);
    return dir;
  }

  /** Launches a guest whose runtime dir lives in the sandbox; it is killed by killGuests()/cleanup(). */
  async launch(name: string, disks: DiskSpec[], extra: Partial<LaunchOptions> = {}): Promise<QemuProcess> {
    const guest = await QemuProcess.launch({ name, disks, runtimeDir: this.path('run', name), ...extra });
    this.guests.add(guest);
    return guest;
  }

  /** Registers a guest object (e.g. from attach) so it is killed at cleanup. */
  track(guest: QemuProcess): QemuProcess {
    this.guests.add(guest);
    return guest;
  }

  /** Kills every guest started or attached through this sandbox. */
  async killGuests(): Promise<void> {
    const guests = [...this.guests];
    this.guests.clear();
    await Promise.all(guests.map((g) => g.kill().catch(() => undefined)));
  }

  async cleanup(): Promise<void> {
    await this.killGuests();
    for (const dir of this.mounts.reverse()) {
      const result = spawnSync('umount', [dir]);
      if (result.status !== 0) spawnSync('umount', ['-l', dir]);
    }
    this.mounts = [];
    await fs.rm(this.root, { recursive: true, force: true });
  }
}

/** Every file below `dir` (relative paths, sorted), with sizes, to compare "before" and "after". */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(current: string): Promise<void> {
    for (const entry of await fs.readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out.push(`${path.relative(dir, full)}`);
    }
  }
  await walk(dir);
  return out.sort();
}

/** Active node per target and all node names: the observable state of the block graph. */
export async function graphState(qmp: QmpClient): Promise<{ active: Record<string, string>; files: Record<string, string>; nodes: string[] }> {
  const disks = await readLiveDisks(qmp);
  const nodes = await readNamedNodes(qmp);
  const active: Record<string, string> = {};
  const files: Record<string, string> = {};
  for (const [target, disk] of disks) {
    active[target] = disk.activeNode;
    files[target] = disk.file;
  }
  return { active, files, nodes: nodes.map((n) => n['node-name']).sort() };
}

/** Milliseconds elapsed while running `action`. */
export async function timed<T>(action: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = process.hrtime.bigint();
  const value = await action();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** Writes `pattern` (a byte, e.g. 0xab) at the start of disk `target` from inside QEMU (HMP qemu-io on the device's backend). */
export async function guestWrite(qmp: QmpClient, target: string, pattern: number, length = '64k'): Promise<void> {
  const commandLine = `qemu-io -d /machine/peripheral/${target}/virtio-backend "write -P 0x${pattern.toString(16)} 0 ${length}"`;
  const output = await qmp.execute<string>('human-monitor-command', { 'command-line': commandLine });
  if (output.trim() !== '') throw new Error(`qemu-io write failed: ${output}`);
}

/** True if the image (with its backing chain) reads `pattern` at the start; uses the qemu-io binary, so QEMU must be stopped. */
export function imageHasPattern(file: string, pattern: number, length = '64k'): boolean {
  const result = spawnSync('qemu-io', ['-r', '-f', 'qcow2', '-c', `read -P 0x${pattern.toString(16)} 0 ${length}`, file], { encoding: 'utf8' });
  if (result.status !== 0 && !/Pattern verification failed/.test(result.stdout)) throw new Error(`qemu-io: ${result.stderr || result.stdout}`);
  return result.status === 0;
}

/** -blockdev/-device arguments for a qcow2 disk whose file layer is blkdebug: the first cluster allocation arms an EIO. */
export function blkdebugDiskArgs(target: string, file: string): string[] {
  return [
    '-blockdev',
    JSON.stringify({ driver: 'file', filename: file, 'node-name': `${target}-real`, 'auto-read-only': true, discard: 'unmap' }),
    '-blockdev',
    JSON.stringify({ driver: 'blkdebug', 'node-name': `${target}-file`, image: `${target}-real`, 'inject-error': [{ event: 'cluster_alloc', once: true }] }),
    '-blockdev',
    JSON.stringify({ 'node-name': `${target}-fmt`, 'read-only': false, driver: 'qcow2', file: `${target}-file`, backing: null }),
    '-device',
    `virtio-blk-pci,drive=${target}-fmt,id=${target}`,
  ];
}

/** Snapshot tags of each disk's active layer, keyed by target. */
export async function liveTags(qmp: QmpClient): Promise<Record<string, string[]>> {
  const tags: Record<string, string[]> = {};
  for (const [target, disk] of await readLiveDisks(qmp)) tags[target] = disk.snapshots.map((s) => s.name);
  return tags;
}

/** Fills the filesystem holding `dir` so that (almost) no space is left. */
export async function fillUp(dir: string): Promise<void> {
  const stats = await fs.statfs(dir);
  const free = stats.bavail * stats.bsize;
  if (free > 0) await fs.writeFile(path.join(dir, 'filler'), Buffer.alloc(free)).catch(() => undefined);
}

/** Asserts `qemu-img check` finds no errors, leaks or corruptions (QEMU must not hold the image). */
export async function checkClean(file: string): Promise<void> {
  const result = await checkImage(file);
  if (result['check-errors'] !== 0 || (result.corruptions ?? 0) !== 0 || (result.leaks ?? 0) !== 0) {
    throw new Error(`qemu-img check ${file}: ${JSON.stringify(result)}`);
  }
}
