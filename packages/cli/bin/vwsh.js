#!/usr/bin/env node
// vwsh entry point: runs the bundled shell (dist/bundle/vwsh.js, written by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/bundle/vwsh.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(`vwsh: ${fileURLToPath(bundle)} is missing: build it with \`npm run build\`\n`);
  process.exit(1);
}
await import(bundle.href);
