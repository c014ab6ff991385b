// Result and per-disk report types shared by every snapshot, revert and commit operation, plus the failpoint hook.
import type { JobProgressHook } from './job-progress.js';
import type { JobRunOptions } from './qmp-jobs.js';
import type { ReservedFile } from './reserved-file.js';

/**
 * Called between the steps of an operation with the step's name (e.g. "live-external:before-transaction").
 * Tests use it to crash the daemon or inject a failure (a thrown error is handled like a failed step).
 */
export type Failpoint = (step: string) => void | Promise<void>;

/** What became of one disk. */
export type DiskOutcome =
  /** The change was applied. */
  | 'done'
  /** Nothing was done to this disk. */
  | 'untouched'
  /** Work was done and then undone; the disk is as before. */
  | 'rolled-back'
  /** The disk may be left changed: see `detail`. Only possible when rollback itself failed, or for non-atomic operations. */
  | 'inconsistent';

/** Per-disk report of an operation. */
export interface DiskReport {
  target: string;
  outcome: DiskOutcome;
  detail?: string;
  /** Node names before/after, for live external snapshots and commits. */
  previousNode?: string;
  newNode?: string;
  /** The overlay image involved (external snapshots). */
  overlayPath?: string;
  /** Set when the engine created the overlay file (identity for the driver's journal and cleanup). */
  createdFile?: ReservedFile;
}

/** Outcome of an operation over several disks. Operations never throw for expected failures. */
export type OperationResult =
  | { ok: true; disks: DiskReport[] }
  | {
      ok: false;
      /** The first error (QEMU's QmpError/QemuJobError/QemuImgError, a PreconditionError, a filesystem error). */
      error: Error;
      /** The step that failed. */
      step: string;
      disks: DiskReport[];
      /** True if every change was undone (or nothing was changed). False means some disk is "inconsistent". */
      rolledBack: boolean;
      /** Problems met while rolling back (empty when rolledBack). */
      rollbackProblems: string[];
    };

/** Options shared by every operation. */
export interface OperationOptions {
  failpoint?: Failpoint;
  /** Bound on each QEMU job (blockdev-create, snapshot-save, ...). Default 60 s. */
  jobTimeoutMs?: number;
  /** Told how to read the progress of each QEMU job while it runs (for virDomainGetJobStats). */
  onJobProgress?: JobProgressHook;
}

/** Options of operations that create image files: the driver journals them before anything else happens. */
export interface CreatesFilesOptions extends OperationOptions {
  /** Invoked once all overlay files are reserved, before QEMU or qemu-img writes them (journal dev/ino durably here). */
  onFilesReserved?: (files: readonly ReservedFile[]) => void | Promise<void>;
}

/** The options of one QEMU job run of an operation: its time bound and its progress hook. */
export function jobRunOptions(options: OperationOptions): JobRunOptions {
  return {
    ...(options.jobTimeoutMs === undefined ? {} : { timeoutMs: options.jobTimeoutMs }),
    ...(options.onJobProgress ? { onProgress: options.onJobProgress } : {}),
  };
}

/** Runs the failpoint hook, if any, for `step`. */
export async function reachStep(failpoint: Failpoint | undefined, step: string): Promise<void> {
  if (failpoint) await failpoint(step);
}

/** Reports every target with the same outcome. */
export function reportAll(targets: readonly string[], outcome: DiskOutcome, detail?: string): DiskReport[] {
  return targets.map((target) => (detail === undefined ? { target, outcome } : { target, outcome, detail }));
}
