// The one place a domain's run state changes: QEMU started, attached, paused, resumed, stopped by the daemon, or found dead.
import { DomainState, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { removeFileDurably, removeStaleTempFiles, writeFileDurably } from '../../state/durable-file.js';
import { diskElement, setDiskChain } from './disk-chain.js';
import { checkDomainConfig, confineLaunchPaths, guestSpec, resolveDisks } from './domain-config.js';
import { loadMemoryStream, qmpArgument, QemuLaunchError, QemuProcess, waitForProcessExit, type QmpEvent } from './engine/index.js';
import { kvmUsable } from './host-acceleration.js';
import { prepareFirmware } from './uefi-firmware.js';
import { clearPtyPaths, recordPtyPaths } from './guest-console.js';
import { clearGeneratedChannelPaths } from './graphics-device.js';
import { Reason, type QemuDomain } from './qemu-domain.js';
import { pausedReasonOf } from './run-state-reason.js';
import type { QemuHost } from './qemu-host.js';
import { repairImages, writableQcow2Images } from './image-repair.js';
import { formatStatus, type DomainStatus, type StatusToWrite } from './state-layout.js';
import type { StatusChange } from './state-change.js';
import { DomainEventShutdownDetail, DomainEventType } from '@virtwire/protocol';
import { emitLifecycle, emitReboot, resumedDetail, startedDetail, stoppedDetail, suspendedDetail } from './qemu-events.js';

const invalid = (detail: string) => VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Qemu, detail);

/**
 * Writes the running domain's status file: live definition, id, persistence, run state and reason
 * (with `change` applied on top). Its presence marks a started guest: a QEMU without one is a
 * start that never completed.
 */
export function writeStatus(host: QemuHost, domain: QemuDomain, change: StatusChange = {}): void {
  const file = statusFile(host, domain, change);
  if (file) writeFileDurably(file.path, file.data);
}

/** The status file of a running domain with `change` applied (its path and text), or undefined for a domain that does not run. */
export function statusFile(host: QemuHost, domain: QemuDomain, change: StatusChange = {}): { path: string; data: string } | undefined {
  if (!domain.live) return undefined;
  const status: StatusToWrite = {
    live: change.live ?? domain.live,
    id: domain.id,
    persistent: change.persistent ?? domain.persistent,
    state: domain.state === DomainState.Paused ? 'paused' : 'running',
    reason: domain.reason,
  };
  return { path: host.services.layout.statusFile(domain.uuid), data: formatStatus(status) };
}

/** Removes a stopped guest's sockets (QMP, inspection, migration stream), pidfile, status file and leftover temp files (its log stays). */
export async function removeRuntimeFiles(host: QemuHost, uuid: string): Promise<void> {
  const dir = host.services.layout.domainRunDir(uuid);
  await Promise.all(['qmp.sock', 'monitor.sock', 'mem.sock', 'qemu.pid'].map((f) => fs.rm(join(dir, f), { force: true })));
  removeFileDurably(host.services.layout.statusFile(uuid));
  try {
    removeStaleTempFiles(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** How a guest is started. */
export interface LaunchOptions {
  paused: boolean;
  /** The state reason once started. */
  reason: number;
  /** VIR_DOMAIN_START_RESET_NVRAM: a UEFI guest's NVRAM starts again from its template. */
  resetNvram?: boolean;
  /** A memory file (a saved migration stream) the guest starts from: `-incoming defer`, then `migrate-incoming` before the start state. */
  incoming?: string;
}

/**
 * Starts the domain's QEMU: resolves every disk's backing chain (the live definition records it
 * explicitly), launches QEMU detached so it outlives the daemon, brings it to its start state, and
 * only then writes the status file (the commit point of a start). A failure before that kills it.
 */
export async function launchGuest(host: QemuHost, domain: QemuDomain, options: LaunchOptions): Promise<void> {
  if (domain.active) throw invalid('domain is already running');
  const { layout, qemuBinary, qemuImg, inspectionMonitor, confinement, kvmDevice } = host.services;
  const live = domain.persistentDefinition.clone();
  clearPtyPaths(live);
  clearGeneratedChannelPaths(live, layout.domainRunDir(domain.uuid));
  if (live.type === 'kvm' && !kvmUsable(kvmDevice)) {
    throw VirError.report(
      ErrorNumber.ConfigUnsupported,
      ErrorDomain.Qemu,
      'Domain requires KVM, but it is not available. Check that virtualization is enabled in the host BIOS, and host configuration is setup to load the kvm modules.',
    );
  }
  checkDomainConfig(live, { qemuBinary, kvmDevice });
  confineLaunchPaths(live, confinement);
  const disks = await resolveDisks(live, qemuImg, confinement);
  for (const { disk, chain } of disks) if (chain.length > 0) setDiskChain(diskElement(live, disk.target), chain);
  const runDir = layout.domainRunDir(domain.uuid);
  const firmware = await prepareFirmware(live, layout.stateDir, confinement, options.resetNvram === true);
  const { prelaunch, ...spec } = guestSpec(live, disks, { accel: live.type === 'kvm' ? 'kvm' : 'tcg', runDir, ...(firmware ? { firmware } : {}) });
  if (inspectionMonitor) spec.extraArgs = [...(spec.extraArgs ?? []), '-qmp', qmpArgument(join(layout.domainRunDir(domain.uuid), 'monitor.sock'))];
  const incoming = options.incoming;
  if (incoming !== undefined) spec.extraArgs = [...(spec.extraArgs ?? []), '-incoming', 'defer'];
  // after an incoming migration QEMU's vCPUs are stopped (-S): left so for a paused start, `cont` for a running one
  const startState = incoming !== undefined && options.paused ? 'prelaunch' : options.paused ? 'paused' : 'running';
  let guest: QemuProcess;
  try {
    guest = await QemuProcess.launch({
      ...spec,
      runtimeDir: runDir,
      qemuBinary,
      startState,
      beforeStart: async (qmp) => {
        for (const { command, args } of prelaunch) await qmp.execute(command, args);
        if (incoming !== undefined) {
          await loadMemoryStream(qmp, incoming, join(runDir, 'mem.sock'));
          host.services.failpoints.reach('qemu.guest.memory-loaded');
        }
      },
    });
  } catch (error) {
    // libvirt reports what QEMU itself printed during this launch
    const detail = error instanceof QemuLaunchError && error.logTail !== '' ? error.logTail : error instanceof Error ? error.message : String(error);
    throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, `qemu unexpectedly closed the monitor: ${detail}`);
  }
  await recordPtyPaths(live, guest.qmp).catch((error: unknown) => host.services.log.warn({ domain: domain.name, err: error }, 'reading the pty paths failed'));
  domain.guest = guest;
  domain.live = live;
  domain.id = host.allocateId();
  domain.state = options.paused ? DomainState.Paused : DomainState.Running;
  domain.reason = options.reason;
  host.services.failpoints.reach('qemu.guest.launched');
  try {
    writeStatus(host, domain);
  } catch (error) {
    domain.expectedExit = guest;
    await guest.kill().catch(() => undefined);
    await guestStopped(host, domain, Reason.ShutoffFailed, { announce: false });
    throw error;
  }
  emitLifecycle(host, domain.ref(), DomainEventType.Started, startedDetail(options.reason));
  if (options.paused) emitLifecycle(host, domain.ref(), DomainEventType.Suspended, suspendedDetail(options.reason));
  watchGuest(host, domain, guest);
}

/** Writes the status file after a change of run state QEMU reported; a failure is logged (the state in memory stays right). */
function saveStatusAfterEvent(host: QemuHost, domain: QemuDomain): void {
  try {
    writeStatus(host, domain);
  } catch (error) {
    host.services.log.warn({ domain: domain.name, err: error }, 'unable to save the status after a change of run state');
  }
}

/** Re-attaches to a guest an earlier daemon started (its status file names it); never kills it. */
export async function attachGuest(host: QemuHost, domain: QemuDomain, guest: QemuProcess, status: DomainStatus): Promise<void> {
  domain.guest = guest;
  domain.live = status.live;
  domain.id = status.id > 0 ? status.id : host.allocateId();
  host.reserveId(domain.id);
  const { running, status: runState } = await guest.queryStatus();
  domain.state = running ? DomainState.Running : DomainState.Paused;
  // the reason survives the restart unless the run state changed meanwhile (an interrupted suspend or
  // resume, or a disk error while no daemon listened: QEMU's run state says io-error then), as in
  // libvirt's qemuProcessUpdateState: a guest found paused gets the reason of QEMU's run state
  const same = status.state === (running ? 'running' : 'paused');
  if (runState === 'io-error') domain.reason = Reason.PausedIoError;
  else if (same && status.reason !== undefined) domain.reason = status.reason;
  else domain.reason = running ? Reason.RunningUnpaused : pausedReasonOf(runState);
  watchGuest(host, domain, guest);
}

/** The guest's vCPUs stopped (`virDomainSuspend`, or a paused start); the status file follows. */
export function guestPaused(host: QemuHost, domain: QemuDomain, reason: number): void {
  // QEMU's STOP event may have been seen first (watchGuest): one event per change of state.
  if (domain.state !== DomainState.Paused) emitLifecycle(host, domain.ref(), DomainEventType.Suspended, suspendedDetail(reason));
  domain.state = DomainState.Paused;
  domain.reason = reason;
  writeStatus(host, domain);
}

/** The guest's vCPUs run again (`virDomainResume`); the status file follows. */
export function guestResumed(host: QemuHost, domain: QemuDomain, reason: number): void {
  if (domain.state !== DomainState.Running) emitLifecycle(host, domain.ref(), DomainEventType.Resumed, resumedDetail(reason));
  domain.state = DomainState.Running;
  domain.reason = reason;
  writeStatus(host, domain);
}

/** Stops the guest (QMP quit, then SIGKILL) and marks the domain shut off with `reason`. */
export async function stopGuest(host: QemuHost, domain: QemuDomain, reason: number): Promise<void> {
  const guest = domain.guest;
  if (!guest) throw invalid('domain is not running');
  domain.expectedExit = guest;
  await guest.quit({ graceMs: 2_000 });
  await guestStopped(host, domain, reason);
}

/**
 * The domain's QEMU is gone (stopped by the daemon or found dead): its runtime files are removed,
 * the domain is shut off with `reason`, a transient domain disappears. Every stop goes through
 * here, so this is where a lifecycle event (STOPPED with its detail) belongs.
 */
export async function guestStopped(host: QemuHost, domain: QemuDomain, reason: number, options: { announce?: boolean } = {}): Promise<void> {
  await removeRuntimeFiles(host, domain.uuid);
  domain.markStopped(reason);
  if (!domain.persistent) host.remove(domain);
  // A start that never committed was never announced, so its undoing is not either.
  if (options.announce !== false) emitLifecycle(host, domain.ref(), DomainEventType.Stopped, stoppedDetail(reason));
}

/** What the watcher saw of one guest. */
interface Watch {
  /** The guest asked to power off (QMP SHUTDOWN with `guest: true`): its exit is a shutdown, not a crash. */
  poweredOff: boolean;
}
const watches = new WeakMap<QemuProcess, Watch>();

/** Follows the guest's run state from QMP events, and notices at once when QEMU exits (its QMP socket closes). */
export function watchGuest(host: QemuHost, domain: QemuDomain, guest: QemuProcess): void {
  const watch: Watch = { poweredOff: false };
  watches.set(guest, watch);
  guest.qmp.onEvent((event: QmpEvent) => {
    if (domain.guest !== guest) return;
    if ((event.event === 'STOP' || event.event === 'RESUME') && event.timestamp) {
      // QEMU's own time of the change (µs), for measuring how long the vCPUs stood still (bench/lib/qemu-section.js)
      const qemuTimeMs = event.timestamp.seconds * 1000 + event.timestamp.microseconds / 1000;
      host.services.log.debug({ domain: domain.name, event: event.event, qemuTimeMs }, 'guest run state');
    }
    if ((event.event === 'STOP' || event.event === 'RESUME') && domain.quietRunState) return;
    const stoppedOnIoError = event.event === 'BLOCK_IO_ERROR' && (event.data as { action?: string } | undefined)?.action === 'stop';
    if ((event.event === 'STOP' || stoppedOnIoError) && domain.state === DomainState.Running) {
      // libvirt's qemuProcessHandleIOError: QEMU stops the guest right after a disk error whose policy is
      // to stop (a full disk, by default): paused with reason IOERROR; the STOP that follows changes nothing
      domain.state = DomainState.Paused;
      domain.reason = stoppedOnIoError ? Reason.PausedIoError : Reason.PausedUser;
      emitLifecycle(host, domain.ref(), DomainEventType.Suspended, suspendedDetail(domain.reason));
      // as libvirt saves the status after an I/O error: a restarted daemon still says why the guest stopped
      if (stoppedOnIoError) saveStatusAfterEvent(host, domain);
    } else if (event.event === 'RESUME' && domain.state === DomainState.Paused) {
      domain.state = DomainState.Running;
      domain.reason = Reason.RunningUnpaused;
      emitLifecycle(host, domain.ref(), DomainEventType.Resumed, resumedDetail(domain.reason));
    } else if (event.event === 'RESET') {
      // libvirt's qemuProcessHandleReset: the guest was reset (it rebooted), VIR_DOMAIN_EVENT_ID_REBOOT
      emitReboot(host, domain.ref());
    } else if (event.event === 'SHUTDOWN') {
      watch.poweredOff = (event.data as { guest?: boolean } | undefined)?.guest === true;
      // libvirt's SHUTDOWN event: the guest (or the host, by a signal) finished shutting down; the daemon's own quit is not one.
      if (domain.expectedExit !== guest) {
        const detail = watch.poweredOff ? DomainEventShutdownDetail.Guest : DomainEventShutdownDetail.Host;
        emitLifecycle(host, domain.ref(), DomainEventType.Shutdown, detail);
      }
    }
  });
  void guest.qmp.closed.then(() =>
    guestExited(host, domain, guest).catch((error: unknown) =>
      host.services.log.error({ domain: domain.name, err: error }, 'handling the exit of QEMU failed'),
    ),
  );
}

/**
 * QEMU's monitor closed. Unless the daemon stopped or left the guest itself, the guest is gone:
 * settled now, or, while a state change runs on the domain, when that change ends (its own
 * recovery then sees the guest stopped).
 */
async function guestExited(host: QemuHost, domain: QemuDomain, guest: QemuProcess): Promise<void> {
  if (domain.guest !== guest || domain.expectedExit === guest) return;
  if (domain.changing > 0) {
    domain.pendingExit = guest;
    return;
  }
  await settleGuestExit(host, domain);
}

/**
 * Decides a guest exit noticed earlier: a QEMU that still runs without its monitor cannot be
 * managed and is killed (as libvirt does), then the domain is stopped: SHUTDOWN when the guest
 * powered itself off, CRASHED otherwise. Returns once the process is gone, so its images are free.
 */
export async function settleGuestExit(host: QemuHost, domain: QemuDomain): Promise<void> {
  const guest = domain.pendingExit ?? domain.guest;
  domain.pendingExit = null;
  if (!guest || domain.guest !== guest || !guest.qmp.isClosed) return;
  // a QEMU that exits closes its monitor a moment before it is gone
  if (!(await waitForProcessExit(guest.pid, 1_000)) && (await guest.isAlive())) {
    host.services.log.error({ domain: domain.name, pid: guest.pid }, 'lost the QMP connection to a running guest: stopping it');
    await guest.kill();
  }
  const reason = watches.get(guest)?.poweredOff ? Reason.ShutoffShutdown : Reason.ShutoffCrashed;
  host.services.log.warn({ domain: domain.name, pid: guest.pid, reason }, 'QEMU exited');
  if (domain.live) {
    const problems = await repairImages(host, writableQcow2Images(domain.live));
    if (problems.length > 0) host.services.log.error({ domain: domain.name, problems }, 'images of a dead guest are not clean');
  }
  await guestStopped(host, domain, reason);
}

/** Leaves the guest running and closes the monitor (daemon shutdown): its exit is not ours to judge. */
export async function detachGuest(domain: QemuDomain): Promise<void> {
  if (!domain.guest) return;
  domain.expectedExit = domain.guest;
  await domain.guest.detach();
}
