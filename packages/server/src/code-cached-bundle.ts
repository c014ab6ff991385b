// Runs a binary's CommonJS bundle (virtwired's, vwsh's) with V8's code cache: compiled code written beside it once the program is warm, used by the next start only for the same bundle and Node.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

/** How long after start the daemon writes its cache: long enough for start-up and the first calls to have compiled what they run. */
export const CACHE_WRITE_DELAY_MS = 2000;

/**
 * When a start without a usable cache writes one: a delay in milliseconds (a timer that does not keep
 * the process alive: the daemon), or `'exit'`, as the process exits (a command, which has then compiled
 * all it ran).
 */
export type CacheWriteTime = number | 'exit';

/**
 * The last line scripts/bundle.mjs writes into a bundle: the start of the SHA-256 of the text before
 * it (base64url), so a start need not hash the bundle again.
 */
export const BUNDLE_DIGEST_LINE = /\/\/ code-cache-key: ([\w-]{22})\n$/;

/** 32-bit FNV-1a of `text`, as 8 hex digits: enough to tell Node versions and flags apart in a file name. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/**
 * The cache file of `bundle`: named by a digest of the bundle's text (the one its build wrote into it,
 * or else SHA-256 of `bytes`) and a hash of its modification time, the Node version, architecture and
 * V8 flags, so a rebuilt or edited bundle or another Node never reads a cache made for something else
 * (V8 itself checks only the source's length, and would run stale code for a same-length bundle).
 */
export function cachePathFor(bundle: string, bytes: Buffer, modifiedMs: number): string {
  const built = BUNDLE_DIGEST_LINE.exec(bytes.subarray(Math.max(0, bytes.length - 64)).toString('latin1'))?.[1];
  // Hashing the bytes (not the text) of a 1.5 MB bundle takes about 1.5 ms: only bundles without a digest pay it.
  const digest = built ?? createHash('sha256').update(bytes).digest('base64url');
  const runtime = fnv1a(`${modifiedMs}\0${process.version}\0${process.arch}\0${process.execArgv.join(' ')}`);
  return `${bundle}.${digest.slice(0, 8)}${runtime}.cache`;
}

/**
 * The export by which a bundle run with `'exit'` says what the run exercised (vwsh: the commands it
 * ran on a connection), read at exit. V8's cache holds what the run that wrote it compiled, so a run
 * that did little (`vwsh --version`: undefined) writes none, which would be the one every later command
 * ran with, compiling most of its code around it; and a run that exercised something the cache's runs
 * did not (`snapshot-create-as` after a cache of `list`) writes it again, covering both (the names
 * covered are kept beside it, `<cache>.covers`). A bundle that does not export it gets a cache written
 * by any run, once.
 */
export const CACHE_COVERAGE_EXPORT = 'codeCacheCoverage';

/**
 * Compiles and runs `bundle` (a CommonJS module written as one function expression taking `exports,
 * require, module, __filename, __dirname`, as scripts/bundle.mjs writes it) with the cache made for it, when there is one that V8 accepts;
 * otherwise compiles it and, at `writeAt` ({@link CACHE_WRITE_DELAY_MS} later by default), writes a cache
 * for the next start, replacing those of earlier bundles; at `'exit'`, as {@link CACHE_COVERAGE_EXPORT}
 * says. A directory that cannot be written only means no cache.
 *
 * `flagsAfterStart` are V8 flags set at `writeAt` too, once start-up is over and after the cache was
 * written (its timer comes first): V8 checks every flag when it reads a code cache, so a flag changed
 * earlier would make it refuse Node's own built-ins' caches for the rest of the start (about 7 ms more
 * to load http, net, crypto...) and write this bundle's cache for flags the next start does not have.
 */
export function runCodeCachedBundle(bundle: string, writeAt: CacheWriteTime = CACHE_WRITE_DELAY_MS, flagsAfterStart?: string): void {
  const compiled = compileWithCache(bundle);
  const module = { exports: {} as Record<string, unknown> };
  if (writeAt === 'exit') process.once('exit', () => writeAtExit(compiled, module.exports));
  else if (!compiled.accepted) setTimeout(() => writeCache(compiled), writeAt).unref();
  const run = compiled.script.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  if (flagsAfterStart !== undefined && writeAt !== 'exit') setTimeout(() => setFlagsFromString(flagsAfterStart), writeAt).unref();
}

/** A bundle compiled for this start: its script, where its cache lives, and whether V8 ran it from that cache. */
interface CompiledBundle {
  bundle: string;
  script: Script;
  cachePath: string;
  accepted: boolean;
}

/**
 * Compiles `bundle` with its cache, when there is one. A function of its own, so that the bundle's
 * bytes and the cache's (2.5 MB for the daemon) are garbage when it returns: held by the frame that
 * runs the bundle, they outlived every scavenge of the start-up into the old generation, which an idle
 * daemon does not collect for seconds.
 */
function compileWithCache(bundle: string): CompiledBundle {
  const bytes = readFileSync(bundle);
  const cachePath = cachePathFor(bundle, bytes, statSync(bundle).mtimeMs);
  // The build writes bundles in ASCII (scripts/bundle.mjs), which decodes as Latin-1 at half the cost of UTF-8 and
  // gives V8 a one-byte string; a bundle with other characters is decoded as UTF-8.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    // No cache yet.
  }
  const script = new Script(source, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  return { bundle, script, cachePath, accepted: cachedData !== undefined && !script.cachedDataRejected };
}

/** At exit of a `'exit'` run: writes the cache when there is none or the run exercised more than it covers ({@link CACHE_COVERAGE_EXPORT}). */
function writeAtExit(compiled: CompiledBundle, exports: Record<string, unknown>): void {
  if (!(CACHE_COVERAGE_EXPORT in exports)) {
    if (!compiled.accepted) writeCache(compiled);
    return;
  }
  const exercised = exports[CACHE_COVERAGE_EXPORT] as readonly string[] | undefined;
  if (exercised === undefined) return;
  const covered = compiled.accepted ? readCoverage(compiled.cachePath) : [];
  if (compiled.accepted && exercised.every((name) => covered.includes(name))) return;
  writeCache(compiled, [...new Set([...covered, ...exercised])].sort());
}

/** The names the cache at `cachePath` covers (none when it has no `.covers` file beside it). */
function readCoverage(cachePath: string): string[] {
  try {
    return readFileSync(`${cachePath}.covers`, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Writes the cache beside the bundle (a temporary file renamed over it), and what it covers when that
 * is given, then removes other bundles' caches and their coverage files.
 */
function writeCache({ bundle, script, cachePath }: CompiledBundle, coverage?: readonly string[]): void {
  try {
    // The file is created before the cache is serialized (several milliseconds), so that a read-only
    // installation, where every vwsh command runs without a cache, does not pay for it at each exit.
    writeReplacing(cachePath, (fd) => {
      const data = script.createCachedData();
      for (let written = 0; written < data.length;) written += writeSync(fd, data, written);
    });
    if (coverage) writeReplacing(`${cachePath}.covers`, (fd) => writeSync(fd, coverage.map((name) => `${name}\n`).join('')));
    const prefix = `${basename(bundle)}.`;
    const kept = new Set([cachePath, `${cachePath}.covers`]);
    for (const name of readdirSync(dirname(bundle))) {
      const path = join(dirname(bundle), name);
      if (name.startsWith(prefix) && (name.endsWith('.cache') || name.endsWith('.covers')) && !kept.has(path)) rmSync(path, { force: true });
    }
  } catch {
    // A read-only installation runs without a cache.
  }
}

/** Writes `path` through a temporary file renamed over it, so that a reader sees the old file or the whole new one (a full disk leaves no partial file). */
function writeReplacing(path: string, fill: (fd: number) => void): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'w');
    try {
      fill(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {}
    throw error;
  }
}
