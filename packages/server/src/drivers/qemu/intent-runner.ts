// Runs one state change of a domain under a durable intent: record first, then the change; a failure goes to the intent's recovery at once.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import type { OperationCall } from '../driver.js';
import type { JournaledCall } from '../../state/intent-journal.js';
import { settleGuestExit } from './guest-lifecycle.js';
import { recoverIntent, type RecoveryOutcome } from './intent-recovery.js';
import { Intent, type IntentPhase, type QemuIntent } from './qemu-intent.js';
import type { QemuDomain } from './qemu-domain.js';
import type { QemuHost } from './qemu-host.js';

/** How runIntent starts and ends a change. */
export interface RunIntentOptions<T> {
  /** The phase the record starts in (default `prepared`). */
  phase?: IntentPhase;
  /** What the call returns when the change failed midway and recovery completed it (rolled forward). */
  forwardResult?: T;
  /** The keyed call this change answers and its answer ({@link journaledCall}): recorded when the change completes, even by recovery after a crash. */
  request?: JournaledCall | undefined;
}

/** The journaled form of a keyed call (`call.request`) whose change answers `answer` once done; nothing for a call without a durable key. */
export function journaledCall(call: OperationCall | undefined, answer: unknown): JournaledCall | undefined {
  return call?.request ? { id: call.request.id, fingerprint: call.request.fingerprint, answer } : undefined;
}

/** Attempts at recovering a failed change while its guest keeps dying under it (QEMU killed during the recovery). */
const RECOVERY_ATTEMPTS = 3;

/**
 * Runs `body` as a durable state change of `domain` (the caller holds the domain's job lock): an
 * intent record is written before its first side effect and removed once it is over. When `body`
 * fails, the intent's recovery (the same code start-up recovery runs) decides at once whether the
 * change happened: rolled back, the error is thrown; rolled forward, `forwardResult` is returned.
 * A QEMU exit noticed while the change runs is settled before that recovery, or when the change
 * ends. An intent whose recovery fails keeps its record and is retried before the domain's next
 * change and at the next start.
 */
export async function runIntent<P extends QemuIntent, T>(
  host: QemuHost,
  domain: QemuDomain,
  payload: P,
  body: (intent: Intent<P>) => Promise<T>,
  options: RunIntentOptions<T> = {},
): Promise<T> {
  domain.changing += 1;
  try {
    await retryLeftIntents(host, domain);
    const intent = Intent.begin(host, domain, payload, options.phase, options.request);
    try {
      const result = await body(intent);
      intent.answerCall();
      intent.finish();
      return result;
    } catch (error) {
      if (intent.finished) throw error; // the body undid its own change
      if ((await recoverFailed(host, domain, intent, error)) === 'rolled-back') throw error;
      return options.forwardResult as T;
    }
  } finally {
    domain.changing -= 1;
    if (domain.changing === 0 && exitNoticed(domain)) {
      await settleGuestExit(host, domain).catch((error: unknown) =>
        host.services.log.error({ domain: domain.name, err: error }, 'settling the exit of QEMU failed'),
      );
    }
  }
}

/** Recovers the intent of a failed change now; throws (keeping the record) when that fails too. */
async function recoverFailed(host: QemuHost, domain: QemuDomain, intent: Intent, error: unknown): Promise<RecoveryOutcome> {
  let lastError: unknown;
  for (let attempt = 0; attempt < RECOVERY_ATTEMPTS; attempt++) {
    if (exitNoticed(domain)) await settleGuestExit(host, domain);
    try {
      return await recoverIntent(host, intent);
    } catch (recoveryError) {
      lastError = recoveryError;
      if (!exitNoticed(domain)) break; // only a guest dying under the recovery is worth another attempt
    }
  }
  host.services.log.error(
    { intent: intent.record.id, kind: intent.record.kind, err: lastError },
    'recovering a failed change failed; its record is kept and retried',
  );
  host.leftIntents.add(intent.record.id);
  const cause = VirError.is(error) ? error : undefined;
  const detail = cause?.message ?? (error instanceof Error ? error.message : String(error));
  throw VirError.report(
    ErrorNumber.OperationFailed,
    ErrorDomain.Qemu,
    `${detail}; the daemon completes this change before the domain's next change or when it restarts`,
    cause?.disks ? { disks: cause.disks } : {},
  );
}

/** Whether the domain's QEMU exited (its monitor closed) and that is not settled yet. */
function exitNoticed(domain: QemuDomain): boolean {
  return domain.pendingExit !== null || (domain.guest !== null && domain.guest.qmp.isClosed && domain.expectedExit !== domain.guest);
}

/** Intents of `domain` whose recovery failed earlier: they are recovered before anything else changes the domain. */
async function retryLeftIntents(host: QemuHost, domain: QemuDomain): Promise<void> {
  if (host.leftIntents.size === 0) return;
  for (const record of host.services.journal.pending()) {
    if (record.domainUuid !== domain.uuid || !host.leftIntents.has(record.id)) continue;
    try {
      await recoverIntent(host, Intent.resume(host, record as Parameters<typeof Intent.resume>[1]));
      host.leftIntents.delete(record.id);
    } catch (error) {
      throw VirError.report(
        ErrorNumber.OperationFailed,
        ErrorDomain.Qemu,
        `an earlier change of domain '${domain.name}' is not complete: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
