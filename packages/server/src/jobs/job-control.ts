// What a running job offers DomainAbortJob: an abort request it honours at its checkpoints, up to its commit point.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';

const invalid = (detail: string) => VirError.report(ErrorNumber.OperationInvalid, ErrorDomain.None, detail);

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
  private pending: ((honoured: boolean) => void) | null = null;
  private announceAbort: () => void = () => undefined;
  /** Resolves once an abort is asked for: a step that waits (a paused test point) can stop waiting then. */
  readonly abortRequested = new Promise<void>((resolve) => (this.announceAbort = resolve));

  constructor(
    /** Names the job in the abort error, e.g. `snapshot`. */
    private readonly jobName: string,
  ) {}

  /** The job can stop at its checkpoints until it commits. */
  abortable(): void {
    this.canAbort = true;
  }

  /** Throws VIR_ERR_OPERATION_ABORTED if an abort was asked for (the abort is then honoured). */
  checkpoint(): void {
    if (!this.pending || this.committed) return;
    this.settle(true);
    throw VirError.report(ErrorNumber.OperationAborted, ErrorDomain.None, `${this.jobName} job: canceled by client`);
  }

  /** The commit point: from here on nothing is undone, and an abort is refused. */
  commit(): void {
    this.committed = true;
    this.settle(false);
  }

  /** The job is over (however it ended): a pending abort was not honoured. */
  end(): void {
    this.ended = true;
    this.settle(false);
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
    this.announceAbort();
    if (!(await honoured)) throw invalid('the job passed its commit point and cannot be aborted');
  }

  private settle(honoured: boolean): void {
    const pending = this.pending;
    this.pending = null;
    pending?.(honoured);
  }
}
