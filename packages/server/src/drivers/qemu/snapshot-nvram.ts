// A UEFI domain's NVRAM kept with each of its snapshots and put back by a revert (virtwire extension: libvirt's snapshots leave the NVRAM out).
import { DomainSnapshotRevertFlags as Revert } from '@virtwire/protocol';
import type { DomainDefinition } from '@virtwire/protocol/xml';
import { constants, existsSync, promises as fs, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncDirectory, writeFileDurably } from '../../state/durable-file.js';
import { reservePlannedFile } from './intent-files.js';
import type { Intent } from './qemu-intent.js';
import type { QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import type { FileChange } from './state-change.js';
import type { StateLayout } from './state-layout.js';
import { nvramPathOf } from './uefi-firmware.js';

/** The NVRAM to copy for a new snapshot: the domain's variable store, and where its copy goes. */
export interface NvramCopy {
  from: string;
  to: string;
}

/** Where a snapshot's copy of its domain's NVRAM lives: beside its metadata, `<snapshot>.nvram`. */
export function nvramCopyFile(layout: StateLayout, domainName: string, snapshotName: string): string {
  return join(layout.snapshotDir(domainName), `${snapshotName}.nvram`);
}

/**
 * The NVRAM a new snapshot of `domain` keeps: the variable store its (live or persistent)
 * definition uses, when it boots UEFI and the store exists. Nothing for a snapshot without
 * metadata (no revert can reach it).
 */
export function nvramToSave(host: QemuHost, domain: QemuDomain, snapshotName: string, keepMetadata: boolean): NvramCopy | undefined {
  if (!keepMetadata) return undefined;
  const { layout } = host.services;
  const from = nvramPathOf(domain.effective, layout.stateDir);
  if (from === undefined || !existsSync(from)) return undefined;
  return { from, to: nvramCopyFile(layout, domain.name, snapshotName) };
}

/**
 * Copies the NVRAM into a file the intent reserved (O_EXCL, 0600, its identity journaled before
 * anything is written), durably, before the create's commit point: a rollback removes it by that
 * identity, a completed create keeps it.
 */
export async function saveNvramCopy(intent: Intent, copy: NvramCopy): Promise<void> {
  mkdirSync(dirname(copy.to), { recursive: true, mode: 0o700 });
  await reservePlannedFile(intent, copy.to);
  const content = await fs.readFile(copy.from);
  const handle = await fs.open(copy.to, constants.O_WRONLY | constants.O_NOFOLLOW);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  fsyncDirectory(dirname(copy.to));
  intent.reach('nvram-saved');
}

/**
 * The revert step that puts a snapshot's NVRAM copy back into the store the reverted definition
 * uses: only when the snapshot has one, the domain boots UEFI, the guest is stopped while the
 * steps run, and REVERT_RESET_NVRAM does not ask for the template instead.
 */
export function nvramRestoreStep(
  host: QemuHost,
  domain: QemuDomain,
  snapshotName: string,
  definition: DomainDefinition,
  { flags, guestStopped }: { flags: number; guestStopped: boolean },
): { type: 'restore-nvram'; from: string; to: string } | undefined {
  const { layout } = host.services;
  const from = nvramCopyFile(layout, domain.name, snapshotName);
  const to = nvramPathOf(definition, layout.stateDir);
  if (to === undefined || !guestStopped || flags & Revert.ResetNvram || !existsSync(from)) return undefined;
  return { type: 'restore-nvram', from, to };
}

/** Replaces the NVRAM with a snapshot's copy, atomically and durably (idempotent: recovery may replay it). */
export function restoreNvram(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
  writeFileDurably(to, readFileSync(from), 0o600);
}

/** The removals of the NVRAM copies some snapshots of a domain kept (for deletes and undefine). */
export function nvramCopyRemovals(layout: StateLayout, domainName: string, snapshotNames: Iterable<string>): FileChange[] {
  const removals: FileChange[] = [];
  for (const name of snapshotNames) {
    const path = nvramCopyFile(layout, domainName, name);
    if (existsSync(path)) removals.push({ path, content: null, pruneDirectory: true });
  }
  return removals;
}
