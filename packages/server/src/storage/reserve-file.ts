// Creates a client-named file race-free inside the storage roots (O_CREAT|O_EXCL|O_NOFOLLOW, 0600) and removes only what it created.
import { constants, promises as fs } from 'node:fs';
import { posix } from 'node:path';
import { confinePath, PathConfinementError, type StorageRoot } from './confined-path.js';

/** A file this daemon created; `dev`/`ino` prove identity, so cleanup never removes someone else's file. */
export interface ReservedFile {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
}

/** Mode of every file created for a client, whatever the umask (CVE-2025-13193: world-readable overlays). */
export const RESERVED_FILE_MODE = 0o600;

const CREATE_FLAGS = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;

/**
 * Confines `path` to `roots` ({@link confinePath}) and creates it empty: exclusively (an existing
 * file or any symlink, even dangling, gives EEXIST and is left alone), without following links,
 * mode 0600. After creating, the parent is resolved again; if it changed in between the file is
 * removed and the reservation refused.
 */
export async function reserveFile(path: string, roots: readonly StorageRoot[]): Promise<ReservedFile> {
  const confined = confinePath(path, roots);
  const handle = await fs.open(confined, CREATE_FLAGS, RESERVED_FILE_MODE);
  let reserved: ReservedFile;
  try {
    await handle.chmod(RESERVED_FILE_MODE);
    const stat = await handle.stat();
    reserved = { path: confined, dev: stat.dev, ino: stat.ino };
  } finally {
    await handle.close();
  }
  if ((await fs.realpath(posix.dirname(confined))) !== posix.dirname(confined)) {
    await releaseReservedFile(reserved);
    throw new PathConfinementError(path, 'symlinked-parent');
  }
  return reserved;
}

/** What releasing a reservation did. */
export type ReleaseOutcome = 'removed' | 'already-gone' | 'replaced-kept';

/** Unlinks `file` only while its path still names the inode we created (never follows a symlink). */
export async function releaseReservedFile(file: ReservedFile): Promise<ReleaseOutcome> {
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
