// The state reasons both drivers set, named once from libvirt's vocabulary (RunningReason, PausedReason, ShutoffReason).
import { PausedReason, RunningReason, ShutoffReason } from '@virtwire/protocol';

/** The reasons the test and qemu drivers give their domains' states. */
export const StateReason = {
  /** Any state: `VIR_DOMAIN_*_UNKNOWN`, what libvirt's test driver gives every domain it loads. */
  Unknown: 0,
  RunningBooted: RunningReason.Booted,
  RunningFromSnapshot: RunningReason.FromSnapshot,
  RunningUnpaused: RunningReason.Unpaused,
  /** Resumed after a save or a memory snapshot that did not complete (libvirt's qemuProcessRecoverJob at restart). */
  RunningSaveCanceled: RunningReason.SaveCanceled,
  PausedUser: PausedReason.User,
  /** QEMU stopped the guest on a disk's I/O error (its error policy `stop`, or `enospc` with the disk full). */
  PausedIoError: PausedReason.IoError,
  PausedFromSnapshot: PausedReason.FromSnapshot,
  PausedStartingUp: PausedReason.StartingUp,
  PausedSnapshot: PausedReason.Snapshot,
  ShutoffShutdown: ShutoffReason.Shutdown,
  ShutoffDestroyed: ShutoffReason.Destroyed,
  ShutoffCrashed: ShutoffReason.Crashed,
  ShutoffFromSnapshot: ShutoffReason.FromSnapshot,
  /** The domain failed to start (a start a crash interrupted, undone at recovery). */
  ShutoffFailed: ShutoffReason.Failed,
  /** The daemon stopped a guest it could not manage (no monitor after a restart). */
  ShutoffDaemon: ShutoffReason.Daemon,
} as const;
