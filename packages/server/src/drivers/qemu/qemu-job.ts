// The qemu driver's durable jobs: what each journal record holds, and the begin/commit/finish steps every job goes through.
import { randomBytes } from 'node:crypto';
import type { JobJournal, JobRecord } from '../../state/job-journal.js';
import type { ReservedFile } from './engine/index.js';
import type { ImageLayer } from './disk-chain.js';
import type { Failpoints } from './failpoints.js';
import { applyStateChange, type StateChange } from './state-change.js';

/** How a snapshot is made; decides how recovery finds out whether it happened. */
export type CreateKind = 'live-external' | 'offline-external' | 'live-internal-disk' | 'live-checkpoint' | 'offline-internal';

/** One disk of a snapshot job. */
export interface JobDisk {
  target: string;
  /** The disk's active image before the job. */
  image: ImageLayer;
  /** The new overlay (external snapshots). */
  overlay?: string;
}

/** A snapshot being created: prepared until the disks switched (live) or the journal says committed. */
export interface CreateJob {
  operation: 'snapshot-create';
  kind: CreateKind;
  domainUuid: string;
  snapshotName: string;
  /** The internal snapshot tag (internal kinds). */
  tag?: string;
  disks: JobDisk[];
  /** Files the job will create (overlays not reused), known before any exists. */
  planned: string[];
  /** Identities of the files once created (O_EXCL), journaled before anything is written into them. */
  reserved: ReservedFile[];
  /** HALT: stop the domain once committed. */
  halt: boolean;
  change: StateChange;
}

/** One step of a delete or revert, replayed by recovery until done. */
export type DiskStep =
  /** Merge `overlay` (the disk's active image) into `base`, then drop it. */
  | { type: 'commit'; target: string; overlay: string; base: ImageLayer }
  /** Remove internal snapshot `tag` from the disk images. */
  | { type: 'delete-tag'; tag: string; disks: Array<{ target: string; path: string }> }
  /** Put every disk image back to internal snapshot `tag`. */
  | { type: 'apply-tag'; tag: string; disks: Array<{ target: string; path: string }> }
  /** Load internal checkpoint `tag` (VM state and disks) into the running guest. */
  | { type: 'load-checkpoint'; tag: string }
  /** Create a fresh overlay `overlay` on `base` (revert to an external snapshot). */
  | { type: 'create-overlay'; target: string; overlay: string; base: ImageLayer }
  /** Remove an image nothing references any more. */
  | { type: 'unlink'; target: string; path: string };

/** A delete or revert: committed (journaled) before the first disk changes, then rolled forward. */
export interface ForwardJob {
  operation: 'snapshot-delete' | 'snapshot-revert' | 'metadata';
  domainUuid: string;
  snapshotName: string;
  /** Whether the guest ran the steps (QMP) or qemu-img did (offline). */
  live: boolean;
  /** Stop the guest before the steps (revert to a snapshot without memory). */
  stopFirst: boolean;
  /** Start the guest (paused) once the state files are written, before the cleanup steps (revert to a running state). */
  startPaused: boolean;
  /** Disk steps before the state files are written. */
  steps: DiskStep[];
  /** Steps after the state files are written (removing images the new state no longer uses). */
  cleanup: DiskStep[];
  reserved: ReservedFile[];
  /** How the domain should run afterwards (revert): unchanged, shut off, paused or running. */
  endState: 'unchanged' | 'shutoff' | 'paused' | 'running';
  change: StateChange;
}

/** Any qemu-driver job. */
export type QemuJob = CreateJob | ForwardJob;

/** A job record of the qemu driver. */
export type QemuJobRecord = JobRecord<QemuJob>;

function newJobRecordId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
}

/**
 * A job in progress: its durable record plus the failpoints around its steps. Failpoint names are
 * `<operation>.journaled`, `.committed`, `.metadata-written`, `.definitions-written`.
 */
export class JobHandle<J extends QemuJob = QemuJob> {
  private constructor(
    private readonly journal: JobJournal,
    private readonly failpoints: Failpoints,
    readonly record: JobRecord<J>,
    readonly operation: string,
  ) {}

  /** Writes the record (phase prepared) before the job's first side effect. */
  static begin<J extends QemuJob>(journal: JobJournal, failpoints: Failpoints, job: J, createdFiles: string[] = []): JobHandle<J> {
    const record: JobRecord<J> = { id: newJobRecordId(), kind: job.operation, domainUuid: job.domainUuid, phase: 'prepared', createdFiles, payload: job };
    journal.write(record);
    const handle = new JobHandle(journal, failpoints, record, `qemu.${job.operation}`);
    failpoints.reach(`${handle.operation}.journaled`);
    return handle;
  }

  /** Continues a job found in the journal at start-up. */
  static resume<J extends QemuJob>(journal: JobJournal, failpoints: Failpoints, record: JobRecord<J>): JobHandle<J> {
    return new JobHandle(journal, failpoints, record, `qemu.${record.payload.operation}`);
  }

  get job(): J {
    return this.record.payload;
  }

  /** Records the identities of files just created (before anything is written into them). */
  recordReserved(files: readonly ReservedFile[]): void {
    this.record.payload.reserved = [...this.record.payload.reserved, ...files];
    this.journal.write(this.record);
    this.failpoints.reach(`${this.operation}.files-journaled`);
  }

  /**
   * The commit point: from here on recovery rolls the job forward. `durable: false` when the
   * commit point already happened elsewhere (QEMU switched the disks, which recovery asks QEMU
   * about): then the record keeps its phase and only the failpoint is reached.
   */
  commit(durable = true): void {
    if (durable) {
      this.record.phase = 'committed';
      this.journal.write(this.record);
    }
    this.failpoints.reach(`${this.operation}.committed`);
  }

  /** Writes the job's state files. */
  applyState(): Promise<void> {
    return applyStateChange(this.record.payload.change, this.failpoints, this.operation);
  }

  /** Removes the record: the job is over (done, or undone). */
  finish(): void {
    this.journal.finish(this.record.id);
  }

  /** Reaches a named failpoint of this job (`<operation>.<name>`). */
  reach(name: string): void {
    this.failpoints.reach(`${this.operation}.${name}`);
  }
}
