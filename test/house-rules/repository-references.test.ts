// Nothing in the repository points outside it: no path into a workspace beside the clone, and every relative Markdown link resolves.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Every tracked (and not ignored, untracked) text file of the kinds people read: code, docs, config. */
function textFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' });
  return listed
    .split('\n')
    .filter((path) => /\.(ts|js|mjs|cjs|md|json|py|sh)$/.test(path) && !path.endsWith('package-lock.json') && existsSync(join(REPO, path)));
}

/** Paths and names of documents that lived outside the repository while it was young. */
const OUTSIDE = [
  /\.\.\/shared\/\S*\.md/,
  /shared\/DESIGN\.md/,
  /\/work\//,
  /\breference\/[\w-]+\.md/,
  /security-reliability(\.md)?/,
  /qemu-qmp-recipe/,
  /libvirt-snapshot-semantics/,
  /\baesthetics\.md/,
  /\becosystem\.md/,
];

describe('references', () => {
  it('never name a document or path outside the repository', () => {
    const found: string[] = [];
    for (const path of textFiles()) {
      if (path === 'test/house-rules/repository-references.test.ts') continue;
      readFileSync(join(REPO, path), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (OUTSIDE.some((pattern) => pattern.test(line))) found.push(`${path}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it('link only to files that exist, in every Markdown document', () => {
    const broken: string[] = [];
    for (const path of textFiles().filter((p) => p.endsWith('.md'))) {
      for (const match of readFileSync(join(REPO, path), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/i.test(target)) continue;
        if (!existsSync(join(REPO, dirname(path), target))) broken.push(`${path}: ${match[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
