// A paused guest's disk images taken back from the migration a memory snapshot finished, its vCPUs left stopped.
import { DomainState } from '@virtwire/protocol';
import { writeStatus } from './guest-lifecycle.js';
import type { QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';

/**
 * When a migration completes QEMU inactivates every block node (the destination would own the
 * images) and its run state becomes `postmigrate`; a memory snapshot's save is such a migration.
 * A guest that runs on gets its images back from `cont`. A guest that was paused before the create
 * stays paused, and until something takes its images back its disks refuse writes, internal
 * snapshots ("Device … is writable but does not support snapshots") and merges ("Block node is
 * read-only"): a later snapshot or delete of the paused domain would fail.
 *
 * QEMU 10.0's `blockdev-set-active` activates the nodes without running the guest. Before it, only
 * `cont` does (QEMU's qmp_cont activates every node before starting the vCPUs): the vCPUs then run
 * between a `cont` and a `stop` sent together (a few ms on TCG here, most of it the activation),
 * and the two run-state events of that moment are not the domain's (its state, reason and events
 * do not change; `quietRunState`). Recovery after a daemon died around them does the same from
 * what it finds: images still inactive, or a guest left running, which is stopped again with
 * `pausedReason`, the reason it had before the create.
 */
export async function reclaimImagesPaused(host: QemuHost, domain: QemuDomain, pausedReason: number | undefined): Promise<void> {
  const guest = domain.guest;
  if (!guest || guest.qmp.isClosed) return;
  const { status } = await guest.queryStatus();
  if (status === 'postmigrate') {
    const { major } = guest.qmp.qemuVersion;
    if (major >= 10) await guest.qmp.execute('blockdev-set-active', { active: true });
    else
      await quietly(domain, async () => {
        // sent together: QEMU runs the stop right after the cont, without waiting for the daemon
        await Promise.all([guest.resume(), guest.pause()]);
      });
  } else if (status === 'running') {
    await quietly(domain, () => guest.pause());
  } else return;
  const reason = pausedReason ?? domain.reason;
  if (domain.state !== DomainState.Paused || domain.reason !== reason) {
    domain.state = DomainState.Paused;
    domain.reason = reason;
    writeStatus(host, domain);
  }
}

/** Runs `change` with the guest's run-state events kept from the domain (QMP delivers them before the command's reply). */
async function quietly(domain: QemuDomain, change: () => Promise<void>): Promise<void> {
  domain.quietRunState = true;
  try {
    await change();
  } finally {
    domain.quietRunState = false;
  }
}
