// Root test configuration: every package's tests plus the cross-package suite, run against sources.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (pkg: string, entry = 'index.ts') => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@virtwire\/protocol$/, replacement: src('protocol') },
      { find: /^@virtwire\/protocol\/schemas$/, replacement: src('protocol', 'schemas.ts') },
      { find: /^@virtwire\/protocol\/xml$/, replacement: src('protocol', 'xml.ts') },
      { find: /^@virtwire\/runtime$/, replacement: src('runtime') },
      { find: /^@virtwire\/client\/browser$/, replacement: src('client') },
      { find: /^@virtwire\/client\/xml$/, replacement: src('client', 'xml.ts') },
      { find: /^@virtwire\/client$/, replacement: src('client', 'node.ts') },
      { find: /^@virtwire\/server$/, replacement: src('server') },
      { find: /^@virtwire\/server\/testing$/, replacement: src('server', 'testing.ts') },
      { find: /^@virtwire\/server\/qemu-engine$/, replacement: src('server', 'qemu-engine.ts') },
      { find: /^@virtwire\/cli$/, replacement: src('cli') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
