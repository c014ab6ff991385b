// Creates a client-named file race-free inside the storage roots (O_CREAT|O_EXCL|O_NOFOLLOW, 0600) and removes only what it created.
import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import {
  IMAGE_FILE_MODE,
  reserveFile as createReservedFile,
  unlinkReservedFile,
  type ReservedFile,
  type UnlinkOutcome,
} from '../drivers/qemu/engine/index.js';
import { confinePath, PathConfinementError, type StorageRoot } from './confined-path.js';

/** A file this daemon created; `dev`/`ino` prove identity, so cleanup never removes someone else's file. */
export type { ReservedFile };

/** Mode of every file created for a client, whatever the umask (CVE-2025-13193: world-readable overlays). */
export const RESERVED_FILE_MODE = IMAGE_FILE_MODE;

/**
 * Confines `path` to `roots` ({@link confinePath}) and creates it empty: exclusively (an existing
 * file or any symlink, even dangling, gives EEXIST and is left alone), without following links,
 * mode 0600. After creating, the parent is resolved again; if it changed in between the file is
 * removed and the reservation refused.
 */
export async function reserveFile(path: string, roots: readonly StorageRoot[]): Promise<ReservedFile> {
  const confined = confinePath(path, roots);
  const reserved = await createReservedFile(confined);
  if ((await fs.realpath(posix.dirname(confined))) !== posix.dirname(confined)) {
    await releaseReservedFile(reserved);
    throw new PathConfinementError(path, 'symlinked-parent');
  }
  return reserved;
}

/** What releasing a reservation did. */
export type ReleaseOutcome = UnlinkOutcome;

/** Unlinks `file` only while its path still names the inode we created (never follows a symlink). */
export const releaseReservedFile: (file: ReservedFile) => Promise<ReleaseOutcome> = unlinkReservedFile;
