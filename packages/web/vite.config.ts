// Vite's build of the web console: content-hashed assets under /assets, no inline script, no source maps in the shipped files.
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';

/** The npm packages (name, version, licence) whose modules a chunk bundles, read from their package.json. */
function bundledPackages(moduleIds: readonly string[]): string[] {
  const names = new Set<string>();
  for (const id of moduleIds) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id);
    if (match) names.add(match[1]!);
  }
  return [...names].sort().map((name) => {
    const manifest = JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as {
      version: string;
      license?: string;
    };
    return `${name}@${manifest.version} (${manifest.license ?? 'see its package'})`;
  });
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // Every script is a file: the CSP allows no inline script, and browsers that run this console support modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2022',
    // Every bundled dependency's licence text, in dist/.vite/license.md (packed with the console, never served).
    license: true,
    rolldownOptions: {
      output: {
        // Minifying drops the dependencies' own headers: each served chunk names the npm packages it bundles and their
        // licences (noVNC's MPL-2.0 asks that recipients be told where its source is: npm, under that name and version).
        postBanner: (chunk) => {
          const packages = bundledPackages(chunk.moduleIds);
          return packages.length > 0
            ? `/*! bundles ${packages.join(', ')}; sources on npmjs.com, licence texts in @virtwire/web's dist/.vite/license.md */`
            : undefined;
        },
      },
    },
  },
});
