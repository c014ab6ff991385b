// What a running job offers DomainAbortJob: an abort request it honours at its checkpoints, up to its commit point.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';

/** Work done and work in all of a running job's current step (libvirt's data processed and total). */
export interface JobProgress {
  readonly processed: number;
  readonly total: number;
  /** `memory`: guest RAM (a memory snapshot's stream), reported as libvirt's memory_* as well. */
  readonly of?: 'memory';
}

/** Reads a running step's progress; undefined when it is not known. */
export type JobProgressReader = () => Promise<JobProgress | undefined>;

const invalid = (detail: string) => VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.None, detail);

/** libvirt's error of a job stopped by virDomainAbortJob (or a cancelled call): `operation aborted: <job> job: canceled by client`. */
export function cancelledJobError(jobName: string): VirError {
  return VirError.report(ErrorNumber.OperationAborted, ErrorDomain.None, `${jobName} job: canceled by client`);
}

/**
 * One job's side of `virDomainAbortJob`. A job that can stop says so (`abortable()`), then calls
 * `checkpoint()` between its steps (it throws VIR_ERR_OPERATION_ABORTED there once an abort was
 * asked for, and the job undoes what it prepared) and `commit()` at its commit point (an abort
 * asked for after that is refused). The daemon's side is {@link JobControl.requestAbort}.
 */
export class JobControl {
  private canAbort = false;
  private committed = false;
  private ended = false;
  /** An abort or a cancel was asked for and not yet honoured or refused. */
  private abortAsked = false;
  private pending: ((honoured: boolean) => void) | null = null;
  private progressReader: JobProgressReader | undefined;
  private reading: Promise<JobProgress | undefined> | undefined;
  private announceAbort: () => void = () => undefined;
  /** Resolves once an abort is asked for: a step that waits (a paused test point) can stop waiting then. */
  readonly abortRequested = new Promise<void>((resolve) => (this.announceAbort = resolve));

  constructor(
    /** Names the job in the abort error, e.g. `snapshot`. */
    private readonly jobName: string,
  ) {}

  /**
   * The job's current step tells how to read its progress (a QEMU job's query-jobs figures), or
   * `undefined` once that step ended: progress is reported only while a step that knows it runs.
   */
  readonly reportProgress = (reader: JobProgressReader | undefined): void => {
    this.progressReader = this.ended ? undefined : reader;
  };

  /** The running step's progress, or undefined when none is known (no such step, or it cannot be read). */
  progress(): Promise<JobProgress | undefined> {
    const reader = this.progressReader;
    if (!reader) return Promise.resolve(undefined);
    // callers asking at once share one reading (one query-jobs on the monitor, however many ask)
    this.reading ??= this.read(reader).finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(reader: JobProgressReader): Promise<JobProgress | undefined> {
    try {
      const progress = await reader();
      return progress && Number.isSafeInteger(progress.processed) && Number.isSafeInteger(progress.total) && progress.processed <= progress.total
        ? progress
        : undefined;
    } catch {
      return undefined; // the monitor went away or refused: progress is unknown, the job's own outcome says why
    }
  }

  /** The job can stop at its checkpoints until it commits (a cancel asked for earlier is honoured from now on). */
  abortable(): void {
    this.canAbort = true;
    if (this.abortAsked) this.announceAbort();
  }

  /** Throws VIR_ERR_OPERATION_ABORTED if an abort was asked for (the abort is then honoured). */
  checkpoint(): void {
    if (!this.abortAsked || !this.canAbort || this.committed) return;
    this.settle(true);
    throw cancelledJobError(this.jobName);
  }

  /** The commit point: from here on nothing is undone, and an abort is refused. */
  commit(): void {
    this.committed = true;
    this.abortAsked = false;
    this.settle(false);
  }

  /** The job is over (however it ended): a pending abort was not honoured. */
  end(): void {
    this.ended = true;
    this.abortAsked = false;
    this.progressReader = undefined;
    this.settle(false);
  }

  /**
   * The call that runs this job was cancelled (`$/cancelRequest`): honoured as an abort at the next
   * checkpoint if the job is, or becomes, abortable before its commit point; otherwise the job runs
   * to its end. Nobody waits for the outcome: the call's own answer says it.
   */
  cancel(): void {
    if (this.committed || this.ended) return;
    this.abortAsked = true;
    if (this.canAbort) this.announceAbort();
  }

  /**
   * Asks the job to stop. Resolves once it stopped at a checkpoint; rejects with
   * VIR_ERR_OPERATION_INVALID when it cannot be aborted, has passed its commit point, or ended first.
   */
  async requestAbort(): Promise<void> {
    if (!this.canAbort) throw invalid('this job cannot be aborted (only a snapshot creation, revert or delete can, before its commit point)');
    if (this.committed || this.ended) throw invalid('the job passed its commit point and cannot be aborted');
    if (this.pending) throw invalid('an abort of this job is already requested');
    const honoured = new Promise<boolean>((resolve) => (this.pending = resolve));
    this.abortAsked = true;
    this.announceAbort();
    if (!(await honoured)) throw invalid('the job passed its commit point and cannot be aborted');
  }

  private settle(honoured: boolean): void {
    const pending = this.pending;
    this.pending = null;
    pending?.(honoured);
  }
}
