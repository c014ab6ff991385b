#!/usr/bin/env node
// virtwired entry point: runs the bundled daemon (dist/bundle/virtwired.cjs, written by `npm run build`) with V8's code cache.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/bundle/virtwired.cjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write(`virtwired: ${bundle} is missing: build it with \`npm run build\`\n`);
  process.exit(1);
}
const { runCodeCachedBundle } = await import('../dist/code-cached-bundle.js');
runCodeCachedBundle(bundle);
