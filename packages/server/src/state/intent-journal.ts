// Durable intent records: written before a state change's first side effect, advanced at each phase, removed when it is over.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeFileDurably, removeStaleTempFiles, writeFileDurably } from './durable-file.js';

/**
 * What crash recovery needs to know about one unfinished state change (an "intent", as in a
 * write-ahead intent log): what kind it is, which domain it changes, how far it got, and the
 * driver's data to finish or undo it with.
 */
export interface IntentRecord<Payload = unknown> {
  /** Unique, time-ordered id, also the record's file name. */
  readonly id: string;
  /** What kind of change (e.g. `snapshot-create`), so recovery knows how to finish or undo it. */
  readonly kind: string;
  readonly domainUuid: string;
  /** How far the change got; the driver names its phases (`prepared` first, then e.g. `committed`). */
  phase: string;
  /** Driver-specific data to roll forward or back with. */
  payload: Payload;
  /**
   * The keyed call this change answers (virtwire's request keys), with its answer: when recovery
   * completes the change after a crash, it records that answer for the call's retry.
   */
  readonly request?: JournaledCall;
}

/** A keyed call journaled with its change: its id and call in the durable outcome store, and its answer once the change is done. */
export interface JournaledCall {
  readonly id: string;
  readonly fingerprint: string;
  readonly answer: unknown;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A directory of intent records, one JSON file each, every change durable before it returns. */
export class IntentJournal {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private path(id: string): string {
    if (!ID.test(id)) throw new Error(`invalid intent id '${id}'`);
    return join(this.dir, `${id}.json`);
  }

  /** Records an intent (or its new phase); returns once the record is on disk. */
  write<Payload>(record: IntentRecord<Payload>): void {
    writeFileDurably(this.path(record.id), JSON.stringify(record));
  }

  /** Removes a finished intent's record. */
  finish(id: string): void {
    removeFileDurably(this.path(id));
  }

  /** Every unfinished intent, oldest first by id; stale temp files are removed first. */
  pending(): IntentRecord[] {
    removeStaleTempFiles(this.dir);
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as IntentRecord);
  }
}
