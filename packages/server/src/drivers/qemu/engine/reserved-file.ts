// Reserves new image files race-free (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) and removes only files we reserved.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { PreconditionError } from './errors.js';

/** A file this process created. `dev`/`ino` prove identity later: rollback unlinks only a matching inode. */
export interface ReservedFile {
  path: string;
  dev: number;
  ino: number;
}

/** File mode of every image the engine creates, independent of the process umask. */
export const IMAGE_FILE_MODE = 0o600;

/**
 * Validates that `filePath` is an absolute, normalized path without control characters.
 * Confinement to storage roots is the caller's job (see SECURITY.md, "Files").
 */
export function assertSafeImagePath(filePath: string): void {
  const problem = imagePathProblem(filePath);
  if (problem) throw new PreconditionError('invalid-path', `${JSON.stringify(filePath)}: ${problem}`);
}

function imagePathProblem(filePath: string): string | undefined {
  if (filePath.length === 0 || filePath.length > 4096) return 'path length must be 1..4096';
  if (!path.posix.isAbsolute(filePath)) return 'path must be absolute';
  if (/[\u0000-\u001f\u007f]/.test(filePath)) return 'path contains control characters';
  if (path.posix.normalize(filePath) !== filePath || filePath.endsWith('/')) return 'path is not normalized';
  return undefined;
}

/**
 * Creates an empty file that must not exist yet (a symlink, even dangling, counts as existing),
 * forces mode 0600 regardless of umask, and returns its identity. O_NOFOLLOW guards only the last
 * component, so the parent directory is resolved before and after creating: if it moved meanwhile (a
 * directory swapped for a symbolic link after the caller confined the path), the file is refused, and
 * removed when it is still where the path says.
 */
export async function reserveFile(filePath: string): Promise<ReservedFile> {
  assertSafeImagePath(filePath);
  const parent = path.posix.dirname(filePath);
  const parentBefore = await fs.realpath(parent);
  const handle = await fs.open(filePath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, IMAGE_FILE_MODE);
  let reserved: ReservedFile;
  try {
    const stat = await handle.stat();
    // the umask can only have taken bits away from 0600
    if ((stat.mode & 0o777) !== IMAGE_FILE_MODE) await handle.chmod(IMAGE_FILE_MODE);
    reserved = { path: filePath, dev: stat.dev, ino: stat.ino };
  } finally {
    await handle.close();
  }
  const parentAfter = await fs.realpath(parent).catch(() => undefined);
  const there = parentAfter === undefined ? undefined : await fs.lstat(path.posix.join(parentAfter, path.posix.basename(filePath))).catch(() => undefined);
  if (parentAfter !== parentBefore || there?.dev !== reserved.dev || there?.ino !== reserved.ino) {
    await unlinkReservedFile(reserved);
    throw new PreconditionError('file-replaced', `${filePath}: its directory changed while the file was created`);
  }
  return reserved;
}

/**
 * Opens a reserved file for writing without following symlinks and checks that it is still the
 * inode we created. The caller passes the descriptor to a child process and must close it.
 */
export async function openReservedFile(file: ReservedFile): Promise<fs.FileHandle> {
  const handle = await fs.open(file.path, constants.O_RDWR | constants.O_NOFOLLOW);
  try {
    const stat = await handle.stat();
    if (stat.dev !== file.dev || stat.ino !== file.ino || !stat.isFile()) {
      throw new PreconditionError('file-replaced', `${file.path} is no longer the file we reserved`);
    }
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Checks that `file` is still our regular file with mode 0600 (not replaced, not a symlink). */
export async function verifyReservedFile(file: ReservedFile): Promise<void> {
  const stat = await fs.lstat(file.path);
  if (!stat.isFile() || stat.dev !== file.dev || stat.ino !== file.ino) {
    throw new PreconditionError('file-replaced', `${file.path} is no longer the file we reserved`);
  }
  if ((stat.mode & 0o777) !== IMAGE_FILE_MODE) {
    throw new PreconditionError('file-mode', `${file.path} has mode ${(stat.mode & 0o777).toString(8)}, expected 600`);
  }
}

/** What happened when removing a reserved file. */
export type UnlinkOutcome = 'removed' | 'already-gone' | 'replaced-kept';

/** Unlinks `file` only if the path still names the inode we reserved; never follows symlinks. */
export async function unlinkReservedFile(file: ReservedFile): Promise<UnlinkOutcome> {
  let stat;
  try {
    stat = await fs.lstat(file.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'already-gone';
    throw error;
  }
  if (!stat.isFile() || stat.dev !== file.dev || stat.ino !== file.ino) return 'replaced-kept';
  await fs.unlink(file.path);
  return 'removed';
}

/** True if something (file, directory, symlink) exists at `filePath`. */
export async function pathExists(filePath: string): Promise<boolean> {
  try {
    await fs.lstat(filePath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Flushes `dir`'s entries to disk: a file created (or removed) there survives a power loss only after this. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
