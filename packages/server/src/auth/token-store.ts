// The tokens the daemon accepts: a token file re-read when it changes, plus tokens given in code; constant-time checks.
import { timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import type { Principal } from './principal.js';
import { isTokenText, parseTokenFile, tokenDigest, type TokenEntry } from './token-format.js';

/** Largest token file read (thousands of tokens). */
const TOKEN_FILE_MAX_BYTES = 1024 * 1024;

/**
 * Verifies bearer tokens against hashed entries. The file is re-read when its size, mtime or inode
 * change, so `virtwired token add` takes effect without a restart; a file that fails to parse keeps
 * the last good entries and is reported once. The file is a small local one, read synchronously: a
 * `stat` per check costs microseconds, where a trip through libuv's thread pool cost a connection
 * tens of them, and the daemon's start several milliseconds (the pool's threads, `fs/promises`).
 */
export class TokenStore {
  private fileEntries: TokenEntry[] = [];
  private fileStamp = '';

  constructor(
    private readonly file: string | undefined,
    private readonly fixed: readonly TokenEntry[],
    private readonly onFileError: (message: string) => void,
  ) {}

  /** Reads the token file now; throws when it exists but is invalid (used at startup). */
  load(): void {
    this.refresh(true);
  }

  /** Number of tokens currently accepted. */
  get size(): number {
    return this.fileEntries.length + this.fixed.length;
  }

  /**
   * The principal a presented token identifies, or undefined. Every entry is compared, with
   * `timingSafeEqual` on equal-length digests, so timing tells nothing about which entry matched.
   */
  verify(presented: string): Principal | undefined {
    if (!isTokenText(presented)) return undefined;
    this.refresh(false);
    const digest = tokenDigest(presented);
    let match: TokenEntry | undefined;
    for (const entry of [...this.fixed, ...this.fileEntries]) {
      if (timingSafeEqual(entry.digest, digest) && match === undefined) match = entry;
    }
    return match && { name: `token:${match.name}`, readOnly: match.role === 'ro', tokenDigest: match.digest };
  }

  /** Re-reads the token file if it changed (a file that fails to parse keeps the previous tokens). */
  reload(): void {
    this.refresh(false);
  }

  /**
   * Whether the token a principal presented is still accepted with the same role. False once it
   * was removed from the token file or its role changed: the connection must end (see the daemon).
   */
  stillAccepts(principal: Principal): boolean {
    const digest = principal.tokenDigest;
    if (digest === undefined) return true;
    let accepted = false;
    for (const entry of [...this.fixed, ...this.fileEntries]) {
      if (timingSafeEqual(entry.digest, digest) && (entry.role === 'ro') === principal.readOnly) accepted = true;
    }
    return accepted;
  }

  private refresh(strict: boolean): void {
    if (this.file === undefined) return;
    let stat: Stats;
    try {
      stat = statSync(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.fileEntries = [];
        this.fileStamp = '';
        return;
      }
      if (strict) throw error;
      this.onFileError(error instanceof Error ? error.message : String(error));
      return;
    }
    const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    if (stamp === this.fileStamp) return;
    try {
      if (stat.size > TOKEN_FILE_MAX_BYTES) throw new Error(`${this.file} is larger than ${TOKEN_FILE_MAX_BYTES} bytes`);
      if ((stat.mode & 0o022) !== 0) throw new Error(`${this.file} is writable by group or others; refusing to trust it`);
      this.fileEntries = parseTokenFile(readFileSync(this.file, 'utf8'), this.file);
      this.fileStamp = stamp;
    } catch (error) {
      if (strict) throw error;
      this.fileStamp = stamp;
      this.onFileError(`${error instanceof Error ? error.message : String(error)}; keeping the previous tokens`);
    }
  }
}
