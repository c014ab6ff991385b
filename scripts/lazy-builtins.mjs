// An esbuild plugin that makes the bundles load chosen Node built-ins on first use: each import of one resolves to an object whose properties load it.
import { builtinModules, createRequire } from 'node:module';

/**
 * Built-ins a binary's common path does not need, though modules it loads at start import them at their
 * top: TLS and HTTPS (ws, for wss:// only), HTTP and net (vwsh's commands that connect nowhere), zlib
 * (ws's compression; the web console's gzip), child processes (the qemu driver, `snapshot-edit`),
 * readline (the interactive shell), assert (sonic-boom, on a failure), worker threads (pino's
 * transports). Each costs Node a compile of its JavaScript when loaded.
 */
export const LAZY_BUILTINS = ['assert', 'child_process', 'http', 'https', 'net', 'readline', 'tls', 'worker_threads', 'zlib'];

const NAMESPACE = 'lazy-builtin';
const require = createRequire(import.meta.url);

/**
 * The module an import of built-in `name` resolves to: an object with one accessor per export of the
 * built-in (the names are this Node's, read when bundling), which requires the built-in the first time
 * any of them is read or written (or, for a built-in that is a function, it is called). Named imports (`import { spawn } from 'node:child_process'`) become
 * reads at the point of use in esbuild's output, so they stay lazy; destructuring at a module's top
 * (`const { spawn } = require('child_process')`) loads the built-in there.
 */
function lazyModuleSource(name) {
  const builtin = require(name);
  const names = Object.keys(builtin).filter((key) => key !== 'default');
  // A built-in that is a function (assert) is stood for by one that calls or constructs it.
  const callable =
    typeof builtin === 'function'
      ? `module.exports = function ${name}(...args) {
  return new.target ? Reflect.construct(load(), args, new.target) : load().apply(this, args);
};
`
      : '';
  return `// Node's "${name}", required on first use (scripts/lazy-builtins.mjs).
let real;
const load = () => (real ??= require("node:${name}"));
${callable}for (const name of ${JSON.stringify(names)}) {
  Object.defineProperty(module.exports, name, {
    enumerable: true,
    get: () => load()[name],
    set: (value) => {
      load()[name] = value;
    },
  });
}
`;
}

/** The plugin: `node:X` and `X` for each of `lazy` resolve to {@link lazyModuleSource}; the real built-in stays external. */
export function lazyBuiltins(lazy = LAZY_BUILTINS) {
  for (const name of lazy) if (!builtinModules.includes(name)) throw new Error(`lazy-builtins: ${name} is not a Node built-in`);
  const filter = new RegExp(`^(node:)?(${lazy.map((name) => name.replace(/[/]/g, '\\/')).join('|')})$`);
  return {
    name: 'lazy-builtins',
    setup(build) {
      build.onResolve({ filter }, (args) => (args.namespace === NAMESPACE ? undefined : { path: args.path.replace(/^node:/, ''), namespace: NAMESPACE }));
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ contents: lazyModuleSource(args.path), loader: 'js' }));
    },
  };
}
