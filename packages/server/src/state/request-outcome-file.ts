// The outcomes of keyed calls kept in a durable file beside the intent journal, so a retry after a daemon restart gets the first answer.
import { VirError, type VirErrorFields } from '@virtwire/protocol';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurably } from './durable-file.js';

/** Most outcomes kept on disk; the oldest is dropped first. */
export const MAX_DURABLE_OUTCOMES = 1000;
/** Largest outcome (its JSON) worth keeping; a larger one stays in memory only. */
const MAX_OUTCOME_CHARS = 64 * 1024;
/** Largest file read back at start-up. */
const MAX_FILE_BYTES = MAX_DURABLE_OUTCOMES * (MAX_OUTCOME_CHARS + 1024);

/** A call's recorded outcome: its result, or its error's libvirt fields. */
export type StoredOutcome = { ok: true; value: unknown } | { ok: false; error: VirErrorFields };

interface StoredEntry {
  /** Principal and request key. */
  id: string;
  fingerprint: string;
  outcome: StoredOutcome;
  /** Wall-clock ms when the call ended (survives a restart, unlike performance.now()). */
  settledAt: number;
}

/**
 * The durable side of the daemon's request-key table for one host (virtwire extension; the qemu
 * driver keeps it at `<stateDir>/qemu/request-keys.json`): each keyed call's outcome is written
 * (atomically and fsynced, with `writeFileDurably`) before the call answers, so a retry with the
 * same key after a daemon restart gets that answer instead of running again. Bounded by
 * {@link MAX_DURABLE_OUTCOMES} and the in-memory log's TTL, measured in wall-clock time.
 */
export class DurableRequestOutcomes {
  private readonly entries = new Map<string, StoredEntry>();

  constructor(
    private readonly path: string,
    private readonly ttlMs: number,
    private readonly maxEntries = MAX_DURABLE_OUTCOMES,
    private readonly now: () => number = () => Date.now(),
  ) {
    for (const entry of readEntries(path)) this.entries.set(entry.id, entry);
    this.expire();
  }

  /** Outcomes kept (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  /** The recorded outcome of `id`, if kept and not expired. */
  get(id: string): { fingerprint: string; outcome: StoredOutcome } | undefined {
    this.expire();
    return this.entries.get(id);
  }

  /** Records the outcome of `id` durably (a result or error too large to keep is left out). */
  record(id: string, fingerprint: string, result: { ok: true; value: unknown } | { ok: false; error: unknown }): void {
    const outcome: StoredOutcome = result.ok ? result : { ok: false, error: errorFields(result.error) };
    const text = JSON.stringify(outcome);
    if (text.length > MAX_OUTCOME_CHARS) return;
    // recorded already (by the change that answered the call, before the call returned): nothing to write
    const kept = this.entries.get(id);
    if (kept && kept.fingerprint === fingerprint && JSON.stringify(kept.outcome) === text) return;
    this.entries.delete(id);
    this.entries.set(id, { id, fingerprint, outcome, settledAt: this.now() });
    this.expire();
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    writeFileDurably(this.path, JSON.stringify([...this.entries.values()]));
  }

  private expire(): void {
    const limit = this.now() - this.ttlMs;
    for (const [id, entry] of this.entries) {
      if (entry.settledAt > limit) break;
      this.entries.delete(id);
    }
  }
}

/** A recorded error as the VirError the first call threw. */
export function storedError(fields: VirErrorFields): VirError {
  return new VirError(fields);
}

function errorFields(error: unknown): VirErrorFields {
  if (VirError.is(error)) {
    const { code, domain, message, level, str1, str2, str3, int1, int2, disks } = error;
    return { code, domain, message, level, str1, str2, str3, int1, int2, ...(disks ? { disks } : {}) };
  }
  return { code: 1, domain: 0, message: `internal error: ${error instanceof Error ? error.message : String(error)}` };
}

/** The entries of a file written by {@link DurableRequestOutcomes}; an unreadable file holds none. */
function readEntries(path: string): StoredEntry[] {
  if (!existsSync(path)) return [];
  try {
    const text = readFileSync(path, 'utf8');
    if (text.length > MAX_FILE_BYTES) return [];
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (e): e is StoredEntry =>
        typeof e === 'object' &&
        e !== null &&
        typeof e.id === 'string' &&
        typeof e.fingerprint === 'string' &&
        typeof e.settledAt === 'number' &&
        typeof e.outcome === 'object' &&
        e.outcome !== null,
    );
  } catch {
    return [];
  }
}
