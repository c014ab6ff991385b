// The state files an intent writes at its commit point, recorded in its journal entry so recovery can write them again.
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { replaceFilesDurably, type FileReplacement } from '../../state/durable-file.js';

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
 * Every state file an intent changes: snapshot metadata and persistent domain definitions, and
 * the running domain's status file, written only while its QEMU still runs (never recorded as a
 * file, so a dead guest never gets one back). Applying is idempotent.
 */
export interface StateChange {
  metadata: FileChange[];
  definitions: FileChange[];
  status?: StatusChange;
}

/**
 * Writes and removes every file of a change, plus `extra` files (a running domain's status file), as
 * one durable batch: each file is either old or new after a crash, and the intent that recorded the
 * change writes them all again at recovery, so no order among them is needed.
 */
export async function applyStateFiles(change: StateChange, extra: readonly FileReplacement[] = []): Promise<void> {
  const changes = [...change.metadata, ...change.definitions];
  for (const c of changes) if (c.content !== null) mkdirSync(dirname(c.path), { recursive: true, mode: 0o700 });
  await replaceFilesDurably([...changes.map((c) => ({ path: c.path, data: c.content })), ...extra]);
  for (const c of changes) if (c.content === null && c.pruneDirectory) removeDirectoryIfEmpty(dirname(c.path));
}

function removeDirectoryIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // gone already, or not empty after all: either is fine
  }
}
