// Crash-safe file updates: write a temp file, fsync it, rename it over the target, fsync the directory.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TEMP_MARK = '.vwtmp-';

/** Flushes a directory's entries (a rename or unlink is durable only after this). */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `data` atomically and durably: after a crash at any point the file holds
 * either its old or its new content, never a mix. Mode 0600 unless told otherwise.
 */
export function writeFileDurably(path: string, data: string | Uint8Array, mode = 0o600): void {
  const dir = dirname(path);
  const temp = join(dir, `${TEMP_MARK}${basename(path)}.${randomBytes(6).toString('hex')}`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  fsyncDirectory(dir);
}

/** Removes `path` durably; a missing file is not an error. */
export function removeFileDurably(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  fsyncDirectory(dirname(path));
}

/** Deletes temp files a crash left behind in `dir` (call at start-up, before reading state). */
export function removeStaleTempFiles(dir: string): string[] {
  const stale = readdirSync(dir).filter((name) => name.startsWith(TEMP_MARK));
  for (const name of stale) unlinkSync(join(dir, name));
  if (stale.length > 0) fsyncDirectory(dir);
  return stale;
}
