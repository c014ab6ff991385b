// Sets one version on every package: each package.json, the sibling dependencies, LIB_VERSION, and the lock file.
// Usage: node scripts/set-version.mjs X.Y.Z [--root DIR] [--no-lock]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const version = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--root');
const rootAt = args.indexOf('--root');
const root = rootAt >= 0 ? args[rootAt + 1] : fileURLToPath(new URL('..', import.meta.url));

const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version ?? '');
if (!match || Number(match[2]) > 999 || Number(match[3]) > 999) {
  console.error('usage: node scripts/set-version.mjs MAJOR.MINOR.MICRO (minor and micro below 1000: libvirt encodes versions as major*1e6+minor*1e3+micro)');
  process.exit(1);
}
const [major, minor, micro] = match.slice(1).map(Number);

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const writeJson = (path, value) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

const workspaces = readJson(join(root, 'package.json')).workspaces;
const names = new Set(workspaces.map((w) => readJson(join(root, w, 'package.json')).name));
for (const workspace of workspaces) {
  const file = join(root, workspace, 'package.json');
  const manifest = readJson(file);
  manifest.version = version;
  for (const field of ['dependencies', 'devDependencies']) {
    for (const name of Object.keys(manifest[field] ?? {})) if (names.has(name)) manifest[field][name] = version;
  }
  writeJson(file, manifest);
}

const versionFile = join(root, 'packages/protocol/src/version.ts');
const source = readFileSync(versionFile, 'utf8');
const encoded = (major * 1_000_000 + minor * 1_000 + micro).toLocaleString('en-US').replace(/,/g, '_');
const updated = source.replace(/export const LIB_VERSION = [\d_]+;/, `export const LIB_VERSION = ${encoded};`);
if (updated === source && !source.includes(`export const LIB_VERSION = ${encoded};`)) throw new Error(`no LIB_VERSION in ${versionFile}`);
writeFileSync(versionFile, updated);

if (!args.includes('--no-lock')) execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
console.log(`every package is now ${version} (LIB_VERSION ${encoded})`);
