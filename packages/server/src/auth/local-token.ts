// First start: a read-write token for the local user, so `vwsh` and the SDK reach the TCP listener with no setup.
import { promises as fs } from 'node:fs';
import { generateToken, isTokenText, tokenEntry } from './token-format.js';
import { readTokenFile, writeSecretFile, writeTokenFile } from './token-file-store.js';

/** What {@link ensureLocalToken} did. */
export type LocalTokenOutcome = 'created' | 'adopted' | 'kept';

/**
 * When the daemon's token file does not exist yet (first start), creates it with one read-write
 * token named `local` and writes that token to the client token file (0600; what the SDK reads,
 * like kubectl's and docker's config). An existing client token is adopted instead of replaced.
 * An existing token file is left alone: from then on the administrator manages it.
 */
export async function ensureLocalToken(tokenFile: string, clientTokenFile: string): Promise<LocalTokenOutcome> {
  try {
    await fs.lstat(tokenFile);
    return 'kept';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let token: string | undefined;
  try {
    const existing = (await fs.readFile(clientTokenFile, 'utf8')).trim();
    if (isTokenText(existing)) token = existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const outcome: LocalTokenOutcome = token === undefined ? 'created' : 'adopted';
  if (token === undefined) {
    token = generateToken();
    await fs.rm(clientTokenFile, { force: true });
    await writeSecretFile(clientTokenFile, `${token}\n`);
  }
  await writeTokenFile(tokenFile, [...(await readTokenFile(tokenFile)), tokenEntry(token, 'rw', 'local')]);
  return outcome;
}
