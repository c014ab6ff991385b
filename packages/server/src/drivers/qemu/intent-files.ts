// Files an intent creates (images, memory files, NVRAM copies): planned in its record before they exist, their identities recorded once created, removed by identity on rollback.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDirectory } from '../../state/durable-file.js';
import { IMAGE_FILE_MODE, reserveFile, unlinkReservedFile, type ReservedFile } from './engine/index.js';
import type { Intent, IntentFiles } from './qemu-intent.js';

/**
 * Creates every planned file of `intent` that is not reserved yet (O_EXCL, 0600) and records their
 * identities in one journal write, before anything is written into them. A file that is there
 * already and is not ours fails the reservation (nothing of it is touched).
 */
export async function reservePlannedFiles(intent: Intent, files: IntentFiles): Promise<void> {
  const recorded = new Set(files.reserved.map((f) => f.path));
  const created: ReservedFile[] = [];
  try {
    for (const path of files.planned) if (!recorded.has(path)) created.push(await reserveFile(path));
  } finally {
    if (created.length > 0) intent.recordFiles(created);
  }
}

/** Creates one planned file of `intent` (O_EXCL, 0600) and journals its identity before anything is written into it. */
export async function reservePlannedFile(intent: Intent, path: string): Promise<ReservedFile> {
  const file = await reserveFile(path);
  intent.recordFiles([file]);
  return file;
}

/**
 * Removes what an intent created, for a rollback: each recorded file whose path still names the
 * inode it created, and each planned file whose identity was not recorded yet (the crash came
 * between creating and recording it) while it still looks exactly like a fresh reservation.
 * Idempotent.
 */
export async function rollBackFiles(files: IntentFiles): Promise<void> {
  for (const file of files.reserved) await unlinkReservedFile(file);
  const recorded = new Set(files.reserved.map((f) => f.path));
  for (const path of files.planned) if (!recorded.has(path)) await unlinkUnrecordedReservation(path);
  for (const dir of new Set([...files.planned, ...files.reserved.map((f) => f.path)].map((p) => dirname(p)))) {
    try {
      fsyncDirectory(dir);
    } catch {
      // a directory that is gone holds nothing to flush
    }
  }
}

/**
 * A planned file whose identity was never recorded is ours only while it is exactly what
 * reserveFile leaves (a regular, empty, 0600 file of this user): a non-empty file there was
 * written by someone, so it is left alone.
 */
async function unlinkUnrecordedReservation(path: string): Promise<void> {
  const stat = await fs.lstat(path).catch(() => undefined);
  if (!stat?.isFile() || stat.size !== 0 || (stat.mode & 0o777) !== IMAGE_FILE_MODE || stat.uid !== process.getuid?.()) return;
  await fs.unlink(path);
}

/** The recorded identity of the file the intent reserved at `path`, if any. */
export function reservedAt(files: IntentFiles, path: string): ReservedFile | undefined {
  return files.reserved.find((f) => f.path === path);
}
