// Remembers the outcome of calls made with a request key, so that a retry gets the first outcome (or joins the call still running) instead of running twice.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { storedError, type DurableRequestOutcomes } from '../state/request-outcome-file.js';

/** Most keys remembered at once; the oldest is forgotten first. */
export const MAX_REQUEST_KEYS = 10_000;
/** How long a finished call's outcome is kept for a retry. */
export const REQUEST_KEY_TTL_MS = 10 * 60_000;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Where a keyed call's outcome is also kept across daemon restarts (the qemu driver's file), and under which id. */
export interface DurableKey {
  readonly store: DurableRequestOutcomes;
  /** Stable across restarts: principal and key (not the connection or the in-memory host id). */
  readonly id: string;
}

interface Entry {
  /** The call the key was first used for: method and params without the key. */
  readonly fingerprint: string;
  readonly outcome: Promise<Outcome>;
  /** When its call ended (undefined while it runs). */
  settledAt?: number;
}

/**
 * The daemon's table of request keys (virtwire extension, in memory; a driver that keeps
 * outcomes durably, as the qemu driver does, also answers from them after a restart). A key belongs to a scope (principal and host): the same key from another principal is
 * another request. A retry with the same key and the same call gets the recorded result or error;
 * with another call under the same key it is refused with VIR_ERR_INVALID_ARG. Bounded by
 * {@link MAX_REQUEST_KEYS} and {@link REQUEST_KEY_TTL_MS}.
 */
export class RequestLog {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = MAX_REQUEST_KEYS,
    private readonly ttlMs = REQUEST_KEY_TTL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Keys remembered (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `call` once per (scope, key); later runs with the same key answer as the first did. With
   * `durable`, an outcome recorded there before a restart answers too, and a new outcome is written
   * there before the call answers.
   */
  async run(scope: string, key: string, fingerprint: string, call: () => Promise<unknown>, durable?: DurableKey): Promise<unknown> {
    this.expire();
    const id = `${scope}\u0000${key}`;
    const existing = this.entries.get(id);
    const reused = () => VirError.report(ErrorNumber.InvalidArg, ErrorDomain.Rpc, `request key '${key}' was already used for another call`);
    if (existing) {
      if (existing.fingerprint !== fingerprint) throw reused();
      return unwrap(await existing.outcome);
    }
    const stored = durable?.store.get(durable.id);
    if (stored) {
      if (stored.fingerprint !== fingerprint) throw reused();
      if (stored.outcome.ok) return stored.outcome.value;
      throw storedError(stored.outcome.error);
    }
    const entry: Entry = {
      fingerprint,
      outcome: call().then(
        (value): Outcome => ({ ok: true, value }),
        (error: unknown): Outcome => ({ ok: false, error }),
      ),
    };
    this.entries.set(id, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const outcome = await entry.outcome;
    entry.settledAt = this.now();
    durable?.store.record(durable.id, fingerprint, outcome);
    // re-inserted so that the map stays ordered by the time outcomes were recorded
    if (this.entries.get(id) === entry) {
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return unwrap(outcome);
  }

  /** Forgets outcomes older than the TTL (the map is ordered by settling time, running calls aside). */
  private expire(): void {
    const limit = this.now() - this.ttlMs;
    for (const [id, entry] of this.entries) {
      if (entry.settledAt === undefined) continue;
      if (entry.settledAt > limit) break;
      this.entries.delete(id);
    }
  }
}

function unwrap(outcome: Outcome): unknown {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}
