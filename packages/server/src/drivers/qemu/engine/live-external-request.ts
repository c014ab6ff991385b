// What a live external snapshot is asked for: the disks and their overlays, the options, and the failpoints it passes.
import { PreconditionError } from './errors.js';
import type { LiveDisk } from './block-graph.js';
import type { CreatesFilesOptions } from './operation-result.js';
import type { QemuImgSettings } from './qemu-img.js';
import { assertSafeImagePath } from './reserved-file.js';

/** One disk to snapshot. */
export interface LiveExternalDiskRequest {
  target: string;
  /** Absolute path of the new overlay; must not exist unless reuseExisting. */
  overlayPath: string;
  /**
   * REUSE_EXT: the overlay already exists (qcow2, backing = the disk's current image). It is added
   * as is and never unlinked, even on rollback.
   */
  reuseExisting?: boolean;
  /** Backing string recorded in a new overlay. Default: the active layer's filename (must be an absolute path). */
  backingPath?: string;
}

/** Options of createLiveExternalSnapshot. */
export interface LiveExternalSnapshotOptions extends CreatesFilesOptions {
  qemuImg?: QemuImgSettings;
  /**
   * Who writes the new overlays' qcow2 metadata:
   * - "engine" (default): the engine writes the empty qcow2 itself (qcow2-overlay-writer.ts) before
   *   QEMU opens the file; saves the job round trips (about 2 ms per disk on this host). Same layout
   *   and `qemu-img info` as a qemu-img-created overlay.
   * - "blockdev-create": QEMU, with one qcow2 blockdev-create job per overlay (run concurrently).
   */
  overlayCreation?: 'blockdev-create' | 'engine';
  /**
   * An external memory snapshot (libvirt's qemuSnapshotCreateActiveExternal with memory): runs
   * after the overlays are ready and before the transaction, as step `save-memory` (it leaves the
   * vCPUs stopped, so the disks switch at the moment the memory was saved). A failure rolls the
   * disks back like any other step.
   */
  saveMemory?: () => Promise<void>;
  /**
   * The guest's disks as `readLiveDisks` read them, asked for by the caller earlier under the same
   * domain job (nothing changes the block graph meanwhile), so that QEMU answers while the caller
   * does other work (journals its intent); validation then checks that answer.
   */
  liveDisks?: Promise<Map<string, LiveDisk>>;
  /**
   * Work of the caller's that needs nothing of QEMU, done while QEMU opens the new overlays (their
   * blockdev-adds are in flight): journaling what the snapshot will commit, say. Its failure fails
   * the step (everything is rolled back); the transaction waits for it.
   */
  whileNodesAreAdded?: () => void | Promise<void>;
}

/**
 * Failpoint names of the default overlay creation ("engine"). Each is reached just before its step;
 * none comes after the transaction (the commit point). The engine writes the overlays, then adds
 * each one's format node with its file node nested in the same blockdev-add.
 */
export const LIVE_EXTERNAL_FAILPOINTS = [
  'live-external:before-reserve-files',
  'live-external:before-format-overlays',
  'live-external:before-add-format-nodes',
  'live-external:before-transaction',
] as const;

/**
 * Failpoint names with overlayCreation "blockdev-create": QEMU formats the overlays through file
 * nodes added first, so add-file-nodes comes before format-overlays.
 */
export const LIVE_EXTERNAL_QEMU_FORMAT_FAILPOINTS = [
  'live-external:before-reserve-files',
  'live-external:before-add-file-nodes',
  'live-external:before-format-overlays',
  'live-external:before-add-format-nodes',
  'live-external:before-transaction',
] as const;

/** The failpoints a live external snapshot passes with `overlayCreation` (default "engine"). */
export function liveExternalFailpoints(overlayCreation: LiveExternalSnapshotOptions['overlayCreation'] = 'engine'): readonly string[] {
  return overlayCreation === 'blockdev-create' ? LIVE_EXTERNAL_QEMU_FORMAT_FAILPOINTS : LIVE_EXTERNAL_FAILPOINTS;
}

/** The failpoint before the `save-memory` step, reached (before before-transaction) only with the saveMemory option. */
export const LIVE_EXTERNAL_MEMORY_FAILPOINT = 'live-external:before-save-memory';

/** Refuses an empty request, a disk listed twice and an overlay path listed twice, before anything happens. */
export function assertDistinctRequests(requests: readonly LiveExternalDiskRequest[]): void {
  if (requests.length === 0) throw new PreconditionError('no-disks', 'no disks to snapshot');
  const targets = new Set<string>();
  const paths = new Set<string>();
  for (const request of requests) {
    assertSafeImagePath(request.overlayPath);
    if (targets.has(request.target)) throw new PreconditionError('duplicate-target', `disk ${request.target} is listed twice`);
    if (paths.has(request.overlayPath)) throw new PreconditionError('duplicate-overlay', `${request.overlayPath} is listed twice`);
    targets.add(request.target);
    paths.add(request.overlayPath);
  }
}
