// The paused reason of a guest QEMU stopped while no daemon watched it, from QEMU's run state (libvirt's qemuMonitorVMStatusToPausedReason).
import { PausedReason } from '@virtwire/protocol';

/** QMP `query-status` run states of a stopped guest and the virDomainPausedReason libvirt gives each. */
const PAUSED_REASONS: ReadonlyMap<string, number> = new Map([
  ['inmigrate', PausedReason.Migration],
  ['postmigrate', PausedReason.Migration],
  ['finish-migrate', PausedReason.Migration],
  ['io-error', PausedReason.IoError],
  ['paused', PausedReason.User],
  ['prelaunch', PausedReason.User],
  ['save-vm', PausedReason.Save],
  ['shutdown', PausedReason.ShuttingDown],
  ['watchdog', PausedReason.Watchdog],
  ['guest-panicked', PausedReason.Crashed],
]);

/**
 * The paused reason QEMU's run state `status` gives a guest that ran when the daemon last saw it
 * (libvirt's qemuMonitorVMStatusToPausedReason, used by qemuProcessUpdateState on reconnect):
 * `io-error` is IOERROR, `paused` USER, a migration's states MIGRATION; any other UNKNOWN.
 */
export function pausedReasonOf(status: string): number {
  return PAUSED_REASONS.get(status) ?? PausedReason.Unknown;
}
