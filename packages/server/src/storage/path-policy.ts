// One check for every path a driver is asked to create: real storage roots, lexical roots, or none.
import { checkLexicalConfinement, confinePath, confinementError, PathConfinementError, type StorageRoot } from './confined-path.js';

/** Throws the client-facing error (VIR_ERR_ACCESS_DENIED) when `path` may not be created. */
export type PathPolicy = (path: string) => void;

/**
 * The policy for a driver connection: with real roots (daemon configuration) the path is confined
 * on the filesystem; with lexical roots (a test-driver node file, whose images are simulated) it
 * must lie below one of them by name; with neither, anything goes, as in libvirt.
 */
export function pathPolicy(realRoots: readonly StorageRoot[], lexicalRoots: readonly string[], errorDomain: number): PathPolicy {
  return (path) => {
    try {
      if (realRoots.length > 0) confinePath(path, realRoots);
      if (lexicalRoots.length > 0) checkLexicalConfinement(path, lexicalRoots);
    } catch (error) {
      if (error instanceof PathConfinementError) throw confinementError(error, errorDomain);
      throw error;
    }
  };
}
