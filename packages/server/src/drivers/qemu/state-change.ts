// The state files a job writes at its commit point, recorded in its journal entry so recovery can write them again.
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { replaceFilesDurably } from '../../state/durable-file.js';
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

/** Writes and removes a group of files concurrently, each durable before this resolves. */
async function applyGroup(changes: readonly FileChange[]): Promise<void> {
  for (const change of changes) if (change.content !== null) mkdirSync(dirname(change.path), { recursive: true, mode: 0o700 });
  await replaceFilesDurably(changes.map((c) => ({ path: c.path, data: c.content })));
  for (const change of changes) if (change.content === null && change.pruneDirectory) removeDirectoryIfEmpty(dirname(change.path));
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
export async function applyStateChange(change: StateChange, failpoints: Failpoints, operation: string): Promise<void> {
  await applyGroup(change.metadata);
  failpoints.reach(`${operation}.metadata-written`);
  await applyGroup(change.definitions);
  failpoints.reach(`${operation}.definitions-written`);
}
