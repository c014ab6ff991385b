// The test driver's simulated storage: image files with sizes, backing chains, internal snapshots and injectable faults.
import { ErrorDomain } from '@virtwire/protocol';
import { ConfinementPolicy } from '../../storage/confinement-policy.js';

/** One simulated image file. */
export interface SimulatedImage {
  readonly path: string;
  /** Bytes the file occupies on its (simulated) filesystem. */
  size: number;
  format: string;
  /** The image this one is an overlay of. */
  backing?: string;
  /** Names of internal snapshots stored inside the image (qcow2). */
  readonly internalSnapshots: Set<string>;
}

/** Faults injected for a directory (every path under it) or for one file. */
export interface StorageFault {
  /** A directory (ending in `/` or covering everything below it) or an exact file path. */
  readonly path: string;
  /** Writes fail with EROFS. */
  readonly readOnly?: boolean;
  /** Total bytes the directory may hold; a write past it fails with ENOSPC. */
  readonly capacity?: number;
  /** The Nth write under the path (1-based) fails with EIO; later writes succeed. */
  readonly failOnWrite?: number;
}

/** A storage failure, with the errno name and C library text libvirt would append. */
export class StorageError extends Error {
  constructor(
    readonly errno: 'EROFS' | 'ENOSPC' | 'EIO' | 'EEXIST' | 'ENOENT',
    readonly path: string,
  ) {
    super(errnoText[errno]);
    this.name = 'StorageError';
  }
}

const errnoText = {
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EEXIST: 'File exists',
  ENOENT: 'No such file or directory',
} as const;

/** Size of a freshly created qcow2 overlay, as qemu-img makes one. */
export const OVERLAY_SIZE = 196_624;
/** What one internal snapshot adds to an image. */
export const INTERNAL_SNAPSHOT_SIZE = 65_536;

const EMPTY: ReadonlySet<string> = new Set();

const covers = (faultPath: string, path: string) => faultPath === path || path.startsWith(faultPath.endsWith('/') ? faultPath : `${faultPath}/`);

/**
 * An in-memory filesystem of images, deterministic, with faults that tests configure. It also
 * knows, for every image, which overlays use it as their backing file, so asking whether an
 * image is still needed does not depend on how many images exist.
 */
export class SimulatedStorage {
  private readonly images = new Map<string, SimulatedImage>();
  private readonly writeCounts = new Map<StorageFault, number>();
  /** backing path -> paths of the overlays on top of it. */
  private readonly overlays = new Map<string, Set<string>>();

  constructor(
    private readonly faults: readonly StorageFault[] = [],
    /** The daemon's policy (with the node file's simulated roots): every file created here is checked by it. */
    readonly confinement: ConfinementPolicy = new ConfinementPolicy([], []),
  ) {}

  /** Throws the client-facing error (VIR_ERR_ACCESS_DENIED) when `path` may not be created. */
  checkConfined(path: string): void {
    this.confinement.creatable(path, 'overlay', ErrorDomain.Test);
  }

  get(path: string): SimulatedImage | undefined {
    return this.images.get(path);
  }

  exists(path: string): boolean {
    return this.images.has(path);
  }

  isRegularFile(path: string): boolean {
    return this.images.has(path);
  }

  /** Every image path, sorted. */
  paths(): string[] {
    return [...this.images.keys()].sort();
  }

  /** Registers an image that already exists (from the node file or a domain definition); no faults apply. */
  register(image: Omit<SimulatedImage, 'internalSnapshots'> & { internalSnapshots?: Iterable<string> }): void {
    this.unlink(image.path);
    const registered: SimulatedImage = { ...image, internalSnapshots: new Set(image.internalSnapshots ?? []) };
    this.images.set(image.path, registered);
    if (registered.backing !== undefined) this.linkBacking(registered.path, registered.backing);
  }

  /** Creates a new file exclusively (O_EXCL): an overlay of `backing`, or a plain file such as a memory image. */
  create(path: string, size: number, format: string, backing?: string): SimulatedImage {
    this.checkConfined(path);
    if (this.images.has(path)) throw new StorageError('EEXIST', path);
    this.write(path, size);
    const image: SimulatedImage = { path, size, format, internalSnapshots: new Set() };
    if (backing !== undefined) image.backing = backing;
    this.images.set(path, image);
    if (backing !== undefined) this.linkBacking(path, backing);
    return image;
  }

  /** Removes a file (unlink); a missing file is not an error. */
  remove(path: string): void {
    this.unlink(path);
  }

  /** The overlays that use `path` as their backing file. */
  overlaysOf(path: string): ReadonlySet<string> {
    return this.overlays.get(path) ?? EMPTY;
  }

  /**
   * True when nothing else needs the image: no overlay is built on it and it holds no internal
   * snapshot. Only such images may be deleted when a revert or delete leaves them unused.
   */
  isUnneeded(path: string): boolean {
    const image = this.images.get(path);
    return image !== undefined && this.overlaysOf(path).size === 0 && image.internalSnapshots.size === 0;
  }

  /**
   * Merges `overlay` into its backing file, as `qemu-img commit` followed by deleting the
   * overlay: the overlays built on it are rebased onto the backing file. Metadata-only: a merge
   * writes into an image that already exists, so no fault applies.
   */
  commitIntoBacking(overlay: string): void {
    const image = this.images.get(overlay);
    if (!image || image.backing === undefined) return;
    const base = image.backing;
    for (const dependent of [...this.overlaysOf(overlay)]) this.rebase(dependent, base);
    this.unlink(overlay);
  }

  /** Points `path` at a different backing file (`qemu-img rebase -u`). */
  rebase(path: string, backing: string): void {
    const image = this.images.get(path);
    if (!image) return;
    if (image.backing !== undefined) this.unlinkBacking(path, image.backing);
    image.backing = backing;
    this.linkBacking(path, backing);
  }

  private unlink(path: string): void {
    const image = this.images.get(path);
    if (!image) return;
    if (image.backing !== undefined) this.unlinkBacking(path, image.backing);
    this.images.delete(path);
  }

  private linkBacking(path: string, backing: string): void {
    let set = this.overlays.get(backing);
    if (!set) this.overlays.set(backing, (set = new Set()));
    set.add(path);
  }

  private unlinkBacking(path: string, backing: string): void {
    const set = this.overlays.get(backing);
    if (!set) return;
    set.delete(path);
    if (set.size === 0) this.overlays.delete(backing);
  }

  /** Stores an internal snapshot inside an existing image. */
  addInternalSnapshot(path: string, name: string): void {
    const image = this.images.get(path);
    if (!image) throw new StorageError('ENOENT', path);
    this.write(path, INTERNAL_SNAPSHOT_SIZE);
    image.internalSnapshots.add(name);
    image.size += INTERNAL_SNAPSHOT_SIZE;
  }

  /** Drops an internal snapshot from an image (rollback and delete); never fails. */
  removeInternalSnapshot(path: string, name: string): void {
    const image = this.images.get(path);
    if (image?.internalSnapshots.delete(name)) image.size -= INTERNAL_SNAPSHOT_SIZE;
  }

  /** Applies the faults covering `path` to a write of `bytes`; throws the first that fires. */
  private write(path: string, bytes: number): void {
    for (const fault of this.faults) {
      if (!covers(fault.path, path)) continue;
      if (fault.readOnly) throw new StorageError('EROFS', path);
      if (fault.failOnWrite !== undefined) {
        const count = (this.writeCounts.get(fault) ?? 0) + 1;
        this.writeCounts.set(fault, count);
        if (count === fault.failOnWrite) throw new StorageError('EIO', path);
      }
      if (fault.capacity !== undefined && this.usedUnder(fault.path) + bytes > fault.capacity) {
        throw new StorageError('ENOSPC', path);
      }
    }
  }

  private usedUnder(dir: string): number {
    let used = 0;
    for (const image of this.images.values()) if (covers(dir, image.path)) used += image.size;
    return used;
  }
}
