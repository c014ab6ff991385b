// The memory file of an external memory snapshot: reserved and journaled, the stream saved (vCPUs stopped), the guest resumed as it ran before.
import { DomainState } from '@virtwire/protocol';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { JobControl } from '../../jobs/job-control.js';
import { applyMigrationSettings, cancelOutgoing, saveMemoryStream, type Failpoint, type QmpClient, type ReservedFile } from './engine/index.js';
import { guestPaused, guestResumed } from './guest-lifecycle.js';
import { reclaimImagesPaused } from './migrated-images.js';
import type { CreateIntent, CreateMemory, Intent } from './qemu-intent.js';
import { Reason, type QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';

/** The unix socket a migration stream passes through: in the guest's private (0700) runtime directory, short enough for sun_path. */
export function memorySocketPath(host: QemuHost, domain: { uuid: string }): string {
  return join(host.services.layout.domainRunDir(domain.uuid), 'mem.sock');
}

/**
 * The `save-memory` step of an external memory snapshot (libvirt's qemuSnapshotCreateActiveExternal,
 * memory part: qemuMigrationSrcToFile): without LIVE the vCPUs are stopped first
 * (VIR_DOMAIN_PAUSED_SNAPSHOT), with LIVE QEMU stops them when the migration completes. Once the
 * file is complete and flushed, `saved` is journaled (failpoint `.memory-saved`): from then on a
 * create whose disks switched rolls forward. A virDomainAbortJob asked while the stream runs cancels
 * the migration.
 */
export function memorySaver(host: QemuHost, domain: QemuDomain, intent: Intent<CreateIntent>, file: ReservedFile, failpoint: Failpoint, job?: JobControl) {
  return async (): Promise<void> => {
    const memory = intent.payload.memory!;
    let aborted = false;
    void job?.abortRequested.then(() => (aborted = true));
    const qmp = domain.guest!.qmp;
    try {
      const saved = await saveMemoryStream(qmp, file, memorySocketPath(host, domain), {
        live: memory.live,
        failpoint,
        onPaused: () => guestPaused(host, domain, Reason.PausedSnapshot),
        cancelled: () => aborted,
        onSettingsFound: (found) => {
          memory.migration = found;
          intent.persist();
        },
        ...(job ? { onJobProgress: job.reportProgress } : {}),
      });
      host.services.log.debug({ domain: domain.name, bytes: saved.bytes, ms: saved.ms, copier: saved.copier, ...saved.phases }, 'memory saved');
    } catch (error) {
      if (aborted) job?.checkpoint();
      throw error;
    }
    if (domain.state !== DomainState.Paused) guestPaused(host, domain, Reason.PausedSnapshot);
    memory.saved = true;
    intent.persist();
    intent.reach('memory-saved');
  };
}

/**
 * After a memory create ended (its disks switched, or everything undone): a guest that ran before
 * runs again (QMP `cont`, which also takes the images back from the finished migration), unless
 * HALT stops it next, with `reason` (UNPAUSED; SAVE_CANCELED when recovery undid the create, as
 * libvirt's qemuProcessRecoverJob resumes a guest whose snapshot job a restart interrupted). A guest
 * that was paused stays paused, with its images taken back all the same (migrated-images.ts).
 */
export async function resumeAfterMemory(
  host: QemuHost,
  domain: QemuDomain | undefined,
  memory: CreateMemory,
  halt: boolean,
  reason: number = Reason.RunningUnpaused,
): Promise<void> {
  const guest = domain?.guest;
  if (!domain || !guest || guest.qmp.isClosed) return;
  if (halt) return;
  if (!memory.wasRunning) return reclaimImagesPaused(host, domain, memory.pausedReason);
  if (!(await guest.queryStatus()).running) await guest.resume();
  guestResumed(host, domain, reason);
}

/**
 * Recovery's first step for a memory create (libvirt's qemuProcessRecoverJob cancels a snapshot's
 * migration to file): no migration of the dead daemon's is left in QEMU, nor its socket, and QEMU's
 * migration settings are those the save found (a save that ended had put them back already).
 */
export async function endLeftoverMigration(host: QemuHost, domain: QemuDomain | undefined, qmp: QmpClient | undefined, memory: CreateMemory): Promise<void> {
  if (qmp) {
    await cancelOutgoing(qmp);
    // best effort, as libvirt's qemuMigrationParamsReset: a refusal is logged, the recovery goes on
    if (memory.migration)
      await applyMigrationSettings(qmp, memory.migration).catch((error: unknown) =>
        host.services.log.warn({ domain: domain?.name, err: error }, 'restoring the migration settings after a memory snapshot failed'),
      );
  }
  if (domain) await fs.rm(memorySocketPath(host, domain), { force: true }).catch(() => undefined);
}
