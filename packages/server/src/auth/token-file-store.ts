// Edits a token file safely: created 0600, rewritten through a temporary file and rename, never followed through a symlink.
import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { formatTokenLine, parseTokenFile, TOKEN_FILE_HEADER, type TokenEntry } from './token-format.js';

/** The entries of a token file; an absent file has none. */
export async function readTokenFile(file: string): Promise<TokenEntry[]> {
  try {
    return parseTokenFile(await fs.readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Replaces the token file with `entries` (write `<file>.tmp` exclusively, fsync, rename, fsync the directory). */
export async function writeTokenFile(file: string, entries: readonly TokenEntry[]): Promise<void> {
  await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.tmp`;
  await fs.rm(temporary, { force: true });
  const handle = await fs.open(temporary, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(TOKEN_FILE_HEADER + entries.map((e) => `${formatTokenLine(e)}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, file);
  const dir = await fs.open(dirname(file), constants.O_RDONLY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Writes a secret to a new 0600 file; fails if anything (a file, a symlink) is already there. */
export async function writeSecretFile(file: string, text: string): Promise<void> {
  await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const handle = await fs.open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
