// Confines the image files the daemon creates to storage roots: configured ones and the directories of a domain's disks.
import { ErrorDomain, ErrorNumber, VirError } from '@virtwire/protocol';
import { realpathSync } from 'node:fs';
import { dirname, posix } from 'node:path';

const denied = (detail: string) => VirError.report(ErrorNumber.OperationDenied, ErrorDomain.Qemu, detail);
const unsupported = (detail: string) => VirError.report(ErrorNumber.ConfigUnsupported, ErrorDomain.Qemu, detail);

/** Why a client-named image path is refused before any check of the filesystem, or undefined. */
export function imagePathSyntaxProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > 4096) return 'its length must be 1 to 4096';
  if (!path.startsWith('/')) return 'it must be absolute';
  if (/[\u0000-\u001f\u007f,&]/.test(path)) return 'it contains a control character, a comma or an ampersand';
  if (posix.normalize(path) !== path || path.endsWith('/')) return 'it is not normalized';
  if (path.split('/').some((segment) => segment.startsWith('-'))) return 'a path segment starts with a dash';
  return undefined;
}

function realDirectory(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

const inside = (root: string, dir: string) => dir === root || dir.startsWith(root.endsWith('/') ? root : `${root}/`);

/**
 * The directories new images may be created in (SECURITY.md, "Files"): the daemon's
 * configured roots plus, per domain, the directories holding its writable disks' images. Roots are
 * resolved through symlinks; a new file's parent directory must resolve to a root or below one.
 */
export class StorageRoots {
  private readonly configured: string[];

  constructor(roots: readonly string[]) {
    this.configured = roots.map((root) => realDirectory(root) ?? root);
  }

  /** The configured roots (resolved). */
  get roots(): readonly string[] {
    return this.configured;
  }

  /**
   * A check that a new image may be created at `path` for `disk`: syntax, an existing parent
   * directory, and confinement to the configured roots or `domainImageDirs` (resolved once).
   */
  confiner(domainImageDirs: readonly string[]): (path: string, disk: string) => void {
    const allowed = [...new Set([...this.configured, ...domainImageDirs.map((d) => realDirectory(d) ?? d)])];
    return (path, disk) => {
      const problem = imagePathSyntaxProblem(path);
      if (problem) throw unsupported(`snapshot file '${path}' for disk '${disk}' is refused: ${problem}`);
      const parent = realDirectory(dirname(path));
      if (parent === undefined) {
        throw VirError.report(ErrorNumber.SystemError, ErrorDomain.Qemu, `unable to create overlay '${path}' for disk '${disk}': No such file or directory`);
      }
      if (!allowed.some((root) => inside(root, parent))) {
        throw denied(`snapshot file '${path}' for disk '${disk}' is outside the storage roots of this daemon`);
      }
    };
  }
}
