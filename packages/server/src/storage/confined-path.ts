// Confines client-named paths to the daemon's storage roots: syntax, special filesystems, and symlink-free parents.
import { ErrorNumber, VirError } from '@virtwire/protocol';
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { posix } from 'node:path';

/** A configured storage root: as given, and with its symlinks resolved (at startup). */
export interface StorageRoot {
  readonly given: string;
  readonly real: string;
}

/** Why a path was refused. */
export type ConfinementProblem =
  | 'not-absolute'
  | 'too-long'
  | 'control-character'
  | 'not-normalized'
  | 'special-filesystem'
  | 'outside-roots'
  | 'outside-node-directories'
  | 'parent-missing'
  | 'symlinked-parent'
  | 'symlink'
  | 'not-regular-file';

const PROBLEM_TEXT: Readonly<Record<ConfinementProblem, string>> = {
  'not-absolute': 'is not absolute',
  'too-long': 'is longer than 4096 characters',
  'control-character': 'contains a control character',
  'not-normalized': "is not normalized (empty, '.' or '..' components, or a trailing '/')",
  'special-filesystem': 'is on a special filesystem (/dev, /proc, /sys)',
  'outside-roots': 'is outside the storage roots of this daemon',
  'outside-node-directories': 'is not in a directory this daemon serves test configurations from',
  'parent-missing': 'has no existing parent directory',
  'symlinked-parent': 'has a symbolic link among its parent directories',
  symlink: 'is a symbolic link',
  'not-regular-file': 'is not a regular file',
};

/** A refused path; {@link confinementError} turns it into the error a client sees. */
export class PathConfinementError extends Error {
  constructor(
    readonly path: string,
    readonly problem: ConfinementProblem,
  ) {
    super(`path '${path}' ${PROBLEM_TEXT[problem]}`);
    this.name = 'PathConfinementError';
  }
}

const MAX_PATH_LENGTH = 4096;
const SPECIAL = ['/dev', '/proc', '/sys'];
const CONTROL = /[\u0000-\u001f\u007f]/;

const inside = (dir: string, path: string) => path.startsWith(dir === '/' ? '/' : `${dir}/`);

/** True for paths on /dev, /proc or /sys (or those directories themselves). */
export function isSpecialFilesystem(path: string): boolean {
  return SPECIAL.some((dir) => path === dir || inside(dir, path));
}

/**
 * The syntax every client-named path must have: absolute, at most 4096 characters, no control
 * characters (NUL, newline), already normalized (no `..`, `.`, `//` or trailing `/`), not on a
 * special filesystem. Throws {@link PathConfinementError}.
 */
export function checkPathSyntax(path: string): void {
  const fail = (problem: ConfinementProblem) => new PathConfinementError(path, problem);
  if (!path.startsWith('/')) throw fail('not-absolute');
  if (path.length > MAX_PATH_LENGTH) throw fail('too-long');
  if (CONTROL.test(path)) throw fail('control-character');
  if (path === '/' || posix.normalize(path) !== path || path.endsWith('/') || path.split('/').includes('..')) throw fail('not-normalized');
  if (isSpecialFilesystem(path)) throw fail('special-filesystem');
}

/**
 * The check for a path a simulating driver only records by name and never opens, when no root
 * confines storage: at most 4096 characters and no control character. A name on /dev, /proc or
 * /sys (a block disk's `/dev/sdb`) or a relative one is as harmless as any other there, and
 * libvirt's test driver accepts them. Throws {@link PathConfinementError}.
 */
export function checkRecordedName(path: string): void {
  if (path.length > MAX_PATH_LENGTH) throw new PathConfinementError(path, 'too-long');
  if (CONTROL.test(path)) throw new PathConfinementError(path, 'control-character');
}

/**
 * Lexical confinement, for storage that is not on the real filesystem (the test driver's
 * simulated images): the syntax above, and strictly below one of `roots`.
 */
export function checkLexicalConfinement(path: string, roots: readonly string[]): void {
  checkPathSyntax(path);
  if (!roots.some((root) => inside(posix.normalize(root).replace(/\/$/, '') || '/', path))) {
    throw new PathConfinementError(path, 'outside-roots');
  }
}

/** The root `path` lies strictly below, by name (as given or as resolved), or undefined. */
export function rootOf(path: string, roots: readonly StorageRoot[]): StorageRoot | undefined {
  return roots.find((r) => inside(r.given, path) || inside(r.real, path));
}

/**
 * Confines `path` on the real filesystem: valid syntax; the parent directory exists; resolving
 * its symlinks lands strictly inside a root; and the part below the root contains no symlink
 * (the parent as written equals its resolved form). An existing final component must not be a
 * symlink. Returns the path with the root's own symlinks resolved, which is what callers open.
 *
 * The check and the later open are two steps: roots must be owned by the daemon's user and not
 * writable by anyone else (see SECURITY.md), so no one can swap a directory for a link in between.
 */
export function confinePath(path: string, roots: readonly StorageRoot[], directories?: ResolvedDirectories): string {
  return confineAndStat(path, roots, directories).resolved;
}

/**
 * Directories already resolved during one operation (as given -> resolved): an operation that
 * confines many paths of the same directories (a disk's whole image chain, every disk of a
 * snapshot) resolves each once. Only for paths the same operation opens right after.
 */
export type ResolvedDirectories = Map<string, string>;

/** {@link confinePath}, and the final component's lstat (undefined when it does not exist). */
function confineAndStat(path: string, roots: readonly StorageRoot[], directories?: ResolvedDirectories): { resolved: string; stat: Stats | undefined } {
  checkPathSyntax(path);
  const parent = posix.dirname(path);
  const root = roots.find((r) => parent === r.given || inside(r.given, parent) || parent === r.real || inside(r.real, parent));
  if (!root) throw new PathConfinementError(path, 'outside-roots');
  let realParent = directories?.get(parent);
  if (realParent === undefined) {
    try {
      realParent = realpathSync(parent);
      if (!statSync(realParent).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new PathConfinementError(path, 'parent-missing');
    }
    directories?.set(parent, realParent);
  }
  const base = parent === root.given || inside(root.given, parent) ? root.given : root.real;
  const expected = root.real + parent.slice(base.length);
  if (realParent !== expected) throw new PathConfinementError(path, 'symlinked-parent');
  const resolved = posix.join(realParent, posix.basename(path));
  let stat: Stats | undefined;
  try {
    stat = lstatSync(resolved);
  } catch {
    return { resolved, stat: undefined };
  }
  if (stat.isSymbolicLink()) throw new PathConfinementError(path, 'symlink');
  return { resolved, stat };
}

/**
 * Confines a path the daemon is about to open: {@link confinePath}, and an existing final
 * component must be a regular file (not a directory, device, FIFO or socket). Returns the
 * resolved path and the file's status, or undefined status when it does not exist (the caller
 * reports that in its own words: the path is inside the roots, so its existence is no secret).
 */
export function confineExistingPath(
  path: string,
  roots: readonly StorageRoot[],
  directories?: ResolvedDirectories,
): { resolved: string; stat: Stats | undefined } {
  const confined = confineAndStat(path, roots, directories);
  if (confined.stat && !confined.stat.isFile()) throw new PathConfinementError(path, 'not-regular-file');
  return confined;
}

/**
 * Resolves the configured roots once, at startup: each must be an existing absolute directory,
 * not `/` nor on a special filesystem, and not writable by others (a world-writable root would let
 * anyone plant symlinks); group-writable roots are reported through `warn`.
 */
export function resolveStorageRoots(given: readonly string[], warn: (message: string) => void): StorageRoot[] {
  return given.map((dir) => {
    if (!dir.startsWith('/')) throw new Error(`storage root ${dir} must be an absolute path`);
    const normalized = posix.normalize(dir).replace(/(.)\/$/, '$1');
    const real = realpathSync(normalized);
    const stat = statSync(real);
    if (!stat.isDirectory()) throw new Error(`storage root ${dir} is not a directory`);
    if (real === '/' || isSpecialFilesystem(real)) throw new Error(`storage root ${dir} is not allowed`);
    if (stat.mode & 0o002) throw new Error(`storage root ${dir} is writable by everyone; refusing it`);
    if (stat.mode & 0o020) warn(`storage root ${dir} is writable by its group`);
    return { given: normalized, real };
  });
}

/**
 * Resolves the node-file directories once, at startup. Unlike storage roots they are only read
 * from; one that does not exist (yet) is kept by name and matches nothing on disk until it does.
 */
export function resolveNodeFileRoots(given: readonly string[]): StorageRoot[] {
  return given.map((dir) => {
    if (!dir.startsWith('/')) throw new Error(`node-file directory ${dir} must be an absolute path`);
    const normalized = posix.normalize(dir).replace(/(.)\/$/, '$1');
    try {
      return { given: normalized, real: realpathSync(normalized) };
    } catch {
      return { given: normalized, real: normalized };
    }
  });
}

/** The error a client sees for a refused path: VIR_ERR_ACCESS_DENIED, `access denied: path '...' is outside ...`. */
export function confinementError(error: PathConfinementError, errorDomain: number): VirError {
  return VirError.report(ErrorNumber.AccessDenied, errorDomain, error.message);
}
