#!/usr/bin/env node
// Bundles each binary with esbuild after `tsc -b` into one CommonJS file, which its bin runs with V8's code cache.
//
// `npm run build` runs `tsc -b` and then this. The bins (packages/*/bin/*.js) run the bundles; the
// packages' library entry points stay the compiled dist/ modules. Third-party code is bundled too, and
// its licences are written beside the bundle (THIRD-PARTY-LICENSES.txt); native addons' compiled
// bindings stay in node_modules (ADDON_BINDINGS).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyBuiltins } from './lazy-builtins.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * The binaries: entry module (tsc's output) and the directory its bundle goes to. Each is one CommonJS
 * file, which its bin runs through `vm.Script` with V8's code cache: Node 20 has no code cache for ES
 * modules, and compiling was a quarter of the daemon's start-up and of a vwsh command. Modules imported
 * dynamically (the drivers, the XML parser, zod) stay lazily evaluated inside the file (esbuild's
 * `__esm` wrappers), and V8 compiles a function only when it first runs.
 */
export const BINARIES = [
  { name: 'vwsh', entry: 'packages/cli/dist/main.js', outdir: 'packages/cli/dist/bundle' },
  { name: 'virtwired', entry: 'packages/server/dist/main.js', outdir: 'packages/server/dist/bundle' },
];

/**
 * The code-cache loader (`runCodeCachedBundle`), written beside each bundle as `code-cached-bundle.cjs`
 * for the bins to `require`: one source for both binaries, whose packages share no Node-side package.
 */
export const LOADER = { entry: 'packages/server/src/code-cached-bundle.ts', file: 'code-cached-bundle.cjs' };

/**
 * Native addons, bundled as JavaScript while their compiled binding is still loaded from their package
 * in node_modules: each package's file that loads its binding, and the package it is found from at run
 * time (the state-directory lock's flock, fs-native-extensions). Its loader (require-addon and the
 * resolvers under it) is bundled, and so compiled from the code cache: loaded from node_modules it was
 * a fifth of the daemon's start-up. The binding is found as before, from the package's directory,
 * which the bundle's `require.resolve` finds from where the bundle is installed.
 */
export const ADDON_BINDINGS = [{ file: /[\\/]node_modules[\\/]fs-native-extensions[\\/]binding\.js$/, pkg: 'fs-native-extensions' }];

/** Loads each addon's binding from its installed package (ADDON_BINDINGS) instead of from the bundle's directory. */
const addonBindingsFromTheirPackage = {
  name: 'addon-bindings-from-their-package',
  setup(build) {
    for (const { file, pkg } of ADDON_BINDINGS) {
      build.onLoad({ filter: file }, () => ({
        contents: `module.exports = require('require-addon')('.', require.resolve(${JSON.stringify(`${pkg}/package.json`)}));\n`,
        loader: 'js',
        resolveDir: join(ROOT, 'node_modules', pkg),
      }));
    }
  },
};

/**
 * Maps third-party code to the JavaScript it ships: packages whose own source maps name sources they do
 * not ship (saxes, xmlchars) would otherwise leave links to nowhere in ours.
 */
const thirdPartyWithoutSourceMaps = {
  name: 'third-party-without-source-maps',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/gm, ''),
      loader: 'js',
    }));
  },
};

/**
 * The start and end of a bundle: the file is one function expression taking CommonJS's
 * arguments, which `vm.Script` compiles as it is (no wrapped copy of 1.5 MB of text), and it defines the
 * `import.meta.url` its modules read (esbuild leaves it empty in CommonJS).
 */
const cjsBanner = `(function (exports, require, module, __filename, __dirname) {
"use strict";
const __import_meta_url = require('node:url').pathToFileURL(__filename).href;`;
const cjsFooter = '})';

/** One line per bundled third-party package, followed by its licence text. */
function thirdPartyLicences(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match && !packages.has(match[1])) packages.set(match[1], join(ROOT, match[1]));
  }
  const sections = [];
  for (const dir of [...packages.values()].sort()) {
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const licenceFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = licenceFile ? readFileSync(join(dir, licenceFile), 'utf8').trim() : `(no licence file; package.json says ${meta.license})`;
    sections.push(`${meta.name}@${meta.version} (${meta.license})\n\n${text}\n`);
  }
  return `Third-party code bundled into this directory, with its licences:\n\n${sections.join('\n' + '-'.repeat(72) + '\n\n')}`;
}

/**
 * Writes `contents` to `path` unless it holds them already; a changed file is written beside it and
 * renamed over it, so a process starting the binary meanwhile reads the old file or the new one,
 * never half of one. Returns true when it wrote.
 */
function replaceIfChanged(path, contents) {
  if (existsSync(path) && Buffer.compare(readFileSync(path), contents) === 0) return false;
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
  return true;
}

/**
 * Bundles one binary into `outdir` (relative to the repository, or absolute). Only files whose
 * contents changed are rewritten and files of earlier builds are removed, so a rebuild of unchanged
 * sources writes nothing (tests that rebuild before spawning a binary do not disturb each other).
 * Resolves with esbuild's metafile and whether anything changed.
 */
export async function bundleBinary({ name, entry, outdir }) {
  const out = resolve(ROOT, outdir);
  const result = await build({
    entryPoints: { [name]: join(ROOT, entry) },
    outdir: out,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    banner: { js: cjsBanner },
    footer: { js: cjsFooter },
    define: { 'import.meta.url': '__import_meta_url' },
    outExtension: { '.js': '.cjs' },
    external: ADDON_BINDINGS.map(({ pkg }) => `${pkg}/package.json`),
    plugins: [addonBindingsFromTheirPackage, thirdPartyWithoutSourceMaps, lazyBuiltins()],
    // Identifiers and line structure are kept, so that a stack trace still reads.
    legalComments: 'none',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const files = new Map(result.outputFiles.map((file) => [file.path, file.path.endsWith('.cjs') ? withDigest(asciiOnly(file.contents)) : file.contents]));
  files.set(join(out, 'THIRD-PARTY-LICENSES.txt'), Buffer.from(thirdPartyLicences(result.metafile)));
  files.set(join(out, LOADER.file), await bundleLoader());
  let changed = false;
  for (const [path, contents] of files) changed = replaceIfChanged(path, contents) || changed;
  for (const path of filesUnder(out)) {
    // A code cache is the binary's own, named for the bundle it was made from (a new bundle never reads it).
    if (!files.has(path) && !path.endsWith('.cache')) {
      rmSync(path, { force: true });
      changed = true;
    }
  }
  // Directories earlier builds wrote into and this one does not (vwsh's chunks/ before it was one file).
  for (const entry of existsSync(out) ? readdirSync(out, { withFileTypes: true }) : []) {
    const dir = join(out, entry.name);
    if (entry.isDirectory() && filesUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  }
  return { metafile: result.metafile, changed };
}

/**
 * `contents` (a bundle) with every character beyond ASCII written as its `\uXXXX` escape. esbuild
 * escapes them in code (its default `charset: 'ascii'`) but copies comments as they are, and one
 * character beyond Latin-1 (an em dash in a comment of zod's) made V8 hold the whole 1.5 MB source as a
 * two-byte string: 3 MB of heap for the life of the process, and a slower decode at each start. Only
 * comments are left to escape, where the escape is as readable and changes nothing.
 */
function asciiOnly(contents) {
  const text = Buffer.from(contents).toString('utf8');
  const escaped = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped === text ? contents : Buffer.from(escaped, 'latin1');
}

/**
 * `contents` with a last line naming its SHA-256 (the code-cache loader's BUNDLE_DIGEST_LINE), so that
 * the loader keys its cache by the bundle without hashing it at each start.
 */
function withDigest(contents) {
  const digest = createHash('sha256').update(contents).digest('base64url').slice(0, 22);
  return Buffer.concat([contents, Buffer.from(`// code-cache-key: ${digest}\n`)]);
}

/** The code-cache loader as one CommonJS file of Node built-ins only. */
async function bundleLoader() {
  const result = await build({
    entryPoints: [join(ROOT, LOADER.entry)],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    banner: { js: `// Built by scripts/bundle.mjs from ${LOADER.entry}.` },
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0].contents;
}

/** Every file below `dir` (none if it does not exist). */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const binary of BINARIES) {
    if (!existsSync(join(ROOT, binary.entry))) {
      process.stderr.write(`bundle: ${binary.entry} is missing: run \`tsc -b\` first (\`npm run build\` does both)\n`);
      process.exit(1);
    }
    const { metafile, changed } = await bundleBinary(binary);
    const bytes = Object.entries(metafile.outputs).reduce((sum, [path, o]) => sum + (path.endsWith('.map') ? 0 : o.bytes), 0);
    const state = changed ? 'written' : 'up to date';
    process.stderr.write(`bundle: ${binary.name} -> ${binary.outdir}/ (${(bytes / 1024).toFixed(0)} KiB of JavaScript, ${state})\n`);
  }
}
