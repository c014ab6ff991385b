// A read-write token for a benchmark's daemon: written to a token file for virtwired, exported for the clients.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTokenLine, generateToken, tokenEntry } from '@virtwire/server';

/**
 * Writes `<stateDir>/tokens` with one rw token, puts the token in `$VIRTWIRE_TOKEN` (where the SDK and
 * the clients this process spawns find it) and returns the virtwired arguments that use it.
 */
export function benchTokenArgs(stateDir) {
  const token = process.env.VIRTWIRE_TOKEN ?? generateToken();
  process.env.VIRTWIRE_TOKEN = token;
  const file = join(stateDir, 'tokens');
  writeFileSync(file, `${formatTokenLine(tokenEntry(token, 'rw', 'bench'))}\n`, { mode: 0o600 });
  return ['--token-file', file, '--no-local-token'];
}
