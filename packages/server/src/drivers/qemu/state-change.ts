// The state files a job writes at its commit point, recorded in its journal entry so recovery can write them again.
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { removeFileDurably, writeFileDurably } from '../../state/durable-file.js';
import type { Failpoints } from './failpoints.js';

/** One state file a job writes (`content`) or removes (`content: null`). */
export interface FileChange {
  path: string;
  content: string | null;
  /** Remove the file's directory too once it is empty (a domain's snapshot directory). */
  pruneDirectory?: boolean;
}

/**
 * Every state file a job changes, in two groups applied in order: snapshot metadata first, then
 * domain definitions (persistent file and live status). Applying is idempotent.
 */
export interface StateChange {
  metadata: FileChange[];
  definitions: FileChange[];
}

/** An empty change. */
export const noStateChange = (): StateChange => ({ metadata: [], definitions: [] });

function applyFile(change: FileChange): void {
  if (change.content === null) {
    removeFileDurably(change.path);
    if (change.pruneDirectory) removeDirectoryIfEmpty(dirname(change.path));
    return;
  }
  mkdirSync(dirname(change.path), { recursive: true, mode: 0o700 });
  writeFileDurably(change.path, change.content);
}

function removeDirectoryIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // gone already, or not empty after all: either is fine
  }
}

/**
 * Writes a job's state files durably, reaching `<operation>.metadata-written` and
 * `<operation>.definitions-written` after each group (crash tests stop there).
 */
export function applyStateChange(change: StateChange, failpoints: Failpoints, operation: string): void {
  for (const file of change.metadata) applyFile(file);
  failpoints.reach(`${operation}.metadata-written`);
  for (const file of change.definitions) applyFile(file);
  failpoints.reach(`${operation}.definitions-written`);
}
