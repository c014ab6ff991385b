#!/usr/bin/env node
// virtwired entry point: runs the bundled daemon (dist/bundle/virtwired.js, written by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/bundle/virtwired.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(`virtwired: ${fileURLToPath(bundle)} is missing: build it with \`npm run build\`\n`);
  process.exit(1);
}
await import(bundle.href);
