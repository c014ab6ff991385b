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
// V8 optimizes a function with TurboFan once it has run about 66 KB of bytecode. In a daemon most code
// runs a few times per operation (a snapshot's planning, XML, journal): compiling it on V8's worker
// threads took about 14-25 ms of CPU per 16-disk snapshot in a fresh daemon, beside the guest's QEMU
// on 2 CPUs, for a main thread no faster. Sixteen times that budget leaves such code to the baseline
// tiers and still optimizes what runs all the time (the call path). bench/README.md, "Eighth round".
const FLAGS_AFTER_START = process.env.VW_NOBUDGET ? undefined : '--interrupt-budget=1081344';
require(join(dir, 'code-cached-bundle.cjs')).runCodeCachedBundle(bundle, undefined, FLAGS_AFTER_START);
