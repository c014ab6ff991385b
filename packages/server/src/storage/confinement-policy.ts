// The daemon's one confinement policy: every path a client names, or makes a driver open or create, is checked here (VIR_ERR_ACCESS_DENIED).
import { ErrorNumber, VirError } from '@virtwire/protocol';
import type { Stats } from 'node:fs';
import {
  checkLexicalConfinement,
  checkPathSyntax,
  checkRecordedName,
  confineExistingPath,
  confinePath,
  PathConfinementError,
  type ResolvedDirectories,
  resolveNodeFileRoots,
  resolveStorageRoots,
  rootOf,
  type StorageRoot,
} from './confined-path.js';

/**
 * What a path is for. Every kind except `node-file` is confined to the storage roots; `node-file`
 * to the node-file directories. Kinds no driver opens yet (boot files, NVRAM, memory images) are
 * the entry points for the work that will: call {@link ConfinementPolicy.existing} or
 * {@link ConfinementPolicy.creatable} with them right before opening, and
 * {@link ConfinementPolicy.named} when a definition names them.
 */
export type PathKind =
  /** A disk's active image (`<disk device='disk'><source file>`), opened read-write. */
  | 'disk'
  /** A CD-ROM or floppy image, opened read-only. */
  | 'cdrom'
  /** An image below a disk's active one (`<backingStore>`, or found in an image's header). */
  | 'backing'
  /** `<os><kernel>`, `<os><initrd>`, `<os><dtb>`: read by the hypervisor at start. */
  | 'kernel'
  | 'initrd'
  | 'dtb'
  /** `<os><loader>`: firmware, read at start. */
  | 'loader'
  /** `<os><nvram>` (created from `template` when missing) and the template itself. */
  | 'nvram'
  | 'nvram-template'
  /** A character device backed by a file or a unix socket (`<serial type='file'><source path>`). */
  | 'chardev'
  /** A snapshot's or a saved domain's memory image (`<memory file>`), created. */
  | 'memory'
  /** A new external snapshot overlay (or an existing one with REUSE_EXT). */
  | 'overlay'
  /** The fresh overlay a revert to an external snapshot creates next to the snapshot's image. */
  | 'revert-overlay'
  /** A test-driver node file, or a domain file it includes. */
  | 'node-file';

/**
 * One policy for the whole daemon (every driver gets the same instance):
 *
 * - every path: absolute, at most 4096 characters, no control character, normalized, not on
 *   /dev, /proc or /sys (with or without roots);
 * - with storage roots: strictly below a root by name when named (define, redefine); and, right
 *   before the daemon opens or creates it, its parent resolves to the same place (no symbolic link
 *   below the root) and the file itself is no symbolic link (an existing one must be a regular file);
 * - without storage roots: only the syntax above (libvirt's model: a read-write caller has the
 *   daemon user's access to files);
 * - node files: always confined to the node-file directories, checked by name before anything
 *   touches the filesystem, so a refusal says nothing about what exists outside them.
 *
 * Every refusal is VIR_ERR_ACCESS_DENIED (88) in the caller's error domain.
 */
export class ConfinementPolicy {
  constructor(
    private readonly storageRoots: readonly StorageRoot[],
    private readonly nodeFileRoots: readonly StorageRoot[],
    /** Extra roots by name only (a test-driver node file's `<vw:root>`, whose images are simulated). */
    private readonly simulatedRoots: readonly string[] = [],
    /** Set for one operation's policy ({@link forOneOperation}): the directories it resolved. */
    private readonly directories?: ResolvedDirectories,
  ) {}

  /**
   * The same policy for one operation that confines many paths before it opens them (a snapshot
   * plan: every image of every disk's chain): each directory is resolved once, not once per path.
   */
  forOneOperation(): ConfinementPolicy {
    return new ConfinementPolicy(this.storageRoots, this.nodeFileRoots, this.simulatedRoots, new Map());
  }

  /** True when storage roots are configured (otherwise storage paths are checked for syntax only). */
  get confinesStorage(): boolean {
    return this.storageRoots.length > 0;
  }

  /** The same policy with extra by-name roots for simulated storage (test-driver node files). */
  withSimulatedRoots(roots: readonly string[]): ConfinementPolicy {
    return roots.length === 0 ? this : new ConfinementPolicy(this.storageRoots, this.nodeFileRoots, [...this.simulatedRoots, ...roots], this.directories);
  }

  /**
   * A path a definition names (define, redefine): syntax and, with roots, below one by name. Touches
   * no file. `recordedOnly`: the driver records the name and never opens it (the test driver's
   * simulated storage); when no root confines storage, only its length and characters are checked
   * (`checkRecordedName`), so libvirt's block disks on /dev define as in libvirt's test driver.
   */
  named(path: string, kind: PathKind, errorDomain: number, recordedOnly = false): void {
    this.refusing(errorDomain, () => {
      if (recordedOnly && kind !== 'node-file' && this.rootsFor(kind) === undefined && this.simulatedRoots.length === 0) {
        checkRecordedName(path);
        return;
      }
      checkPathSyntax(path);
      const roots = this.rootsFor(kind);
      if (roots !== undefined && !rootOf(path, roots)) {
        throw new PathConfinementError(path, kind === 'node-file' ? 'outside-node-directories' : 'outside-roots');
      }
      if (kind !== 'node-file' && this.simulatedRoots.length > 0) checkLexicalConfinement(path, this.simulatedRoots);
    });
  }

  /**
   * A path about to be opened: {@link named}, then on the filesystem; an existing file must be a
   * regular file. Returns the path to open (the root's own symbolic links resolved) and its status
   * (undefined when it does not exist). Node files are only located here: the daemon opens them
   * itself and reports a wrong type as VIR_ERR_OPEN_FAILED.
   */
  existing(path: string, kind: PathKind, errorDomain: number): { path: string; stat: Stats | undefined } {
    this.named(path, kind, errorDomain);
    const roots = this.rootsFor(kind);
    if (roots === undefined) return { path, stat: undefined };
    return this.refusing(errorDomain, () => {
      if (kind === 'node-file') return { path: confinePath(path, roots, this.directories), stat: undefined };
      const { resolved, stat } = confineExistingPath(path, roots, this.directories);
      return { path: resolved, stat };
    });
  }

  /** A path about to be created: {@link named}, then its parent must exist below the root with no symbolic link. */
  creatable(path: string, kind: PathKind, errorDomain: number): string {
    this.named(path, kind, errorDomain);
    const roots = this.rootsFor(kind);
    if (roots === undefined) return path;
    return this.refusing(errorDomain, () => confinePath(path, roots, this.directories));
  }

  /** The roots that confine `kind`, or undefined when nothing does (storage without roots). */
  private rootsFor(kind: PathKind): readonly StorageRoot[] | undefined {
    if (kind === 'node-file') return this.nodeFileRoots;
    return this.storageRoots.length > 0 ? this.storageRoots : undefined;
  }

  private refusing<T>(errorDomain: number, check: () => T): T {
    try {
      return check();
    } catch (error) {
      if (error instanceof PathConfinementError) throw accessDenied(error, errorDomain);
      throw error;
    }
  }
}

/** The client's error for a refused path: `access denied: path '...' is outside the storage roots of this daemon`. */
export function accessDenied(error: PathConfinementError, errorDomain: number): VirError {
  return VirError.report(ErrorNumber.AccessDenied, errorDomain, error.message);
}

/** The daemon's configuration of confinement. */
export interface ConfinementOptions {
  /** Storage roots (`--storage-root`); empty: storage paths are checked for syntax only. */
  storageRoots?: readonly string[];
  /** Directories test-driver node files are read from (`--node-dir`); empty: none is. */
  nodeFileRoots?: readonly string[];
}

/**
 * Builds the daemon's policy, resolving and vetting every root once (`/`, special filesystems and
 * world-writable roots refused; group-writable ones reported through `warn`).
 */
export function confinementPolicy(options: ConfinementOptions, warn: (message: string) => void = () => undefined): ConfinementPolicy {
  return new ConfinementPolicy(resolveStorageRoots(options.storageRoots ?? [], warn), resolveNodeFileRoots(options.nodeFileRoots ?? []));
}
