// What a registry expects of each package, checked without packing: licence, README, repository, engines, access, one version.
import { formatVersion, LIB_VERSION } from '@virtwire/protocol';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[]; license: string };

interface Manifest {
  name: string;
  version: string;
  license?: string;
  repository?: { type: string; url: string; directory: string };
  homepage?: string;
  bugs?: { url: string };
  keywords?: string[];
  engines?: { node: string };
  publishConfig?: { access: string };
  sideEffects?: unknown;
  files?: string[];
  dependencies?: Record<string, string>;
}

const packages = root.workspaces.map((workspace) => ({
  workspace,
  manifest: JSON.parse(readFileSync(join(REPO, workspace, 'package.json'), 'utf8')) as Manifest,
}));

describe('every package', () => {
  it('is MIT licensed, with the root LICENSE beside it and a README', () => {
    expect(root.license).toBe('MIT');
    const licence = readFileSync(join(REPO, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^MIT License/);
    for (const { workspace, manifest } of packages) {
      expect(manifest.license, workspace).toBe('MIT');
      expect(readFileSync(join(REPO, workspace, 'LICENSE'), 'utf8'), `${workspace}/LICENSE`).toBe(licence);
      expect(existsSync(join(REPO, workspace, 'README.md')), `${workspace}/README.md`).toBe(true);
    }
  });

  it('carries the metadata a registry shows, and is published public', () => {
    for (const { workspace, manifest } of packages) {
      expect(manifest.repository, workspace).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/.+\.git$/), directory: workspace });
      expect(manifest.homepage, workspace).toMatch(new RegExp(`/${workspace}#readme$`));
      expect(manifest.bugs?.url, workspace).toMatch(/\/issues$/);
      expect(manifest.keywords?.length, workspace).toBeGreaterThan(2);
      expect(manifest.engines, workspace).toEqual({ node: '>=20' });
      expect(manifest.publishConfig, workspace).toEqual({ access: 'public' });
      expect(manifest.sideEffects, workspace).toBeDefined();
      expect(manifest.files, workspace).toEqual(expect.arrayContaining(['dist', 'src', 'README.md', 'LICENSE']));
    }
  });

  it('has the protocol version, and depends on its siblings at exactly that version', () => {
    const version = formatVersion(LIB_VERSION);
    for (const { workspace, manifest } of packages) {
      expect(manifest.version, workspace).toBe(version);
      for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
        if (name.startsWith('@virtwire/')) expect(range, `${workspace} -> ${name}`).toBe(version);
      }
    }
  });
});
