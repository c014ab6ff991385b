// The qemu driver's intents: what each durable record holds, its phases, and the handle every state change goes through.
import { randomBytes } from 'node:crypto';
import type { IntentJournal, IntentRecord, JournaledCall } from '../../state/intent-journal.js';
import type { MigrationSettings, ReservedFile } from './engine/index.js';
import type { ImageLayer } from './disk-chain.js';
import type { Failpoints } from './failpoints.js';
import { statusFile } from './guest-lifecycle.js';
import type { QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';
import { applyStateFiles, type StateChange } from './state-change.js';

/**
 * How far an intent got. `prepared`: side effects may exist but the commit point was not reached
 * (recovery rolls back, unless the commit point lives in QEMU and QEMU says it passed);
 * `committed`: recovery rolls forward; `state-applied`: the state files are written, only the
 * steps after them remain (steps before them are never replayed again).
 */
export type IntentPhase = 'prepared' | 'committed' | 'state-applied';

/** Files an intent creates: planned before any exists, then each one's identity once created (O_EXCL). */
export interface IntentFiles {
  planned: string[];
  reserved: ReservedFile[];
}

/** How a snapshot is made; decides how recovery finds out whether it happened. */
export type CreateKind = 'live-external' | 'offline-external' | 'live-internal-disk' | 'live-checkpoint' | 'offline-internal';

/** One disk of a snapshot create. */
export interface IntentDisk {
  target: string;
  /** The disk's active image before the snapshot. */
  image: ImageLayer;
  /** The new overlay (external snapshots). */
  overlay?: string;
}

/** A snapshot being created: prepared until the disks switched (live, QEMU is asked) or the record says committed (offline). */
export interface CreateIntent {
  kind: 'snapshot-create';
  createKind: CreateKind;
  snapshotName: string;
  /** The internal snapshot tag (internal kinds). */
  tag?: string;
  disks: IntentDisk[];
  files: IntentFiles;
  /** HALT: stop the domain once committed. */
  halt: boolean;
  /** QUIESCE: the guest may be frozen while this create runs; recovery thaws it, whatever the outcome. */
  quiesce?: boolean;
  /** An external memory snapshot: its file (one of `files`), and what recovery needs to finish or undo it. */
  memory?: CreateMemory;
  /**
   * The state files to write once committed. A live external create with disks journals it only
   * while QEMU adds its overlays, before the transaction is sent: a record without it never
   * committed (see attachChange).
   */
  change?: StateChange;
}

/** The memory part of a create (libvirt's `<memory snapshot='external' file='...'/>`). */
export interface CreateMemory {
  file: string;
  /** VIR_DOMAIN_SNAPSHOT_CREATE_LIVE: migrated while the guest ran. */
  live: boolean;
  /** The guest ran before the create: a guest the create stopped is resumed by it (or by its recovery), unless HALT. */
  wasRunning: boolean;
  /** A paused guest's state reason before the create: what it has again if recovery finds it running (migrated-images.ts). */
  pausedReason?: number;
  /** Set (durably) once the stream is complete in the file and flushed: only then can the create roll forward. */
  saved?: boolean;
  /**
   * QEMU's migration settings as the save found them, journaled before it changes them for its
   * stream (capability `events`, `max-bandwidth`): recovery puts them back, as libvirt's
   * qemuMigrationParamsReset restores the parameters a migration job found.
   */
  migration?: MigrationSettings;
}

/** One step of a delete or revert; every step is idempotent. */
export type DiskStep =
  /** Merge `overlay` (the disk's active image) into `base`, then drop it. */
  | { type: 'commit'; target: string; overlay: string; base: ImageLayer }
  /** Remove internal snapshot `tag` from the disk images. */
  | { type: 'delete-tag'; tag: string; disks: Array<{ target: string; path: string }> }
  /** Put every disk image back to internal snapshot `tag`. */
  | { type: 'apply-tag'; tag: string; disks: Array<{ target: string; path: string }> }
  /** Load internal checkpoint `tag` (VM state and disks) into the running guest. */
  | { type: 'load-checkpoint'; tag: string }
  /** Write a fresh overlay on `base` into the file the intent reserved at `overlay` (revert to an external snapshot). */
  | { type: 'create-overlay'; target: string; overlay: string; base: ImageLayer }
  /** Remove a deleted snapshot's memory file (only a regular file holding a migration stream). */
  | { type: 'remove-memory'; path: string }
  /** Remove an image nothing references any more. */
  | { type: 'unlink'; target: string; path: string }
  /** Put a snapshot's NVRAM copy back into the domain's variable store (the guest is stopped). */
  | { type: 'restore-nvram'; from: string; to: string };

/**
 * A delete, revert or state-file change: committed before its first disk change (a revert first
 * reserves its new overlays while prepared), then rolled forward: stop, steps, state files
 * (phase `state-applied`), start, cleanup, end state.
 */
export interface ForwardIntent {
  kind: 'snapshot-delete' | 'snapshot-revert' | 'state-files';
  snapshotName: string;
  /** Stop the guest before the steps (revert to a snapshot without memory). */
  stopFirst: boolean;
  /** Start the guest (paused) once the state files are written, before the cleanup steps (revert to a running state). */
  startPaused: boolean;
  /** A memory file the guest is started from (`-incoming defer`) once the state files are written (revert to an external memory snapshot). */
  loadMemory?: string;
  /** REVERT_RESET_NVRAM: a guest this change starts gets its NVRAM from the template again. */
  resetNvram?: boolean;
  /** Disk steps before the state files are written. */
  steps: DiskStep[];
  /** Steps after the state files are written (removing images the new state no longer uses). */
  cleanup: DiskStep[];
  files: IntentFiles;
  /** How the domain should run afterwards (revert): unchanged, shut off, paused or running. */
  endState: 'unchanged' | 'shutoff' | 'paused' | 'running';
  change: StateChange;
  /** Disks whose live merge pivoted to the base: their commit step is never replayed (the guest writes to the base since). */
  pivoted?: string[];
  /** Set while the change holds a running guest paused around a pivot: its reason, to resume it with at the end. */
  resumeAfter?: { reason: number };
}

/** `virDomainCreate`: committed once QEMU runs in its start state and the status file is written. */
export interface StartIntent {
  kind: 'domain-start';
  paused: boolean;
  reason: number;
}

/** `virDomainDestroy` (and the daemon's own stops): rolled forward, the guest ends stopped with `reason`. */
export interface StopIntent {
  kind: 'domain-stop';
  reason: number;
}

/** `virDomainSuspend`/`virDomainResume`: rolled forward, the guest ends paused or running. */
export interface RunStateIntent {
  kind: 'domain-run-state';
  target: 'paused' | 'running';
  reason: number;
}

/** Any intent of the qemu driver. */
export type QemuIntent = CreateIntent | ForwardIntent | StartIntent | StopIntent | RunStateIntent;

function newIntentId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
}

/**
 * One state change in progress: its durable record, and the failpoints around its steps
 * (`qemu.<kind>.journaled`, `.files-journaled`, `.change-journaled`, `.committed`, `.metadata-written`,
 * `.definitions-written`, `.state-applied`, plus the names steps reach themselves).
 */
export class Intent<P extends QemuIntent = QemuIntent> {
  private done = false;

  private constructor(
    private readonly host: QemuHost,
    readonly record: IntentRecord<P>,
  ) {}

  /** Writes the record (durably) before the change's first side effect. */
  static begin<P extends QemuIntent>(host: QemuHost, domain: QemuDomain, payload: P, phase: IntentPhase = 'prepared', request?: JournaledCall): Intent<P> {
    const record: IntentRecord<P> = { id: newIntentId(), kind: payload.kind, domainUuid: domain.uuid, phase, payload, ...(request ? { request } : {}) };
    host.services.journal.write(record);
    const intent = new Intent(host, record);
    intent.reach('journaled');
    return intent;
  }

  /** Continues an intent found in the journal. */
  static resume<P extends QemuIntent>(host: QemuHost, record: IntentRecord<P>): Intent<P> {
    return new Intent(host, record);
  }

  private get journal(): IntentJournal {
    return this.host.services.journal;
  }

  private get failpoints(): Failpoints {
    return this.host.services.failpoints;
  }

  get payload(): P {
    return this.record.payload;
  }

  get phase(): IntentPhase {
    return this.record.phase as IntentPhase;
  }

  /** Whether the record is gone (the change is over, done or undone). */
  get finished(): boolean {
    return this.done;
  }

  /** The failpoint prefix of this intent's steps, e.g. `qemu.snapshot-create`. */
  get operation(): string {
    return `qemu.${this.record.kind}`;
  }

  /** Moves to `phase` durably and reaches the failpoint of that name. */
  advance(phase: IntentPhase): void {
    this.record.phase = phase;
    this.journal.write(this.record);
    this.reach(phase);
  }

  /**
   * The commit point of a live create, which lives in QEMU (recovery asks QEMU whether the disks
   * switched): nothing is written, only the failpoint `.committed` is reached.
   */
  committedInQemu(): void {
    this.reach('committed');
  }

  /** Writes the record as it is now (the payload changed), durably. */
  persist(): void {
    this.journal.write(this.record);
  }

  /**
   * Records the state files a create writes once committed, durably, then reaches
   * `.change-journaled`: a live external create does it while QEMU adds its overlay nodes, so the
   * daemon formats them while QEMU works; always before the commit point (the transaction).
   */
  attachChange(change: StateChange): void {
    (this.record.payload as { change?: StateChange }).change = change;
    this.journal.write(this.record);
    this.reach('change-journaled');
  }

  /** Records the identities of files just created, before anything is written into them. */
  recordFiles(files: readonly ReservedFile[]): void {
    const payload = this.record.payload as { files?: IntentFiles };
    if (!payload.files) throw new Error(`intent ${this.record.kind} creates no files`);
    payload.files.reserved = [...payload.files.reserved, ...files];
    this.journal.write(this.record);
    this.reach('files-journaled');
  }

  /**
   * Writes the change's state files (metadata and definitions) and the status file of `domain` if
   * it still runs (a guest whose QEMU died gets no status file back), as one durable batch; then
   * reaches `.metadata-written` and `.definitions-written` (one moment since the batch is one).
   */
  async applyState(domain: QemuDomain | undefined): Promise<void> {
    const change = (this.record.payload as { change?: StateChange }).change;
    if (!change) return;
    const status = change.status && domain?.active ? statusFile(this.host, domain, change.status) : undefined;
    await applyStateFiles(change, status ? [status] : []);
    this.reach('metadata-written');
    this.reach('definitions-written');
  }

  /**
   * Records the answer of the keyed call this change is for (if any) in the durable outcome store:
   * done before the record is removed, so no crash falls between the change and its answer.
   */
  answerCall(): void {
    const { request } = this.record;
    if (request) this.host.requestOutcomes?.record(request.id, request.fingerprint, { ok: true, value: request.answer });
  }

  /** Removes the record: the change is over (done, or undone). */
  finish(): void {
    if (this.done) return;
    this.journal.finish(this.record.id);
    this.done = true;
  }

  /** Reaches a named failpoint of this intent (`<operation>.<name>`). */
  reach(name: string): void {
    this.failpoints.reach(`${this.operation}.${name}`);
  }
}
