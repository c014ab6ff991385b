// TokenStore: the token file read at start, re-read when it changes, and a bad file reported once while the last good tokens stay.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/auth/token-store.js';
import { formatTokenLine, generateToken, TOKEN_FILE_HEADER, tokenEntry } from '../../src/auth/token-format.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'virtwire-tokens-'));
  file = join(dir, 'tokens');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the token file with `tokens` (name → token), read-write, owner-only; a new size or mtime makes the store re-read it. */
function writeTokens(tokens: Record<string, string>, padding = ''): void {
  const lines = Object.entries(tokens).map(([name, token]) => formatTokenLine(tokenEntry(token, 'rw', name)));
  writeFileSync(file, TOKEN_FILE_HEADER + padding + lines.join('\n') + '\n', { mode: 0o600 });
}

describe('TokenStore', () => {
  it('reads the file at load and again once it changed, without a restart', () => {
    const first = generateToken();
    const second = generateToken();
    writeTokens({ first });
    const store = new TokenStore(file, [], () => undefined);
    store.load();
    expect(store.verify(first)).toMatchObject({ name: 'token:first', readOnly: false });
    expect(store.verify(second)).toBeUndefined();
    writeTokens({ first, second }, '# second added\n');
    expect(store.verify(second)).toMatchObject({ name: 'token:second' });
  });

  it('has no file tokens while the file does not exist, and refuses an unsafe file at load', () => {
    const store = new TokenStore(file, [], () => undefined);
    store.load();
    expect(store.size).toBe(0);
    writeTokens({ one: generateToken() });
    chmodSync(file, 0o620);
    expect(() => new TokenStore(file, [], () => undefined).load()).toThrow(/writable by group or others/);
  });

  it('reports a file that turned bad once, and keeps the tokens it had', () => {
    const kept = generateToken();
    writeTokens({ kept });
    const problems: string[] = [];
    const store = new TokenStore(file, [], (problem) => problems.push(problem));
    store.load();
    writeFileSync(file, 'x'.repeat(1024 * 1024 + 1), { mode: 0o600 });
    for (let i = 0; i < 3; i++) expect(store.verify(kept)).toMatchObject({ name: 'token:kept' });
    expect(problems).toEqual([expect.stringMatching(/larger than 1048576 bytes/)]);
    writeTokens({ kept }, '# repaired\n');
    store.reload();
    chmodSync(file, 0o660);
    store.reload();
    store.reload();
    expect(problems).toHaveLength(1); // a chmod alone changes neither size nor mtime: nothing to re-read
  });
});
