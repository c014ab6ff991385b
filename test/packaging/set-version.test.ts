// scripts/set-version.mjs, on a copy of the manifests: one version everywhere, siblings pinned to it, LIB_VERSION encoded.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(REPO, 'scripts/set-version.mjs');
const run = promisify(execFile);
const WORKSPACES = ['protocol', 'runtime', 'client', 'server', 'cli', 'web'];

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'virtwire-version-'));
  for (const file of ['package.json', 'packages/protocol/src/version.ts', ...WORKSPACES.map((w) => `packages/${w}/package.json`)]) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    cpSync(join(REPO, file), join(root, file));
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('sets the version of every package, their sibling dependencies and LIB_VERSION', async () => {
  await run(process.execPath, [SCRIPT, '2.13.7', '--root', root, '--no-lock']);
  for (const workspace of WORKSPACES) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', workspace, 'package.json'), 'utf8')) as {
      version: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(manifest.version, workspace).toBe('2.13.7');
    for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }))
      if (name.startsWith('@virtwire/')) expect(range, `${workspace} -> ${name}`).toBe('2.13.7');
  }
  expect(readFileSync(join(root, 'packages/protocol/src/version.ts'), 'utf8')).toContain('export const LIB_VERSION = 2_013_007;');
});

it('refuses a version libvirt cannot encode', async () => {
  for (const bad of ['1.2', '1.1000.0', 'v1.2.3']) await expect(run(process.execPath, [SCRIPT, bad, '--root', root, '--no-lock'])).rejects.toThrow(/usage/);
});
