#!/usr/bin/env node
// virtwired entry point: runs the bundled daemon (dist/bundle/virtwired.cjs, written by `npm run build`) with V8's code cache.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// CommonJS (bin/package.json), so that starting the daemon does not set up Node's ES module loader.
const dir = join(__dirname, '../dist/bundle');
const bundle = join(dir, 'virtwired.cjs');
if (!existsSync(bundle)) {
  process.stderr.write(`virtwired: ${bundle} is missing: build it with \`npm run build\`\n`);
  process.exit(1);
}
require(join(dir, 'code-cached-bundle.cjs')).runCodeCachedBundle(bundle);
