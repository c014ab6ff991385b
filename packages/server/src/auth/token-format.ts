// Bearer tokens and the token file: generation, hashing, and the `sha256:<hex> <role> <name>` line format.
import { createHash, randomBytes } from 'node:crypto';

/** What a token lets its holder do: `ro` calls read methods only, `rw` everything. */
export type TokenRole = 'ro' | 'rw';

/** One token the daemon accepts, stored only as its hash. */
export interface TokenEntry {
  /** SHA-256 of the token text, 32 bytes. */
  readonly digest: Buffer;
  readonly role: TokenRole;
  /** Who holds it (for logs; never the token itself). */
  readonly name: string;
}

/** Characters a token may contain: base64url, so it is also a valid WebSocket subprotocol token. */
const TOKEN_TEXT = /^[A-Za-z0-9_-]{16,256}$/;
const NAME_TEXT = /^[A-Za-z0-9._@-]{1,64}$/;
const LINE = /^sha256:([0-9a-f]{64})\s+(ro|rw)\s+(\S+)$/;

/** A fresh token: `vwt_` and 32 random bytes in base64url (256 bits of entropy). */
export function generateToken(): string {
  return `vwt_${randomBytes(32).toString('base64url')}`;
}

/** True when `text` has the shape of a token (checked before hashing anything a client sent). */
export function isTokenText(text: string): boolean {
  return TOKEN_TEXT.test(text);
}

/** SHA-256 of a token. Tokens are 256-bit random values, so a fast hash suffices (no password stretching). */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** True for names a token file accepts. */
export function isTokenName(name: string): boolean {
  return NAME_TEXT.test(name);
}

/** A token entry for `token`. */
export function tokenEntry(token: string, role: TokenRole, name: string): TokenEntry {
  if (!isTokenName(name)) throw new Error(`invalid token name '${name}': use 1-64 of A-Z a-z 0-9 . _ @ -`);
  return { digest: tokenDigest(token), role, name };
}

/** The token-file line for an entry. */
export function formatTokenLine(entry: TokenEntry): string {
  return `sha256:${entry.digest.toString('hex')} ${entry.role} ${entry.name}`;
}

/**
 * Parses a token file: one `sha256:<64 hex> <ro|rw> <name>` per line; blank lines and `#`
 * comments are ignored. Any other line makes the whole file invalid (no half-read policy).
 */
export function parseTokenFile(text: string, fileName = 'token file'): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const names = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match || !isTokenName(match[3]!)) {
      throw new Error(`${fileName}:${index + 1}: expected 'sha256:<64 hex digits> <ro|rw> <name>'`);
    }
    if (names.has(match[3]!)) throw new Error(`${fileName}:${index + 1}: duplicate token name '${match[3]}'`);
    names.add(match[3]!);
    entries.push({ digest: Buffer.from(match[1]!, 'hex'), role: match[2] as TokenRole, name: match[3]! });
  });
  return entries;
}

/** The header written at the top of a new token file. */
export const TOKEN_FILE_HEADER = '# virtwired tokens: one "sha256:<hex of SHA-256 of the token> <ro|rw> <name>" per line.\n';
