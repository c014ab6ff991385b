// Recovery of interrupted state changes: each intent rolled forward or back, at start-up and at once after a failure; then no QEMU job of ours is left.
import type { IntentRecord } from '../../state/intent-journal.js';
import { recoverCreate } from './create-recovery.js';
import { loadRecoveredDefinition, reloadDomain } from './domain-loader.js';
import { completeForward, rollBackFiles } from './forward-intent.js';
import { endLeftoverQemuJobs } from './guest-monitor.js';
import { guestPaused, guestResumed, stopGuest } from './guest-lifecycle.js';
import { Intent, type CreateIntent, type ForwardIntent, type QemuIntent, type RunStateIntent, type StopIntent } from './qemu-intent.js';
import { Reason, type QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';

/** What recovery made of an intent: the change happened (completed) or did not (undone). */
export type RecoveryOutcome = 'rolled-forward' | 'rolled-back';

/**
 * Recovers one intent, whatever phase it reached, and removes its record; the domain's memory is
 * re-read from its files afterwards. Every step is safe to replay, so a crash during recovery
 * only means it runs again. Throws (the record stays) when it cannot finish.
 */
export async function recoverIntent(host: QemuHost, intent: Intent): Promise<RecoveryOutcome> {
  const domain = host.findByUuid(intent.record.domainUuid);
  let outcome: RecoveryOutcome;
  try {
    outcome = await recoverByKind(host, domain, intent);
  } finally {
    if (domain && host.findByUuid(domain.uuid) === domain) reloadDomain(host, domain);
  }
  // the change happened: its keyed call, whose answer a crash may have cut off, gets it for its retry
  if (outcome === 'rolled-forward') intent.answerCall();
  intent.finish();
  if (!domain) loadRecoveredDefinition(host, intent.record.domainUuid);
  return outcome;
}

function recoverByKind(host: QemuHost, domain: QemuDomain | undefined, intent: Intent): Promise<RecoveryOutcome> {
  const payload: QemuIntent = intent.payload;
  switch (payload.kind) {
    case 'snapshot-create':
      return recoverCreate(host, domain, intent as Intent<CreateIntent>);
    case 'snapshot-delete':
    case 'snapshot-revert':
    case 'state-files':
      return recoverForward(host, domain, intent as Intent<ForwardIntent>);
    case 'domain-start':
      // the start's commit point is the status file: the loader attached a guest that has one and stopped any that had none
      if (domain?.active) return Promise.resolve('rolled-forward');
      if (domain) domain.reason = Reason.ShutoffFailed;
      return Promise.resolve('rolled-back');
    case 'domain-stop':
      return recoverStop(host, domain, intent as Intent<StopIntent>);
    case 'domain-run-state':
      return recoverRunState(host, domain, intent as Intent<RunStateIntent>);
  }
}

/** A delete, revert or state-file change: undone while prepared (only its reserved files exist), completed once committed. */
async function recoverForward(host: QemuHost, domain: QemuDomain | undefined, intent: Intent<ForwardIntent>): Promise<RecoveryOutcome> {
  if (intent.phase === 'prepared') {
    await rollBackFiles(intent.payload.files);
    return 'rolled-back';
  }
  if (!domain) {
    // the domain is gone (a transient domain whose guest stopped): only its files remain to be written
    if (intent.phase === 'committed') await intent.applyState(undefined);
    return 'rolled-forward';
  }
  await completeForward(host, domain, intent, { onStateApplied: () => reloadDomain(host, domain), replay: true });
  return 'rolled-forward';
}

/** A destroy: the guest ends stopped, with the reason the call gave (not "crashed" for the QEMU it killed). */
async function recoverStop(host: QemuHost, domain: QemuDomain | undefined, intent: Intent<StopIntent>): Promise<RecoveryOutcome> {
  if (domain?.active) await stopGuest(host, domain, intent.payload.reason);
  else if (domain) domain.reason = intent.payload.reason;
  return 'rolled-forward';
}

/** A suspend or resume: the guest ends paused or running, if it still runs. */
async function recoverRunState(host: QemuHost, domain: QemuDomain | undefined, intent: Intent<RunStateIntent>): Promise<RecoveryOutcome> {
  const guest = domain?.guest;
  if (!domain || !guest) return 'rolled-back'; // the guest is gone: nothing was paused or resumed
  const running = (await guest.queryStatus()).running;
  if (intent.payload.target === 'paused') {
    if (running) await guest.pause();
    guestPaused(host, domain, intent.payload.reason);
  } else {
    if (!running) await guest.resume();
    guestResumed(host, domain, intent.payload.reason);
  }
  return 'rolled-forward';
}

/**
 * Start-up recovery: every intent a crash interrupted, oldest first, before the daemon accepts
 * connections; then every QEMU job of ours still in a guest is ended. A failing intent keeps its
 * record, is logged, and is retried before its domain's next change; the daemon still starts.
 */
export async function recoverIntents(host: QemuHost): Promise<void> {
  const { journal, log } = host.services;
  const pending = journal.pending() as Array<IntentRecord<QemuIntent>>;
  if (pending.length > 0) log.info({ intents: pending.length }, 'recovering interrupted changes');
  for (const record of pending) {
    const domain = host.findByUuid(record.domainUuid);
    if (domain) domain.changing += 1;
    try {
      const outcome = await recoverIntent(host, Intent.resume(host, record));
      log.info({ intent: record.id, kind: record.kind, phase: record.phase, outcome }, 'recovered an interrupted change');
    } catch (error) {
      host.leftIntents.add(record.id);
      log.error({ intent: record.id, kind: record.kind, err: error }, 'recovering an interrupted change failed; its record is kept');
    } finally {
      if (domain) domain.changing -= 1;
    }
  }
  for (const domain of host.domains()) {
    if (!domain.guest) continue;
    await endLeftoverQemuJobs(domain.guest.qmp).catch((error: unknown) => log.error({ domain: domain.name, err: error }, 'ending leftover QEMU jobs failed'));
  }
}
