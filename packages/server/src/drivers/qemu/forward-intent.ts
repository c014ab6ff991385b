// Completes a committed delete, revert or state-file change in phases: stop, steps, state files, start, cleanup, end state; replayable after a crash.
import { DomainState, ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import type { JobControl } from '../../jobs/job-control.js';
import { liveMonitor } from './guest-monitor.js';
import { runStep, StepError, type StepContext } from './forward-steps.js';
import { guestPaused, guestResumed, launchGuest, stopGuest } from './guest-lifecycle.js';
import type { ForwardIntent, Intent } from './qemu-intent.js';
import { Reason, type QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';

export { rollBackFiles } from './intent-files.js';

/** How a forward change is completed. */
export interface ForwardOptions {
  /** Called once the state files are written, to bring the in-memory domain up to date. */
  onStateApplied(): void;
  /** The state reason of a guest started or resumed by the change. */
  startReason?: number;
  /** Recovery replays the change: what earlier attempts did is unknown, so no failure counts as cleanly undone. */
  replay?: boolean;
  /** The domain job running the change: its QEMU jobs' progress is reported to it. */
  job?: JobControl;
}

/**
 * Runs a committed forward change to its end state (the caller finishes the intent). Phase
 * `committed`: stop the guest if asked, run the disk steps, write the state files, then record
 * `state-applied`. From there: start the guest paused if asked, the cleanup steps, the end state.
 * Every step is idempotent and nothing before `state-applied` is replayed after it, so recovery
 * calls this again for a change a crash interrupted: a guest the change already restarted is
 * never stopped again. A failure of the first step that changed nothing (fully undone by the
 * engine) drops the change; any other failure goes to the intent's recovery.
 */
export async function completeForward(host: QemuHost, domain: QemuDomain, intent: Intent<ForwardIntent>, options: ForwardOptions): Promise<void> {
  const payload = intent.payload;
  if (intent.phase === 'committed') {
    let changed = options.replay === true || payload.files.reserved.length > 0;
    if (payload.stopFirst && domain.active) {
      await stopGuest(host, domain, Reason.ShutoffFromSnapshot);
      changed = true;
    }
    for (const step of payload.steps) {
      try {
        await runStep(stepContext(host, domain, intent, options.job), step);
      } catch (error) {
        const stepError = error instanceof StepError ? error : new StepError(VirError.is(error) ? error : internal(error), false);
        if (!changed && stepError.rolledBack) intent.finish();
        throw stepError.error;
      }
      changed = true;
    }
    await intent.applyState(domain);
    options.onStateApplied();
    const more = payload.startPaused || payload.loadMemory !== undefined || payload.cleanup.length > 0 || payload.endState !== 'unchanged';
    if (!more) return;
    intent.advance('state-applied');
  }
  const resetNvram = payload.resetNvram === true;
  if (payload.loadMemory !== undefined && !domain.active) {
    // a revert to an external memory snapshot: the guest starts from its saved state (a replay after a crash starts it again)
    const paused = payload.endState !== 'running';
    const reason = paused ? Reason.PausedFromSnapshot : (options.startReason ?? Reason.RunningFromSnapshot);
    await launchGuest(host, domain, { paused, reason, resetNvram, incoming: payload.loadMemory });
  }
  if (payload.startPaused && !domain.active) await launchGuest(host, domain, { paused: true, reason: Reason.PausedFromSnapshot, resetNvram });
  for (const step of payload.cleanup) {
    try {
      await runStep(stepContext(host, domain, intent, options.job), step);
    } catch (error) {
      throw error instanceof StepError ? error.error : error;
    }
  }
  if (payload.resumeAfter && domain.guest && domain.state === DomainState.Paused) {
    await domain.guest.resume();
    guestResumed(host, domain, payload.resumeAfter.reason);
  }
  await reachEndState(host, domain, payload.endState, options.startReason ?? Reason.RunningFromSnapshot, resetNvram);
}

/** What the steps of `intent` run against: the guest's monitor while its QEMU runs, qemu-img otherwise. */
function stepContext(host: QemuHost, domain: QemuDomain, intent: Intent<ForwardIntent>, job: JobControl | undefined): StepContext {
  return {
    ...(job ? { onJobProgress: job.reportProgress } : {}),
    qmp: liveMonitor(domain),
    qemuImg: host.services.qemuImg,
    failpoints: host.services.failpoints,
    operation: intent.operation,
    files: intent.payload.files,
    recordFiles: (files) => intent.recordFiles(files),
    pivot: {
      done: (target) => intent.payload.pivoted?.includes(target) ?? false,
      before: async () => {
        if (!domain.guest || domain.state !== DomainState.Running) return;
        intent.payload.resumeAfter ??= { reason: domain.reason };
        intent.persist();
        await domain.guest.pause();
      },
      after: (target) => {
        intent.payload.pivoted = [...(intent.payload.pivoted ?? []), target];
        intent.persist();
      },
    },
  };
}

function internal(error: unknown): VirError {
  return VirError.report(ErrorNumber.InternalError, ErrorDomain.Qemu, error instanceof Error ? error.message : String(error));
}

/** Brings the guest to the change's end state: stopped, paused, running, or as it is. */
async function reachEndState(host: QemuHost, domain: QemuDomain, endState: ForwardIntent['endState'], startReason: number, resetNvram = false): Promise<void> {
  switch (endState) {
    case 'unchanged':
      return;
    case 'shutoff':
      if (domain.active) await stopGuest(host, domain, Reason.ShutoffFromSnapshot);
      return;
    case 'paused':
      if (!domain.active) return launchGuest(host, domain, { paused: true, reason: Reason.PausedFromSnapshot, resetNvram });
      if (domain.state !== DomainState.Paused) await domain.guest!.pause();
      guestPaused(host, domain, Reason.PausedFromSnapshot);
      return;
    case 'running':
      if (!domain.active) return launchGuest(host, domain, { paused: false, reason: startReason, resetNvram });
      if (domain.state !== DomainState.Running) await domain.guest!.resume();
      guestResumed(host, domain, startReason);
      return;
  }
}
