// Loads the qemu driver's domains at start-up and re-attaches to the QEMU processes that outlived the previous daemon.
import { DomainDefinition } from '@virtwire/protocol';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { attachDomain, removeRuntimeFiles } from './domain-lifecycle.js';
import { QemuProcess } from './engine/index.js';
import { QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import { buildSnapshotTree, reloadSnapshots } from './snapshot-metadata.js';

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
 * Reads every persistent definition and snapshot tree, then re-attaches to each guest that still
 * runs (pidfile, then /proc identity check: the pid must run QEMU with this guest's -name and
 * -qmp socket). Guests are never killed here; a guest the state does not know is left alone.
 */
export async function loadDomains(host: QemuHost): Promise<void> {
  const { layout, log } = host.services;
  layout.prepare();
  checkRuntimeDir(layout.runtimeDir);
  for (const definition of layout.loadDomains()) {
    const domain = new QemuDomain(definition, true);
    buildSnapshotTree(domain, layout.loadSnapshots(domain.name));
    host.add(domain);
  }
  const uuids = new Set([...host.domains().map((d) => d.uuid), ...layout.runtimeUuids()]);
  for (const uuid of uuids) {
    let status;
    try {
      status = layout.readStatus(uuid);
    } catch (error) {
      log.error({ uuid, err: error }, 'unreadable status file');
    }
    let guest: QemuProcess;
    try {
      guest = await QemuProcess.attach({ runtimeDir: layout.domainRunDir(uuid), name: uuid });
    } catch {
      if (existsSync(layout.domainRunDir(uuid))) await removeRuntimeFiles(host, uuid);
      continue;
    }
    let domain = host.findByUuid(uuid);
    if (!domain) {
      if (!status) {
        log.warn({ uuid, pid: guest.pid }, 'a QEMU guest runs without any state: left running, not managed');
        await guest.detach();
        continue;
      }
      domain = new QemuDomain(status.live, false);
      buildSnapshotTree(domain, layout.loadSnapshots(domain.name));
      host.add(domain);
    }
    await attachDomain(host, domain, guest, status?.id ?? host.allocateId(), status?.live ?? domain.definition.clone());
  }
}

/** Re-reads one domain's files (persistent definition, live status, snapshots) after recovery rewrote them. */
export function reloadDomain(host: QemuHost, domain: QemuDomain): void {
  const { layout } = host.services;
  const file = layout.domainFile(domain.name);
  if (existsSync(file)) {
    domain.definition = DomainDefinition.parse(readFileSync(file, 'utf8'));
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
