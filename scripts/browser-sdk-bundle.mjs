// Bundles the SDK's browser entry point (@virtwire/client/browser) as a web app would, minified, and reports each file's size and inputs.
import { build, version } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The third-party packages an output file holds, from esbuild's inputs (`node_modules/zod/...` -> `zod`). */
function packagesOf(inputs) {
  const names = new Set();
  for (const input of Object.keys(inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) names.add(match[1]);
  }
  return [...names].sort();
}

/**
 * Bundles everything `@virtwire/client/browser` exports (from the built packages) for browsers with
 * esbuild: ES modules, code splitting (a dynamic import becomes its own chunk), minified. Resolves
 * with what a page loads up front (the entry chunk and the chunks it imports statically) and the
 * chunks loaded on demand, each with its size, gzipped size (each file on its own, as served) and
 * the third-party packages in it.
 */
export async function bundleBrowserSdk() {
  const result = await build({
    stdin: { contents: "export * from '@virtwire/client/browser';", resolveDir: ROOT, sourcefile: 'app.js' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outdir: 'out',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const files = result.outputFiles.map((file) => {
    const [name, meta] = Object.entries(outputs).find(([path]) => file.path.endsWith(path));
    return {
      name,
      path: name.replace(/^out\//, ''),
      entry: meta.entryPoint === 'app.js',
      bytes: file.contents.length,
      gzipBytes: gzipSync(file.contents, { level: 9 }).length,
      packages: packagesOf(meta.inputs),
      modules: Object.keys(meta.inputs),
      staticImports: meta.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path),
    };
  });
  // What a page loads before any call: the entry chunk and everything it imports statically.
  const upFront = new Set();
  const visit = (name) => {
    if (upFront.has(name)) return;
    upFront.add(name);
    for (const next of files.find((f) => f.name === name)?.staticImports ?? []) visit(next);
  };
  visit(files.find((f) => f.entry).name);
  const sum = (list, key) => list.reduce((total, f) => total + f[key], 0);
  const eager = files.filter((f) => upFront.has(f.name));
  const lazy = files.filter((f) => !upFront.has(f.name));
  return {
    upFront: { files: eager, bytes: sum(eager, 'bytes'), gzipBytes: sum(eager, 'gzipBytes'), packages: [...new Set(eager.flatMap((f) => f.packages))].sort() },
    lazy,
    tool: `esbuild ${version}`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { upFront, lazy, tool } = await bundleBrowserSdk();
  const line = (f) => `${f.path}: ${f.bytes} B, ${f.gzipBytes} B gzipped; packages: ${f.packages.join(', ') || 'none'}\n`;
  process.stdout.write(`up front: ${upFront.bytes} B, ${upFront.gzipBytes} B gzipped\n${upFront.files.map((f) => `  ${line(f)}`).join('')}`);
  process.stdout.write(`on demand:\n${lazy.map((f) => `  ${line(f)}`).join('')}(${tool}, minified)\n`);
}
