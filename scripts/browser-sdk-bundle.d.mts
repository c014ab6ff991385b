// Types of scripts/browser-sdk-bundle.mjs for the TypeScript tests that use it.

/** One output file of the browser bundle. */
export interface BundleFile {
  path: string;
  bytes: number;
  gzipBytes: number;
  /** Third-party packages in it. */
  packages: string[];
  modules: string[];
}

/** The SDK's browser bundle: what a page loads up front, and the chunks loaded on demand. */
export declare function bundleBrowserSdk(): Promise<{
  upFront: { files: BundleFile[]; bytes: number; gzipBytes: number; packages: string[] };
  lazy: BundleFile[];
  tool: string;
}>;
