// Lint rules, and the import boundaries between packages that `npm test` enforces (cli -> client -> protocol; server -> protocol).
import js from '@eslint/js';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/** Every Node built-in, bare and with the `node:` prefix, plus `ws`: none may reach browser-safe code. */
const nodeOnly = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'ws'];

const byName = 'import a package by its name and public entry points (package.json "exports"), never by path';

/** From a package's sources, tests or benchmarks: paths into any package's sources or build output. */
const reachIns = { group: ['**/packages/**', '**/dist/**', '**/src/**'], message: byName };

/** From a package's own unit tests: its own `../src` is fine, another package's sources are not. */
const reachOutOfPackage = { group: ['**/packages/**', '**/dist/**', '../../*/src/**', '../../../*/src/**'], message: byName };

/** One `no-restricted-imports` rule: the listed modules and patterns are refused with a reason. */
function restrict({ paths = [], patterns = [] }) {
  return { 'no-restricted-imports': ['error', { paths, patterns }] };
}

const browserSafe = (why) => ({ paths: nodeOnly.map((name) => ({ name, message: why })) });

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'coverage/**', 'test/fixtures/**', 'packages/web/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // The codebase uses `!` where a lookup was just checked, and empty catch blocks where a failure is expected.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Refusing control characters in names and paths is deliberate (a security check), not a typo.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
      },
    },
  },
  // The bins are CommonJS (their bin/package.json): a command starts without Node's ES module loader.
  {
    files: ['packages/*/bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // @virtwire/protocol: the contract. Browser-safe, and it imports no other virtwire package.
  {
    files: ['packages/protocol/src/**'],
    rules: restrict({
      ...browserSafe('@virtwire/protocol runs in browsers: no Node built-ins'),
      patterns: [reachIns, { group: ['@virtwire/*'], message: 'the protocol imports no other virtwire package' }],
    }),
  },
  // @virtwire/runtime: run-time helpers shared by every peer, browser-safe, standing on nothing but the language.
  {
    files: ['packages/runtime/src/**'],
    rules: restrict({
      ...browserSafe('@virtwire/runtime runs in browsers: no Node built-ins (take the facts as parameters)'),
      patterns: [reachIns, { group: ['@virtwire/*'], message: 'the runtime helpers import no other virtwire package' }],
    }),
  },
  // The SDK: its core runs in browsers; only node.ts may use Node. It never imports the daemon or the shell.
  {
    files: ['packages/client/src/**'],
    rules: restrict({
      patterns: [
        reachIns,
        { group: ['@virtwire/server', '@virtwire/server/*', '@virtwire/cli', '@virtwire/cli/*'], message: 'the SDK depends on protocol and runtime only' },
      ],
    }),
  },
  {
    files: ['packages/client/src/core/**', 'packages/client/src/index.ts', 'packages/client/src/xml.ts'],
    rules: restrict({
      ...browserSafe("the SDK's core runs in browsers: Node-only code belongs in packages/client/src/node.ts"),
      patterns: [
        reachIns,
        { group: ['@virtwire/server', '@virtwire/server/*', '@virtwire/cli', '@virtwire/cli/*'], message: 'the SDK depends on protocol and runtime only' },
      ],
    }),
  },
  // vwsh talks to daemons through the SDK only, as virsh does through libvirt's public API.
  {
    files: ['packages/cli/src/**'],
    rules: restrict({
      patterns: [
        reachIns,
        {
          group: ['@virtwire/*', '!@virtwire/client', '!@virtwire/client/*'],
          message: 'vwsh imports @virtwire/client only (it re-exports what vwsh needs of the protocol)',
        },
      ],
    }),
  },
  // The web console: a browser page on the SDK's public API (and Preact), nothing of the daemon, the shell or Node.
  {
    files: ['packages/web/src/**'],
    rules: restrict({
      ...browserSafe('the web console runs in browsers: no Node built-ins'),
      patterns: [
        reachIns,
        {
          group: ['@virtwire/*', '!@virtwire/client', '!@virtwire/client/xml'],
          message: "the web console uses the SDK's public API only (@virtwire/client, @virtwire/client/xml)",
        },
      ],
    }),
  },
  // The daemon: never the SDK or the shell; the QEMU engine only through its index.
  {
    files: ['packages/server/src/**'],
    ignores: ['packages/server/src/drivers/qemu/engine/**'],
    rules: restrict({
      patterns: [
        reachIns,
        { group: ['@virtwire/client', '@virtwire/client/*', '@virtwire/cli', '@virtwire/cli/*'], message: 'the daemon depends on protocol and runtime only' },
        { group: ['**/engine/*', '!**/engine/index.js'], message: 'use the QEMU engine through drivers/qemu/engine/index.js only' },
      ],
    }),
  },
  {
    files: ['packages/server/src/drivers/qemu/engine/**'],
    rules: restrict({
      patterns: [
        reachIns,
        { group: ['@virtwire/*'], message: 'the QEMU engine stands alone: it knows nothing of libvirt errors or the daemon' },
        { group: ['../*', '!../engine/*'], message: 'the QEMU engine stands alone: nothing of the driver around it' },
      ],
    }),
  },
  // Tests and benchmarks use the packages as their users do: by name and public entry points.
  {
    files: ['test/**', 'bench/**'],
    rules: restrict({ patterns: [reachIns] }),
  },
  {
    files: ['packages/*/test/**'],
    rules: restrict({ patterns: [reachOutOfPackage] }),
  },
);
