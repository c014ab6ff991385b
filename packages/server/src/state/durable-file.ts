// Crash-safe file updates: write a temp file, fsync it, rename it over the target, fsync the directory.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, promises as fsp, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
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

/** One file of a batch: new content, or `null` to remove it. */
export interface FileReplacement {
  path: string;
  data: string | null;
}

/**
 * Applies several replacements at once with the guarantees of writeFileDurably and
 * removeFileDurably for each file: temp files are written and fsynced concurrently, renamed
 * into place, then each directory involved is fsynced once. A crash leaves every file either
 * old or new (not necessarily all the same), so callers journal the batch first.
 */
export async function replaceFilesDurably(files: readonly FileReplacement[], mode = 0o600): Promise<void> {
  const writes = files.filter((f): f is FileReplacement & { data: string } => f.data !== null);
  const temps = await Promise.all(
    writes.map(async (file) => {
      const temp = join(dirname(file.path), `${TEMP_MARK}${basename(file.path)}.${randomBytes(6).toString('hex')}`);
      const handle = await fsp.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
      try {
        await handle.writeFile(file.data, 'utf8');
        await handle.sync();
      } catch (error) {
        await handle.close();
        await fsp.unlink(temp);
        throw error;
      }
      await handle.close();
      return { temp, path: file.path };
    }),
  );
  for (const { temp, path } of temps) await fsp.rename(temp, path);
  for (const file of files) {
    if (file.data !== null) continue;
    await fsp.unlink(file.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  await Promise.all(
    [...new Set(files.map((f) => dirname(f.path)))].map(async (dir) => {
      try {
        fsyncDirectory(dir);
      } catch (error) {
        // a directory that is gone held only removed files: nothing to flush
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }),
  );
}
