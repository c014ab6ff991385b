#!/usr/bin/env node
// Builds the web console (packages/web) with Vite after `tsc -b`, skipped when nothing it is built from changed since its last build.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const WEB = join(ROOT, 'packages/web');
/** What the last build was made from, outside dist/ so it is never served or packed. */
const STAMP = join(ROOT, 'node_modules/.cache/virtwire-web-build');

/** What the console is built from: its own sources and the SDK's browser build (protocol and runtime included). */
const INPUTS = [
  'packages/web/src',
  'packages/web/index.html',
  'packages/web/vite.config.ts',
  'packages/web/package.json',
  'packages/client/dist',
  'packages/protocol/dist',
  'packages/runtime/dist',
];

/** Every input file with its size and modification time, as one string. */
function fingerprint() {
  const lines = [];
  const walk = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    else if (!path.endsWith('.map') && !path.endsWith('.tsbuildinfo')) lines.push(`${path.slice(ROOT.length)} ${stat.size} ${stat.mtimeMs}`);
  };
  for (const input of INPUTS) walk(join(ROOT, input));
  return lines.join('\n');
}

const now = fingerprint();
if (existsSync(STAMP) && existsSync(join(WEB, 'dist/index.html')) && readFileSync(STAMP, 'utf8') === now) {
  process.exit(0);
}
// Vite is loaded only when there is something to build: an up-to-date build costs a directory walk.
const { build } = await import('vite');
await build({ configFile: join(WEB, 'vite.config.ts') });
mkdirSync(dirname(STAMP), { recursive: true });
writeFileSync(STAMP, now);
