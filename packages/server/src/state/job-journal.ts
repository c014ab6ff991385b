// Durable job records: written before a job's first side effect, updated at its commit point, removed when done.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeFileDurably, removeStaleTempFiles, writeFileDurably } from './durable-file.js';

/** What a crash-recovery pass needs to know about one unfinished job. */
export interface JobRecord<Payload = unknown> {
  /** Unique id, also the record's file name. */
  readonly id: string;
  /** What kind of job (e.g. `snapshot-create`), so recovery knows how to finish or undo it. */
  readonly kind: string;
  readonly domainUuid: string;
  /** `prepared`: side effects may exist but the commit point was not reached; `committed`: roll forward. */
  phase: 'prepared' | 'committed';
  /** Files the job created (or may have created) that recovery must unlink when rolling back. */
  createdFiles: string[];
  /** Driver-specific data to roll forward with. */
  payload: Payload;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A directory of job records, one JSON file each, every change durable before it returns. */
export class JobJournal {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private path(id: string): string {
    if (!ID.test(id)) throw new Error(`invalid job id '${id}'`);
    return join(this.dir, `${id}.json`);
  }

  /** Records a job (or its new phase); returns once the record is on disk. */
  write<Payload>(record: JobRecord<Payload>): void {
    writeFileDurably(this.path(record.id), JSON.stringify(record));
  }

  /** Removes a finished job's record. */
  finish(id: string): void {
    removeFileDurably(this.path(id));
  }

  /** Every unfinished job, oldest first by id; stale temp files are removed first. */
  pending(): JobRecord[] {
    removeStaleTempFiles(this.dir);
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as JobRecord);
  }
}
