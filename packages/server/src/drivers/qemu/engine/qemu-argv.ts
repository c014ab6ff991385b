// Builds the QEMU command line of a guest: cheap q35/TCG machine, QMP socket, pidfile and -blockdev disks.
import path from 'node:path';
import { PreconditionError } from './errors.js';
import { layerNodeNames, assertDiskTarget } from './node-names.js';
import type { ImageFormat } from './qemu-img.js';
import { assertSafeImagePath } from './reserved-file.js';

/** One image below a disk's active layer. */
export interface DiskLayer {
  path: string;
  format: ImageFormat;
}

/** A disk of the guest, attached as virtio-blk-pci with id = target. */
export interface DiskSpec {
  /** Guest-visible target ("vda"); also the QEMU device id and node-name prefix. */
  target: string;
  /** Active (top) image. */
  path: string;
  format: ImageFormat;
  readOnly?: boolean;
  /**
   * Backing images below `path`, nearest first, described explicitly so QEMU never opens a chain
   * on its own. Absent or empty: the active layer is opened with `"backing": null`.
   */
  backingChain?: DiskLayer[];
  /** The guest device; default virtio-blk-pci. */
  device?: DiskDevice;
}

/**
 * A guest device model for a disk: virtio-blk-pci, or an IDE/SATA disk or CD-ROM on the machine's
 * built-in controller (q35: AHCI buses ide.0 to ide.5; pc: IDE buses ide.0 and ide.1, units 0 and 1).
 */
export interface DiskDevice {
  model: 'virtio-blk-pci' | 'ide-hd' | 'ide-cd';
  /** Controller bus for IDE/SATA devices, e.g. "ide.2". */
  bus?: string;
  /** Unit on an IDE bus (pc machine). */
  unit?: number;
  /** PCI slot and function on `bus` (virtio-blk-pci placed as the definition says), e.g. "0x3" or "0x1.0x2". */
  addr?: string;
  /** The PCI slot is multifunction. */
  multifunction?: boolean;
}

/** What to run. */
export interface GuestSpec {
  /** Guest name, [A-Za-z0-9][A-Za-z0-9_.-]{0,63}; used as `-name guest=<name>` (the identity marker). */
  name: string;
  disks: DiskSpec[];
  memoryMiB?: number;
  /** Default "q35". */
  machine?: string;
  /** Default "tcg". */
  accel?: string;
  uuid?: string;
  /** Before the disks' devices, verbatim: the PCI buses (root ports) the disks sit on. */
  leadingArgs?: string[];
  /** Appended verbatim (for tests and experiments). */
  extraArgs?: string[];
}

/** Files of one guest inside its runtime directory. */
export interface RuntimePaths {
  dir: string;
  qmpSocket: string;
  pidFile: string;
  logFile: string;
}

const GUEST_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** sun_path is 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

/** Paths of the QMP socket, pidfile and log inside `runtimeDir` (one directory per guest). */
export function runtimePaths(runtimeDir: string): RuntimePaths {
  assertSafeImagePath(runtimeDir);
  if (runtimeDir.includes(',')) throw new PreconditionError('invalid-path', 'the runtime directory must not contain commas');
  const paths = {
    dir: runtimeDir,
    qmpSocket: path.join(runtimeDir, 'qmp.sock'),
    pidFile: path.join(runtimeDir, 'qemu.pid'),
    logFile: path.join(runtimeDir, 'qemu.log'),
  };
  if (Buffer.byteLength(paths.qmpSocket) > MAX_SOCKET_PATH_BYTES) {
    throw new PreconditionError('invalid-path', `QMP socket path ${paths.qmpSocket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes`);
  }
  return paths;
}

/** The `-name` value; /proc/<pid>/cmdline must contain it for the process to count as this guest. */
export function guestNameArgument(name: string): string {
  return `guest=${name},debug-threads=on`;
}

/** The `-qmp` value for a socket path. */
export function qmpArgument(socketPath: string): string {
  return `unix:${socketPath},server=on,wait=off`;
}

/** Builds the full argv (without the binary). The guest always starts with -S (prelaunch). */
export function buildQemuArgv(spec: GuestSpec, paths: RuntimePaths): string[] {
  assertGuestSpec(spec);
  const argv = [
    '-name',
    guestNameArgument(spec.name),
    '-machine',
    spec.machine ?? 'q35',
    '-accel',
    spec.accel ?? 'tcg',
    '-m',
    String(spec.memoryMiB ?? 128),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-S',
    '-qmp',
    qmpArgument(paths.qmpSocket),
    '-pidfile',
    paths.pidFile,
  ];
  if (spec.uuid) argv.push('-uuid', spec.uuid);
  argv.push(...(spec.leadingArgs ?? []));
  for (const disk of spec.disks) {
    for (const node of blockdevNodes(disk)) argv.push('-blockdev', JSON.stringify(node));
    argv.push('-device', deviceArgument(disk));
  }
  return [...argv, ...(spec.extraArgs ?? [])];
}

/** The `-device` value of a disk: its model, drive (the active format node), id = target, and bus/unit for IDE. */
export function deviceArgument(disk: DiskSpec): string {
  const device = disk.device ?? { model: 'virtio-blk-pci' };
  const parts = [device.model, `drive=${activeNodeNames(disk).format}`, `id=${disk.target}`];
  if (device.bus !== undefined) {
    if (!/^[a-z][a-z0-9.]{0,15}$/.test(device.bus)) throw new PreconditionError('invalid-bus', `invalid controller bus ${JSON.stringify(device.bus)}`);
    parts.push(`bus=${device.bus}`);
  }
  if (device.unit !== undefined) parts.push(`unit=${device.unit}`);
  if (device.addr !== undefined) {
    if (!/^0x[0-9a-f]{1,2}(\.0x[0-7])?$/.test(device.addr)) throw new PreconditionError('invalid-bus', `invalid PCI address ${JSON.stringify(device.addr)}`);
    parts.push(`addr=${device.addr}`);
    if (device.multifunction) parts.push('multifunction=on');
  }
  return parts.join(',');
}

/** Node names of a disk's active layer as launched: its generation is the backing chain length. */
export function activeNodeNames(disk: DiskSpec): { file: string; format: string } {
  return layerNodeNames(disk.target, disk.backingChain?.length ?? 0);
}

/**
 * The -blockdev objects of one disk, base first: a file node and a format node per layer. Backing
 * layers' format nodes are read-only; each format node names its backing node explicitly, the
 * base gets `"backing": null` (qcow2 only; raw has no backing option).
 */
export function blockdevNodes(disk: DiskSpec): Array<Record<string, unknown>> {
  const layersBaseFirst: DiskLayer[] = [...(disk.backingChain ?? [])].reverse();
  layersBaseFirst.push({ path: disk.path, format: disk.format });
  const nodes: Array<Record<string, unknown>> = [];
  let below: string | null = null;
  layersBaseFirst.forEach((layer, generation) => {
    const names = layerNodeNames(disk.target, generation);
    const readOnly = generation < layersBaseFirst.length - 1 || disk.readOnly === true;
    // the file node only gets auto-read-only: it follows its format node, so block-commit can reopen a backing layer read-write
    nodes.push({ driver: 'file', filename: layer.path, 'node-name': names.file, 'auto-read-only': true, discard: 'unmap' });
    const format: Record<string, unknown> = { 'node-name': names.format, driver: layer.format, file: names.file, 'read-only': readOnly };
    if (layer.format === 'qcow2') format.backing = below;
    else if (below !== null) throw new PreconditionError('invalid-chain', `disk ${disk.target}: a raw image cannot have a backing layer`);
    nodes.push(format);
    below = names.format;
  });
  return nodes;
}

function assertGuestSpec(spec: GuestSpec): void {
  if (!GUEST_NAME_PATTERN.test(spec.name)) throw new PreconditionError('invalid-name', `invalid guest name ${JSON.stringify(spec.name)}`);
  if (spec.uuid !== undefined && !UUID_PATTERN.test(spec.uuid)) throw new PreconditionError('invalid-uuid', `invalid uuid ${JSON.stringify(spec.uuid)}`);
  const targets = new Set<string>();
  for (const disk of spec.disks) {
    assertDiskTarget(disk.target);
    if (targets.has(disk.target)) throw new PreconditionError('duplicate-target', `disk target ${disk.target} appears twice`);
    targets.add(disk.target);
    assertSafeImagePath(disk.path);
    for (const layer of disk.backingChain ?? []) assertSafeImagePath(layer.path);
  }
}
