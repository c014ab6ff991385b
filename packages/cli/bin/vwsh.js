#!/usr/bin/env node
// vwsh entry point: runs the bundled shell (dist/bundle/vwsh.cjs, written by `npm run build`) with V8's code cache, written as a command exits.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// CommonJS (bin/package.json), so that starting a command does not set up Node's ES module loader.
const dir = join(__dirname, '../dist/bundle');
const bundle = join(dir, 'vwsh.cjs');
if (!existsSync(bundle)) {
  process.stderr.write(`vwsh: ${bundle} is missing: build it with \`npm run build\`\n`);
  process.exit(1);
}
require(join(dir, 'code-cached-bundle.cjs')).runCodeCachedBundle(bundle, 'exit');
