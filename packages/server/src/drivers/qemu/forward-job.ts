// Completes a committed delete or revert: stop, disk steps, state files, start, cleanup, end state; replayable after a crash.
import { DomainCreateFlags, DomainState, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { startDomain, stopDomain } from './domain-lifecycle.js';
import { runStep, StepError, type StepContext } from './forward-steps.js';
import type { ForwardJob, JobHandle } from './qemu-job.js';
import { Reason, type QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';

/** Where a completed job left the guest's run state, for callers that set reasons. */
export interface ForwardOptions {
  /** Called once the state files are written, to bring the in-memory domain up to date. */
  onStateApplied(): void;
  /** The state reason of a guest started or resumed by the job. */
  startReason?: number;
}

/**
 * Runs a committed forward job to its end. Each step is idempotent, so recovery calls this again
 * for a job a crash interrupted. A step failure on the first step that changes something, fully
 * undone by the engine, drops the job (nothing changed); any later failure keeps the record, so
 * the daemon completes the job when it next starts.
 */
export async function completeForwardJob(host: QemuHost, domain: QemuDomain, handle: JobHandle<ForwardJob>, options: ForwardOptions): Promise<void> {
  const job = handle.job;
  const { failpoints, qemuImg } = host.services;
  const context = (): StepContext => ({
    qmp: domain.guest?.qmp,
    qemuImg,
    failpoints,
    operation: handle.operation,
    reserved: job.reserved,
    recordReserved: (files) => handle.recordReserved(files),
  });
  let changedSomething = false;
  const run = async (steps: ForwardJob['steps']) => {
    for (const step of steps) {
      try {
        await runStep(context(), step);
      } catch (error) {
        const stepError = error instanceof StepError ? error : new StepError(VirError.is(error) ? error : internal(error), false);
        if (!changedSomething && stepError.rolledBack) {
          handle.finish();
          throw stepError.error;
        }
        host.services.log.error({ job: handle.record.id, err: stepError.error }, 'job step failed; it is retried when the daemon restarts');
        throw VirError.report(ErrorNumber.OperationFailed, ErrorDomain.Qemu, `${stepError.error.message}; the daemon completes this change when it restarts`, stepError.error.disks ? { disks: stepError.error.disks } : {});
      }
      changedSomething = true;
    }
  };

  if (job.stopFirst && domain.active) await stopDomain(host, domain, Reason.ShutoffFromSnapshot);
  await run(job.steps);
  await handle.applyState();
  options.onStateApplied();
  if (job.startPaused && !domain.active) await startDomain(host, domain, DomainCreateFlags.StartPaused, Reason.PausedFromSnapshot);
  await run(job.cleanup);
  await reachEndState(host, domain, job.endState, options.startReason ?? Reason.RunningFromSnapshot);
  handle.finish();
}

function internal(error: unknown): VirError {
  return VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, error instanceof Error ? error.message : String(error));
}

/** Brings the guest to the job's end state: stopped, paused, running, or as it is. */
async function reachEndState(host: QemuHost, domain: QemuDomain, endState: ForwardJob['endState'], startReason: number): Promise<void> {
  switch (endState) {
    case 'unchanged':
      return;
    case 'shutoff':
      if (domain.active) await stopDomain(host, domain, Reason.ShutoffFromSnapshot);
      return;
    case 'paused':
      if (!domain.active) await startDomain(host, domain, DomainCreateFlags.StartPaused, Reason.PausedFromSnapshot);
      else if (domain.state !== DomainState.Paused) await domain.guest!.pause();
      domain.state = DomainState.Paused;
      domain.reason = Reason.PausedFromSnapshot;
      return;
    case 'running':
      if (!domain.active) await startDomain(host, domain, 0, startReason);
      else if (domain.state !== DomainState.Running) await domain.guest!.resume();
      domain.state = DomainState.Running;
      domain.reason = startReason;
      return;
  }
}
