// The qemu driver's domain lifecycle: define, undefine, start, destroy, suspend, resume, shutdown, and watching QEMU exit.
import {
  DomainCreateFlags,
  DomainDefinition,
  DomainState,
  DomainUndefineFlags,
  ErrorDomain,
  ErrorNumber,
  VirError,
  QEMU_DRIVER_DEFAULTS,
  DomainDefineFlags
} from '@virtwire/protocol';
import { randomUUID } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeFileDurably, writeFileDurably } from '../../state/durable-file.js';
import { confineDefinition } from '../../storage/definition-paths.js';
import { diskElement, setDiskChain } from './disk-chain.js';
import { checkDomainConfig, guestSpec, resolveDisks } from './domain-config.js';
import { qmpArgument, QemuProcess, type QmpEvent } from './engine/index.js';
import { QemuDomain, Reason } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import { formatStatus } from './state-layout.js';
import { beginMetadataJob } from './snapshot-metadata.js';
import type { FileChange } from './state-change.js';

const invalid = (detail: string) => VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.Qemu, detail);

/** `virDomainDefineXML`: adds a persistent domain or replaces an existing one's persistent definition. */
export function defineDomain(host: QemuHost, xml: string, flags = 0): QemuDomain {
  const validate = (flags & DomainDefineFlags.Validate) !== 0;
  const definition = DomainDefinition.parse(xml, { generateUuid: randomUUID, defaults: QEMU_DRIVER_DEFAULTS, validate });
  confineDefinition(definition, host.services.confinement, ErrorDomain.Qemu);
  checkDomainConfig(definition);
  const sameName = host.findByName(definition.name);
  const sameUuid = host.findByUuid(definition.uuid);
  if (sameUuid && sameUuid.name !== definition.name) {
    throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain '${sameUuid.name}' is already defined with uuid ${definition.uuid}`);
  }
  if (sameName && sameName.uuid !== definition.uuid) {
    throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Domain, `domain '${definition.name}' already exists with uuid ${sameName.uuid}`);
  }
  const { layout } = host.services;
  writeFileDurably(layout.domainFile(definition.name), definition.format({ secure: true }));
  if (sameName) {
    sameName.definition = definition;
    if (!sameName.persistent && sameName.live) writeStatus(host, sameName);
    sameName.persistent = true;
    return sameName;
  }
  const domain = new QemuDomain(definition, true);
  host.add(domain);
  return domain;
}

/** `virDomainUndefineFlags`: refused while snapshot metadata exists unless SNAPSHOTS_METADATA; a running domain becomes transient. */
export async function undefineDomain(host: QemuHost, domain: QemuDomain, flags: number): Promise<void> {
  if (!domain.persistent) throw invalid('cannot undefine transient domain');
  const count = domain.snapshots.size;
  if (count > 0 && !(flags & DomainUndefineFlags.SnapshotsMetadata)) throw invalid(`cannot delete inactive domain with ${count} snapshots`);
  const { layout } = host.services;
  const metadata: FileChange[] = [...domain.snapshots.all()].map((s) => ({ path: layout.snapshotFile(domain.name, s.def.name), content: null, pruneDirectory: true }));
  const definitions: FileChange[] = [{ path: layout.domainFile(domain.name), content: null }];
  if (domain.live) definitions.push({ path: layout.statusFile(domain.uuid), content: formatStatus({ live: domain.live, id: domain.id, persistent: false }) });
  const job = beginMetadataJob(host, domain, { metadata, definitions });
  job.commit();
  await job.applyState();
  for (const snapshot of [...domain.snapshots.all()]) domain.snapshots.remove(snapshot);
  if (domain.active) domain.persistent = false;
  else host.remove(domain);
  job.finish();
}

/** Writes the running domain's status file (live definition, id, persistence). */
export function writeStatus(host: QemuHost, domain: QemuDomain): void {
  if (!domain.live) return;
  writeFileDurably(host.services.layout.statusFile(domain.uuid), formatStatus({ live: domain.live, id: domain.id, persistent: domain.persistent }));
}

/**
 * `virDomainCreateWithFlags`: resolves every disk's backing chain (the live definition records it
 * explicitly), launches QEMU detached so it outlives the daemon, paused with START_PAUSED.
 */
export async function startDomain(host: QemuHost, domain: QemuDomain, flags: number, reason?: number): Promise<void> {
  if (domain.active) throw invalid('domain is already running');
  const { layout, qemuBinary, qemuImg, inspectionMonitor, confinement } = host.services;
  const live = domain.definition.clone();
  const disks = await resolveDisks(live, qemuImg, confinement);
  for (const { disk, chain } of disks) if (chain.length > 0) setDiskChain(diskElement(live, disk.target), chain);
  const paused = (flags & DomainCreateFlags.StartPaused) !== 0;
  const spec = guestSpec(live, disks);
  if (inspectionMonitor) spec.extraArgs = [...(spec.extraArgs ?? []), '-qmp', qmpArgument(join(layout.domainRunDir(domain.uuid), 'monitor.sock'))];
  let guest: QemuProcess;
  try {
    guest = await QemuProcess.launch({ ...spec, runtimeDir: layout.domainRunDir(domain.uuid), qemuBinary, startState: paused ? 'paused' : 'running' });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, `qemu unexpectedly closed the monitor: ${detail}`);
  }
  domain.guest = guest;
  domain.live = live;
  domain.id = host.allocateId();
  domain.state = paused ? DomainState.Paused : DomainState.Running;
  domain.reason = reason ?? (paused ? Reason.PausedUser : Reason.RunningBooted);
  writeStatus(host, domain);
  watchGuest(host, domain, guest);
}

/** Re-attaches to a guest that an earlier daemon started (pidfile plus process identity check); never kills it. */
export async function attachDomain(host: QemuHost, domain: QemuDomain, guest: QemuProcess, id: number, live: DomainDefinition): Promise<void> {
  domain.guest = guest;
  domain.live = live;
  domain.id = id;
  host.reserveId(id);
  const status = await guest.queryStatus();
  domain.state = status.running ? DomainState.Running : DomainState.Paused;
  domain.reason = status.running ? Reason.RunningBooted : Reason.PausedUser;
  watchGuest(host, domain, guest);
}

/** Follows the guest's run state from QMP events and notices when QEMU exits on its own. */
function watchGuest(host: QemuHost, domain: QemuDomain, guest: QemuProcess): void {
  let guestShutdown = false;
  guest.qmp.onEvent((event: QmpEvent) => {
    if (domain.guest !== guest) return;
    if (event.event === 'STOP' && domain.state === DomainState.Running) {
      domain.state = DomainState.Paused;
      domain.reason = Reason.PausedUser;
    } else if (event.event === 'RESUME' && domain.state === DomainState.Paused) {
      domain.state = DomainState.Running;
      domain.reason = Reason.RunningUnpaused;
    } else if (event.event === 'SHUTDOWN') {
      guestShutdown = (event.data as { guest?: boolean } | undefined)?.guest === true;
    }
  });
  void guest.qmp.closed.then(async () => {
    if (domain.guest !== guest || domain.stopping) return;
    if (await guest.isAlive()) {
      host.services.log.error({ domain: domain.name }, 'lost the QMP connection to a running guest');
      return;
    }
    await removeRuntimeFiles(host, domain.uuid);
    domain.markStopped(guestShutdown ? Reason.ShutoffShutdown : Reason.ShutoffCrashed);
    if (!domain.persistent) host.remove(domain);
  });
}

/** Removes a stopped guest's socket, pidfile and status file (its log stays). */
export async function removeRuntimeFiles(host: QemuHost, uuid: string): Promise<void> {
  const dir = host.services.layout.domainRunDir(uuid);
  await Promise.all(['qmp.sock', 'monitor.sock', 'qemu.pid'].map((f) => fs.rm(join(dir, f), { force: true })));
  removeFileDurably(host.services.layout.statusFile(uuid));
}

/** Stops the guest (QMP quit, then SIGKILL) and marks the domain shut off with `reason`. */
export async function stopDomain(host: QemuHost, domain: QemuDomain, reason: number): Promise<void> {
  const guest = domain.guest;
  if (!guest) throw invalid('domain is not running');
  domain.stopping = true;
  try {
    await guest.quit({ graceMs: 2_000 });
  } catch (error) {
    domain.stopping = false;
    throw error;
  }
  await removeRuntimeFiles(host, domain.uuid);
  domain.markStopped(reason);
  if (!domain.persistent) host.remove(domain);
}

/** `virDomainDestroyFlags`. */
export async function destroyDomain(host: QemuHost, domain: QemuDomain): Promise<void> {
  await stopDomain(host, domain, Reason.ShutoffDestroyed);
}

/** `virDomainSuspend`: QMP stop. */
export async function suspendDomain(domain: QemuDomain): Promise<void> {
  if (!domain.guest) throw invalid('domain is not running');
  if (domain.state === DomainState.Paused) return;
  await domain.guest.pause();
  domain.state = DomainState.Paused;
  domain.reason = Reason.PausedUser;
}

/** `virDomainResume`: QMP cont. */
export async function resumeDomain(domain: QemuDomain): Promise<void> {
  if (!domain.guest) throw invalid('domain is not running');
  if (domain.state !== DomainState.Paused) throw invalid('domain is already running');
  await domain.guest.resume();
  domain.state = DomainState.Running;
  domain.reason = Reason.RunningUnpaused;
}

/**
 * `virDomainShutdownFlags`: like libvirt, asks the guest to power off (ACPI power button through
 * QMP system_powerdown) and returns at once; the domain stays running until the guest acts, and
 * a guest without an operating system never does. Use DomainDestroy to stop such a guest.
 */
export async function shutdownDomain(domain: QemuDomain): Promise<void> {
  if (!domain.guest || domain.state !== DomainState.Running) throw invalid('domain is not running');
  await domain.guest.qmp.execute('system_powerdown');
}

/** CPU time the guest's QEMU process used, in nanoseconds (utime + stime from /proc). */
export function cpuTimeNs(domain: QemuDomain): number {
  if (!domain.guest) return 0;
  try {
    const stat = readFileSync(`/proc/${domain.guest.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10_000_000 : 0;
  } catch {
    return 0;
  }
}
