// The protocol package and the client core must run in browsers: no Node built-ins, no ws.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packages = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const nodeOnly = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'ws']);

describe('browser-safe code', () => {
  const files = [...sources(join(packages, 'protocol/src')), ...sources(join(packages, 'runtime/src')), ...sources(join(packages, 'client/src/core')), join(packages, 'client/src/index.ts')];

  it('covers the files it should', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((f) => [f.slice(packages.length), f]))('%s imports nothing Node-only', (_name, file) => {
    const imports = [...readFileSync(file, 'utf8').matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    expect(imports.filter((i) => nodeOnly.has(i))).toEqual([]);
  });
});
