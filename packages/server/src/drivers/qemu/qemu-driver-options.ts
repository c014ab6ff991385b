// Options of the qemu driver (storage roots, runtime directory, binaries) and their defaults.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How the daemon configures the `qemu` driver. */
export interface QemuDriverOptions {
  /**
   * Storage roots for this driver, added to the daemon's (`storageRoots`): resolved, vetted and
   * enforced by the same confinement policy (storage/confinement-policy.ts).
   */
  storageRoots?: string[];
  /**
   * Where each running guest's QMP socket, pidfile, log and status live (`<dir>/<uuid>/`). Unix
   * socket paths are limited to 107 bytes, so it must be short. Default `<stateDir>/qemu/run`
   * when that is short enough, otherwise a private directory in the system temp dir.
   */
  runtimeDir?: string;
  /** Default `qemu-system-x86_64` (from PATH). */
  qemuBinary?: string;
  /** Default `qemu-img` (from PATH). */
  qemuImgBinary?: string;
  /**
   * Who writes a live external snapshot's new qcow2 overlays: `engine` (default: the driver writes
   * and flushes the empty qcow2 itself before QEMU opens it; no job round trips) or `blockdev-create` (QEMU formats each image with one job per overlay).
   */
  overlayCreation?: 'blockdev-create' | 'engine';
  /**
   * Gives every guest a second QMP monitor, `<runtimeDir>/<uuid>/monitor.sock`, for inspecting
   * QEMU from outside the daemon (tests, debugging). It is as powerful as the daemon's own monitor.
   */
  inspectionMonitor?: boolean;
  /**
   * The KVM device whose read-write access decides whether `<domain type='kvm'>` runs (default
   * `/dev/kvm`); a path that does not open makes the driver refuse KVM as libvirt does.
   */
  kvmDevice?: string;
}

/** Longest runtime directory: `<dir>/<36-char uuid>/qmp.sock` must fit a unix socket path (107 bytes). */
const MAX_RUNTIME_DIR_BYTES = 107 - '/00000000-0000-0000-0000-000000000000/qmp.sock'.length;

/** The runtime directory for `stateDir`: deterministic, so a restarted daemon finds its guests again. */
export function defaultRuntimeDir(stateDir: string): string {
  const inState = join(stateDir, 'qemu', 'run');
  if (Buffer.byteLength(inState) <= MAX_RUNTIME_DIR_BYTES) return inState;
  return join(tmpdir(), `vwq-${createHash('sha256').update(stateDir).digest('hex').slice(0, 12)}`);
}

/**
 * True when the qemu driver has state a previous daemon left (`<stateDir>/qemu`, or its runtime
 * directory): it must then load it, re-attach to guests and finish interrupted jobs at start-up.
 */
export function qemuStateExists(stateDir: string, options: QemuDriverOptions = {}): boolean {
  return existsSync(join(stateDir, 'qemu')) || existsSync(options.runtimeDir ?? defaultRuntimeDir(stateDir));
}
