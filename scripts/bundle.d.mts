// Types of scripts/bundle.mjs for the TypeScript tests that use it.
import type { Metafile } from 'esbuild';

/** One binary: its name, its entry module (tsc's output) and its bundle's directory. */
export interface BinarySpec {
  name: string;
  entry: string;
  outdir: string;
}

/** vwsh and virtwired. */
export declare const BINARIES: readonly BinarySpec[];

/** Bundles one binary into `outdir` (relative to the repository, or absolute), writing only what changed. */
export declare function bundleBinary(binary: BinarySpec): Promise<{ metafile: Metafile; changed: boolean }>;
