// A binary's bundle runs with V8's code cache: a cache is written once and then used, and a cache made for another bundle is never run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCodeCachedBundle } from '../src/code-cached-bundle.js';

const globals = globalThis as { codeCacheTestRan?: string };
/** The loader as the build writes it beside the daemon's bundle (a process of its own runs it). */
const LOADER = fileURLToPath(new URL('../dist/bundle/code-cached-bundle.cjs', import.meta.url));
let dir: string;
let bundle: string;

/** A bundle as scripts/bundle.mjs writes it (one function expression), recording `mark` when it runs. */
const bundleText = (mark: string) =>
  `(function (exports, require, module, __filename, __dirname) {\n"use strict";\nfunction f() { return ${JSON.stringify(mark)}; }\nglobalThis.codeCacheTestRan = f();\n})\n`;

const caches = () => readdirSync(dir).filter((name) => name.endsWith('.cache'));
const written = () => new Promise((resolve) => setTimeout(resolve, 50));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vw-code-cache-'));
  bundle = join(dir, 'virtwired.cjs');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  delete globals.codeCacheTestRan;
});

describe('runCodeCachedBundle', () => {
  it.each([
    ['an ASCII bundle (decoded as Latin-1)', 'first'],
    ['a bundle with characters beyond ASCII (decoded as UTF-8)', 'caf\u00e9 \u2014 \u{1f600}'],
  ])('runs %s, writes a cache once, and uses it on the next start without writing again', async (_kind, mark) => {
    writeFileSync(bundle, bundleText(mark));
    runCodeCachedBundle(bundle, 0);
    expect(globals.codeCacheTestRan).toBe(mark);
    await written();
    expect(caches()).toHaveLength(1);
    const cache = join(dir, caches()[0]!);
    const madeAt = statSync(cache).mtimeMs;
    globals.codeCacheTestRan = undefined;
    runCodeCachedBundle(bundle, 0);
    await written();
    expect(globals.codeCacheTestRan).toBe(mark);
    // Accepted by V8: no cache written again.
    expect(statSync(cache).mtimeMs).toBe(madeAt);
  });

  it('never runs the cache of an earlier bundle, even one of the same length, and replaces it', async () => {
    writeFileSync(bundle, bundleText('old'));
    runCodeCachedBundle(bundle, 0);
    await written();
    const [old] = caches();
    writeFileSync(bundle, bundleText('new'));
    runCodeCachedBundle(bundle, 0);
    expect(globals.codeCacheTestRan).toBe('new');
    await written();
    expect(caches()).toHaveLength(1);
    expect(caches()[0]).not.toBe(old);
  });

  it('sets the flags meant for after start-up only once its cache is written: the next start (a new process) still accepts that cache', () => {
    // a bundle that stays up past the write, like the daemon
    writeFileSync(bundle, `(function (exports, require, module, __filename, __dirname) {\nsetTimeout(() => {}, 150);\n})\n`);
    const start = () =>
      execFileSync(process.execPath, [
        '-e',
        `require(${JSON.stringify(LOADER)}).runCodeCachedBundle(${JSON.stringify(bundle)}, 20, '--interrupt-budget=1081344')`,
      ]);
    start();
    expect(caches()).toHaveLength(1);
    const cache = join(dir, caches()[0]!);
    const madeAt = statSync(cache).mtimeMs;
    start();
    // Accepted by V8 (its flags are checked with the cache): not written again.
    expect(statSync(cache).mtimeMs).toBe(madeAt);
  });

  it("writes at exit only after a run that exercised something, again after one that exercised what the cache's runs did not, and never after one the cache covers", () => {
    // Like vwsh: `version` runs one small function, `list` and `create` many more each (compiled lazily, so only a cache written after them holds them).
    const many = (prefix: string) =>
      Array.from({ length: 200 }, (_, i) => `function ${prefix}${i}(x) { return [x, ${i}].map((y) => y + 1).join(); }`).join('\n');
    const calls = (prefix: string) => Array.from({ length: 200 }, (_, i) => `${prefix}${i}(${i});`).join(' ');
    writeFileSync(
      bundle,
      `(function (exports, require, module, __filename, __dirname) {\n"use strict";\n${many('l')}\n${many('c')}\nfunction version() { return 1; }\n` +
        `const [command, anyway] = process.argv.slice(1);\n` +
        `if (command === 'list') { ${calls('l')} } else if (command === 'create') { ${calls('c')} } else version();\n` +
        `module.exports = { codeCacheCoverage: command === 'version' ? (anyway === 'cache-anyway' ? [] : undefined) : [command] };\n})\n`,
    );
    const run = (...args: string[]) =>
      execFileSync(process.execPath, ['-e', `require(${JSON.stringify(LOADER)}).runCodeCachedBundle(${JSON.stringify(bundle)}, 'exit')`, ...args]);
    const cache = () => join(dir, caches()[0]!);
    const covers = () => readFileSync(`${cache()}.covers`, 'utf8');
    // What a cache of `version` alone and one of `list` alone hold.
    run('version', 'cache-anyway');
    const versionOnly = statSync(cache()).size;
    rmSync(cache());
    run('list');
    const listOnly = statSync(cache()).size;
    rmSync(cache());
    expect(listOnly).toBeGreaterThan(versionOnly + 10_000);

    run('version');
    expect(caches()).toEqual([]);
    run('list');
    expect(caches()).toHaveLength(1);
    expect(statSync(cache()).size).toBe(listOnly);
    expect(covers()).toBe('list\n');
    const listAt = statSync(cache()).mtimeMs;
    run('list');
    run('version');
    // Accepted by V8 and covering `list` (not written again): these runs ran with the cache of `list`.
    expect(statSync(cache()).mtimeMs).toBe(listAt);
    run('create');
    // Written again by `create`, from the cache of `list`: it holds both.
    expect(covers()).toBe('create\nlist\n');
    expect(statSync(cache()).size).toBeGreaterThan(listOnly + 10_000);
    const bothAt = statSync(cache()).mtimeMs;
    run('list');
    run('create');
    expect(statSync(cache()).mtimeMs).toBe(bothAt);
    expect(readdirSync(dir).sort()).toEqual([basename(bundle), caches()[0], `${caches()[0]}.covers`].sort());
  });

  it('keys the cache by the digest its build wrote into the bundle, and by the time it was modified', async () => {
    const digest = 'AbCdEfGh_-ijklmnopqrst';
    writeFileSync(bundle, `${bundleText('built')}// code-cache-key: ${digest}\n`);
    utimesSync(bundle, 1_000_000, 1_000_000);
    runCodeCachedBundle(bundle, 0);
    expect(globals.codeCacheTestRan).toBe('built');
    await written();
    expect(caches()).toEqual([expect.stringMatching(/^virtwired\.cjs\.AbCdEfGh[0-9a-f]{8}\.cache$/)]);
    const [first] = caches();
    // The same length and the same digest line, edited by hand: another modification time, another cache.
    writeFileSync(bundle, `${bundleText('edits')}// code-cache-key: ${digest}\n`);
    utimesSync(bundle, 2_000_000, 2_000_000);
    runCodeCachedBundle(bundle, 0);
    expect(globals.codeCacheTestRan).toBe('edits');
    await written();
    expect(caches()).toHaveLength(1);
    expect(caches()[0]).not.toBe(first);
  });
});
