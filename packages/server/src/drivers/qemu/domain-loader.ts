// Loads the qemu driver's domains at start-up and re-attaches to the QEMU processes that outlived the previous daemon.
import { DomainDefinition } from '@virtwire/protocol/xml';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { isOurGuest, QemuProcess, readPidFile, runtimePaths, waitForProcessExit } from './engine/index.js';
import { attachGuest, guestStopped, removeRuntimeFiles } from './guest-lifecycle.js';
import { repairImages, writableQcow2Images } from './image-repair.js';
import { QemuDomain, Reason } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import { buildSnapshotTree, reloadSnapshots } from './snapshot-metadata.js';
import type { DomainStatus } from './state-layout.js';

/** Refuses a runtime directory that is a symlink or belongs to someone else (it may sit in /tmp). */
export function checkRuntimeDir(dir: string): void {
  if (!existsSync(dir)) return;
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o022) !== 0) {
    throw new Error(`runtime directory ${dir} is not a private directory of this user`);
  }
}

/**
 * Reads every persistent definition and snapshot tree, then accounts for every QEMU of the
 * runtime directory: a guest with a status file is re-attached (pidfile, then /proc identity: the
 * pid must run QEMU with this guest's -name and -qmp socket) and never killed; a QEMU without
 * one is a start that never completed, and one whose monitor does not answer cannot be managed:
 * both are stopped. A QEMU that died while the daemon was away leaves its images checked and its
 * runtime files removed.
 */
export async function loadDomains(host: QemuHost): Promise<void> {
  const { layout } = host.services;
  checkRuntimeDir(layout.runtimeDir);
  layout.prepare();
  for (const definition of layout.loadDomains()) addPersistentDomain(host, definition);
  const uuids = new Set([...host.domains().map((d) => d.uuid), ...layout.runtimeUuids()]);
  for (const uuid of uuids) await loadGuest(host, uuid);
}

function addPersistentDomain(host: QemuHost, definition: DomainDefinition): QemuDomain {
  const domain = new QemuDomain(definition, true);
  buildSnapshotTree(domain, host.services.layout.loadSnapshots(domain.name));
  host.add(domain);
  return domain;
}

/** Re-attaches to, or accounts for, the QEMU of domain `uuid` (if any). */
async function loadGuest(host: QemuHost, uuid: string): Promise<void> {
  const { layout, log } = host.services;
  let status: DomainStatus | undefined;
  try {
    status = layout.readStatus(uuid);
  } catch (error) {
    log.error({ uuid, err: error }, 'unreadable status file');
  }
  const domain = host.findByUuid(uuid);
  let guest: QemuProcess;
  try {
    guest = await QemuProcess.attach({ runtimeDir: layout.domainRunDir(uuid), name: uuid });
  } catch {
    if (await stopUnreachableGuest(host, uuid)) {
      log.error({ uuid }, 'a QEMU guest whose monitor does not answer: stopped');
      if (domain) domain.reason = Reason.ShutoffDaemon;
    } else if (status && domain) {
      domain.reason = Reason.ShutoffCrashed;
    }
    if (status) await repairAfterDeath(host, uuid, status);
    if (existsSync(layout.domainRunDir(uuid))) await removeRuntimeFiles(host, uuid);
    return;
  }
  if (!status) {
    log.warn({ uuid, pid: guest.pid }, 'a QEMU guest whose start never completed (no status file): stopped');
    await guest.kill();
    await removeRuntimeFiles(host, uuid);
    if (domain) domain.reason = Reason.ShutoffFailed;
    return;
  }
  let owner = domain;
  if (!owner) {
    owner = new QemuDomain(status.live, false);
    buildSnapshotTree(owner, layout.loadSnapshots(owner.name));
    host.add(owner);
  }
  try {
    await attachGuest(host, owner, guest, status);
  } catch (error) {
    log.error({ uuid, pid: guest.pid, err: error }, 'a QEMU guest whose monitor does not answer: stopped');
    owner.expectedExit = guest;
    await guest.kill();
    await guestStopped(host, owner, Reason.ShutoffDaemon);
  }
}

/** SIGKILLs the guest of `uuid` if its pidfile still names a live QEMU of ours; true if it did. */
async function stopUnreachableGuest(host: QemuHost, uuid: string): Promise<boolean> {
  const paths = runtimePaths(host.services.layout.domainRunDir(uuid));
  const pid = await readPidFile(paths.pidFile).catch(() => undefined);
  if (pid === undefined || !(await isOurGuest(pid, uuid, paths))) return false;
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  await waitForProcessExit(pid, 10_000);
  return true;
}

/** Repairs what a QEMU that died unwatched may have left unclean in its writable images. */
async function repairAfterDeath(host: QemuHost, uuid: string, status: DomainStatus): Promise<void> {
  const problems = await repairImages(host, writableQcow2Images(status.live));
  if (problems.length > 0) host.services.log.error({ uuid, problems }, 'images of a dead guest are not clean');
}

/** Re-reads one domain's files (persistent definition, live status, snapshots) after recovery rewrote them. */
export function reloadDomain(host: QemuHost, domain: QemuDomain): void {
  const { layout } = host.services;
  const file = layout.domainFile(domain.name);
  if (existsSync(file)) {
    domain.persistentDefinition = DomainDefinition.parse(readFileSync(file, 'utf8'));
    domain.persistent = true;
  } else {
    domain.persistent = false;
  }
  if (domain.guest) {
    const status = layout.readStatus(domain.uuid);
    if (status) domain.live = status.live;
  }
  reloadSnapshots(host, domain);
  if (!domain.persistent && !domain.active) host.remove(domain);
}

/** Adds the persistent definition of `uuid` if recovery just wrote it (a define a crash interrupted). */
export function loadRecoveredDefinition(host: QemuHost, uuid: string): void {
  if (host.findByUuid(uuid)) return;
  const definition = host.services.layout.loadDomains().find((d) => d.uuid === uuid);
  if (definition && !host.findByName(definition.name)) addPersistentDomain(host, definition);
}
