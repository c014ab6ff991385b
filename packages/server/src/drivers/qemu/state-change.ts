// The state files an intent writes at its commit point, recorded in its journal entry so recovery can write them again.
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { replaceFilesDurably } from '../../state/durable-file.js';

/** One state file an intent writes (`content`) or removes (`content: null`). */
export interface FileChange {
  path: string;
  content: string | null;
  /** Remove the file's directory too once it is empty (a domain's snapshot directory). */
  pruneDirectory?: boolean;
}

/** What a running domain's status file says after a change (unset fields stay as they are). */
export interface StatusChange {
  /** The new live definition (XML). */
  live?: string;
  persistent?: boolean;
}

/**
 * Every state file an intent changes, in two groups applied in order: snapshot metadata first,
 * then persistent domain definitions; then the running domain's status file, written only while
 * its QEMU still runs (never recorded as a file, so a dead guest never gets one back). Applying
 * is idempotent.
 */
export interface StateChange {
  metadata: FileChange[];
  definitions: FileChange[];
  status?: StatusChange;
}

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

/** Writes a change's metadata, then (after `afterMetadata`, a failpoint) its definitions, each group durable. */
export async function applyStateFiles(change: StateChange, afterMetadata: () => void): Promise<void> {
  await applyGroup(change.metadata);
  afterMetadata();
  await applyGroup(change.definitions);
}
