// The built bundles: each binary runs from its bin, loader and bundle alone (no node_modules) with its code cache, loads only what starting needs, and the browser SDK stays lean.
import { connect } from '@virtwire/client';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnVirtwired } from '../helpers/daemon-process.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleBrowserSdk } from '../../scripts/browser-sdk-bundle.mjs';
import { BINARIES, bundleBinary } from '../../scripts/bundle.mjs';

/** The XML parser package (packages/protocol/src/xml/xml-parse.ts): loaded only by the code that reads XML. */
const XML_PARSER = 'saxes';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** Runs `node FILE args` and returns what it printed and its exit status. */
async function node(file: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args], { cwd: tmpdir() });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

/** The third-party packages among esbuild's inputs of one output file. */
function packagesIn(inputs: Record<string, unknown>): string[] {
  return [...new Set(Object.keys(inputs).flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1] ?? []))].sort();
}

let dir: string;
beforeAll(async () => {
  await run('npm', ['run', '--silent', 'build'], { cwd: ROOT });
  dir = mkdtempSync(join(tmpdir(), 'bundles-'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the binaries run from their bundles alone', () => {
  it('vwsh, copied away from the repository and its node_modules (bin, loader, bundle), prints its version and help without writing its code cache, writes it as a command on a connection exits, and runs later commands from it', async () => {
    const copy = join(dir, 'vwsh');
    cpSync(join(ROOT, 'packages/cli/bin'), join(copy, 'bin'), { recursive: true });
    for (const file of ['vwsh.cjs', 'code-cached-bundle.cjs']) cpSync(join(ROOT, 'packages/cli/dist/bundle', file), join(copy, 'dist/bundle', file));
    const vwsh = join(copy, 'bin/vwsh.js');
    const caches = () => readdirSync(join(copy, 'dist/bundle')).filter((name) => /^vwsh\.cjs\.[\w-]{16}\.cache$/.test(name));
    expect(await node(vwsh, ['--version'])).toEqual({ stdout: '0.1.0\n', stderr: '', code: 0 });
    const help = await node(vwsh, ['help', 'snapshot-list']);
    expect(help.stdout).toContain('snapshot-list - List snapshots for a domain');
    expect(help.code).toBe(0);
    const socket = join(dir, 'vwsh-sock');
    expect((await node(vwsh, ['-c', `test+unix:///default?socket=${socket}`, 'list', '--all'])).code).toBe(1);
    // None ran enough of vwsh (a failed connection included) to be worth caching: a cache of theirs would be the one every later command ran with.
    expect(caches()).toEqual([]);
    const daemon = await spawnVirtwired(['--unix', socket, '--unix-ro', `${socket}-ro`, '--state-dir', join(dir, 'vwsh-state'), '--no-local-token']);
    try {
      const list = async () => {
        const listed = await node(vwsh, ['-c', `test+unix:///default?socket=${socket}`, 'list', '--all']);
        expect(listed).toMatchObject({ stderr: '', code: 0 });
        expect(listed.stdout).toMatch(/ 1 +test +running/);
      };
      await list();
      expect(caches()).toHaveLength(1);
      const cache = join(copy, 'dist/bundle', caches()[0]!);
      const madeAt = statSync(cache).mtimeMs;
      await list();
      // The third command ran from the cache `list --all` wrote, so it wrote none.
      expect(caches()).toEqual([basename(cache)]);
      expect(statSync(cache).mtimeMs).toBe(madeAt);
      // A command that cache does not cover writes it again, holding both; then it runs from it too.
      const snapshotList = () => node(vwsh, ['-c', `test+unix:///default?socket=${socket}`, 'snapshot-list', 'test', '--name']);
      expect(await snapshotList()).toMatchObject({ stderr: '', code: 0 });
      expect(readFileSync(`${cache}.covers`, 'utf8')).toBe('list\nsnapshot-list\n');
      const rewrittenAt = statSync(cache).mtimeMs;
      expect(rewrittenAt).toBeGreaterThan(madeAt);
      expect(await snapshotList()).toMatchObject({ stderr: '', code: 0 });
      await list();
      expect(statSync(cache).mtimeMs).toBe(rewrittenAt);
      // A corrupt cache is rejected by V8: the next command on a connection runs from the source and writes a sound cache over it.
      writeFileSync(cache, Buffer.alloc(statSync(cache).size, 0x5a));
      await list();
      expect(caches()).toEqual([basename(cache)]);
      expect(readFileSync(cache).some((byte) => byte !== 0x5a)).toBe(true);
    } finally {
      await daemon.stop();
    }
  });

  it('virtwired, copied away from the repository (bin, loader, bundle), starts and answers calls, then writes its code cache', async () => {
    const copy = join(dir, 'virtwired');
    cpSync(join(ROOT, 'packages/server/bin'), join(copy, 'bin'), { recursive: true });
    for (const file of ['virtwired.cjs', 'code-cached-bundle.cjs']) cpSync(join(ROOT, 'packages/server/dist/bundle', file), join(copy, 'dist/bundle', file));
    // Native addons' compiled bindings are not bundled (ADDON_BINDINGS): they come from a node_modules, as an installed package has.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const socket = join(dir, 'sock');
    const daemon = await spawnVirtwired(
      ['--unix', socket, '--unix-ro', `${socket}-ro`, '--state-dir', join(dir, 'state'), '--no-local-token', '--log-level', 'info'],
      {
        bin: join(copy, 'bin/virtwired.js'),
        cwd: tmpdir(),
      },
    );
    try {
      const conn = await connect(`test+unix:///default?socket=${socket}`);
      const dom = await conn.domainLookupByName('test');
      expect(await conn.getVersion()).toBe(2);
      expect((await dom.getState()).state).toBe(1);
      await conn.close();
      const cacheWritten = () => readdirSync(join(copy, 'dist/bundle')).some((name) => /^virtwired\.cjs\.[\w-]{16}\.cache$/.test(name));
      for (let waited = 0; !cacheWritten() && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(cacheWritten()).toBe(true);
    } finally {
      await daemon.stop();
    }
    expect(daemon.stderr()).not.toMatch(/"level":(50|60)/);
  });

  it('a bin whose bundle was not built says so and how to build it', async () => {
    mkdirSync(join(dir, 'bare'), { recursive: true });
    cpSync(join(ROOT, 'packages/cli/bin'), join(dir, 'bare/bin'), { recursive: true });
    expect(await node(join(dir, 'bare/bin/vwsh.js'), ['--version'])).toEqual({
      stdout: '',
      stderr: `vwsh: ${join(dir, 'bare/dist/bundle/vwsh.cjs')} is missing: build it with \`npm run build\`\n`,
      code: 1,
    });
    expect(existsSync(join(ROOT, 'packages/cli/dist/bundle/vwsh.cjs'))).toBe(true);
  });
});

describe('what each bundle loads at start', () => {
  it('vwsh carries no zod, and evaluates the XML parser only in the commands that read XML (one CommonJS file, for the code cache)', async () => {
    const vwsh = BINARIES.find((b) => b.name === 'vwsh')!;
    const out = join(dir, 'vwsh-composition');
    const { metafile } = await bundleBinary({ ...vwsh, outdir: out });
    const outputs = Object.entries(metafile.outputs).filter(([path]) => !path.endsWith('.map'));
    expect(outputs).toHaveLength(1);
    expect(packagesIn(outputs[0]![1].inputs)).not.toContain('zod');
    expect(packagesIn(outputs[0]![1].inputs)).toContain(XML_PARSER);
    const text = readFileSync(join(out, 'vwsh.cjs'), 'utf8');
    expect(text).toMatch(/^var init_xml_parse = __esm\(/m);
    expect(text).not.toMatch(/^init_xml_parse\(\);/m);
  });

  it('virtwired evaluates its drivers and the XML parser when first needed (one CommonJS file, for the code cache)', async () => {
    const virtwired = BINARIES.find((b) => b.name === 'virtwired')!;
    const out = join(dir, 'virtwired-composition');
    await bundleBinary({ ...virtwired, outdir: out });
    const text = readFileSync(join(out, 'virtwired.cjs'), 'utf8');
    // esbuild wraps a module that is imported dynamically in an init function, called by the import.
    for (const module of ['qemu_driver', 'test_driver', 'xml_parse']) {
      expect(text, module).toMatch(new RegExp(`^var init_${module} = __esm\\(`, 'm'));
      expect(text, module).not.toMatch(new RegExp(`^init_${module}\\(\\);`, 'm'));
    }
    expect(text.startsWith('(function (exports, require, module, __filename, __dirname) {\n"use strict";\n')).toBe(true);
  });
});

describe('the bundles as V8 holds them', () => {
  it('are ASCII, so the source V8 keeps for the life of the process is a one-byte string (a comment copied from zod made it two-byte: 3 MB)', () => {
    for (const { name, outdir } of BINARIES) {
      const bytes = readFileSync(join(ROOT, outdir, `${name}.cjs`));
      const beyond = bytes.findIndex((byte) => byte > 0x7f);
      expect(beyond === -1 ? '' : bytes.subarray(Math.max(0, beyond - 80), beyond + 20).toString('utf8'), name).toBe('');
    }
  });
});

describe("the SDK's browser bundle", () => {
  it('carries neither zod nor the XML parser up front, and loads the XML parser as its own chunk', async () => {
    const { upFront, lazy } = await bundleBrowserSdk();
    expect(upFront.packages).not.toContain('zod');
    expect(upFront.packages).not.toContain(XML_PARSER);
    expect(lazy.some((chunk) => chunk.packages.includes(XML_PARSER))).toBe(true);
    expect(lazy.some((chunk) => chunk.packages.includes('zod'))).toBe(false);
  });
});
