// The built bundles: each binary runs from its bundle alone (no node_modules), loads only what starting needs, and the browser SDK stays lean.
import { connect } from '@virtwire/client';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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
  it('vwsh, copied away from the repository and its node_modules, prints its version and help', async () => {
    cpSync(join(ROOT, 'packages/cli/dist/bundle'), join(dir, 'vwsh'), { recursive: true });
    expect(await node(join(dir, 'vwsh/vwsh.js'), ['--version'])).toEqual({ stdout: '0.1.0\n', stderr: '', code: 0 });
    const help = await node(join(dir, 'vwsh/vwsh.js'), ['help', 'snapshot-list']);
    expect(help.stdout).toContain('snapshot-list - List snapshots for a domain');
    expect(help.code).toBe(0);
  });

  it('virtwired, copied away from the repository (bin, loader, bundle), starts and answers calls, then writes its code cache', async () => {
    const copy = join(dir, 'virtwired');
    cpSync(join(ROOT, 'packages/server/bin/virtwired.js'), join(copy, 'bin/virtwired.js'));
    cpSync(join(ROOT, 'packages/server/dist/code-cached-bundle.js'), join(copy, 'dist/code-cached-bundle.js'));
    cpSync(join(ROOT, 'packages/server/dist/bundle/virtwired.cjs'), join(copy, 'dist/bundle/virtwired.cjs'));
    // Native addons are not bundled (EXTERNAL_PACKAGES): they come from a node_modules, as an installed package has.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const socket = join(dir, 'sock');
    const daemon = spawn(
      process.execPath,
      [
        join(copy, 'bin/virtwired.js'),
        '--unix',
        socket,
        '--unix-ro',
        `${socket}-ro`,
        '--state-dir',
        join(dir, 'state'),
        '--no-local-token',
        '--log-level',
        'info',
      ],
      { cwd: tmpdir(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    daemon.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    try {
      while (!log.includes('virtwired listening')) {
        if (daemon.exitCode !== null) throw new Error(`virtwired exited: ${log}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const conn = await connect(`test+unix:///default?socket=${socket}`);
      const dom = await conn.domainLookupByName('test');
      expect(await conn.getVersion()).toBe(2);
      expect((await dom.getState()).state).toBe(1);
      await conn.close();
      const cacheWritten = () => readdirSync(join(copy, 'dist/bundle')).some((name) => /^virtwired\.cjs\.[\w-]{16}\.cache$/.test(name));
      for (let waited = 0; !cacheWritten() && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(cacheWritten()).toBe(true);
    } finally {
      daemon.kill('SIGTERM');
      await exited;
    }
    expect(log).not.toMatch(/"level":(50|60)/);
  });

  it('a bin whose bundle was not built says so and how to build it', async () => {
    mkdirSync(join(dir, 'bare/bin'), { recursive: true });
    cpSync(join(ROOT, 'packages/cli/bin/vwsh.js'), join(dir, 'bare/bin/vwsh.js'));
    expect(await node(join(dir, 'bare/bin/vwsh.js'), ['--version'])).toEqual({
      stdout: '',
      stderr: `vwsh: ${join(dir, 'bare/dist/bundle/vwsh.js')} is missing: build it with \`npm run build\`\n`,
      code: 1,
    });
    expect(existsSync(join(ROOT, 'packages/cli/dist/bundle/vwsh.js'))).toBe(true);
  });
});

describe('what each bundle loads at start', () => {
  it('vwsh starts without zod and without the XML parser (a chunk loaded by the commands that read XML)', async () => {
    const vwsh = BINARIES.find((b) => b.name === 'vwsh')!;
    const { metafile } = await bundleBinary({ ...vwsh, outdir: join(dir, 'vwsh-composition') });
    const outputs = Object.entries(metafile.outputs).filter(([path]) => !path.endsWith('.map'));
    const entry = outputs.find(([, o]) => o.entryPoint?.endsWith(vwsh.entry))![1];
    expect(packagesIn(entry.inputs)).not.toContain('zod');
    expect(packagesIn(entry.inputs)).not.toContain(XML_PARSER);
    expect(outputs.some(([, o]) => packagesIn(o.inputs).includes('zod'))).toBe(false);
    expect(outputs.some(([, o]) => packagesIn(o.inputs).includes(XML_PARSER))).toBe(true);
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

describe("the SDK's browser bundle", () => {
  it('carries neither zod nor the XML parser up front, and loads the XML parser as its own chunk', async () => {
    const { upFront, lazy } = await bundleBrowserSdk();
    expect(upFront.packages).not.toContain('zod');
    expect(upFront.packages).not.toContain(XML_PARSER);
    expect(lazy.some((chunk) => chunk.packages.includes(XML_PARSER))).toBe(true);
    expect(lazy.some((chunk) => chunk.packages.includes('zod'))).toBe(false);
  });
});
