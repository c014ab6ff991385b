// A confinement policy for one operation (each directory resolved once) answers exactly as the shared policy does, and a new operation sees the filesystem anew.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorDomain } from '@virtwire/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confinementPolicy, type ConfinementPolicy } from '../../src/storage/confinement-policy.js';

let top: string;
let root: string;
let outside: string;
beforeEach(() => {
  top = mkdtempSync(join(tmpdir(), 'vw-confine-'));
  root = join(top, 'root');
  outside = join(top, 'outside');
  for (const dir of [root, join(root, 'images'), outside]) mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(root, 'images', 'a.qcow2'), '');
  writeFileSync(join(outside, 'victim.img'), 'precious');
  symlinkSync(join(outside, 'victim.img'), join(root, 'images', 'link.img'));
  symlinkSync(outside, join(root, 'escape'));
  mkdirSync(join(root, 'images', 'dir.img'));
  execFileSync('mkfifo', [join(root, 'images', 'fifo.img')]);
});
afterEach(() => rmSync(top, { recursive: true, force: true }));

/** What a policy answers for `path`: the resolved path and whether it exists, or the error number. */
function answer(policy: ConfinementPolicy, path: string, how: 'existing' | 'creatable'): string {
  try {
    if (how === 'creatable') return `creatable ${policy.creatable(path, 'overlay', ErrorDomain.Qemu)}`;
    const { path: resolved, stat } = policy.existing(path, 'backing', ErrorDomain.Qemu);
    return `existing ${resolved} ${stat ? 'present' : 'absent'}`;
  } catch (error) {
    return `refused ${(error as { code?: number }).code}: ${(error as Error).message}`;
  }
}

describe('a confinement policy for one operation', () => {
  it('answers every path as the shared policy does, each directory resolved once', () => {
    const shared = confinementPolicy({ storageRoots: [root] });
    const operation = shared.forOneOperation();
    const paths = [
      'a.qcow2',
      'new.qcow2',
      'link.img',
      'dir.img',
      'fifo.img',
      '../escape/victim.img',
      '../escape/new.img',
      '../missing/x.img',
      '../../outside/victim.img',
    ];
    for (const how of ['existing', 'creatable'] as const) {
      for (const name of paths) {
        const path = join(root, 'images', name);
        // twice: the second time the operation's policy answers from the directory it resolved
        expect(answer(operation, path, how), `${how} ${name}`).toBe(answer(shared, path, how));
        expect(answer(operation, path, how), `${how} ${name}, again`).toBe(answer(shared, path, how));
      }
    }
  });

  it('does not carry a resolved directory into the next operation', () => {
    const shared = confinementPolicy({ storageRoots: [root] });
    const path = join(root, 'images', 'a.qcow2');
    expect(answer(shared.forOneOperation(), path, 'existing')).toBe(`existing ${path} present`);
    // between two operations the directory is swapped for a link out of the root
    renameSync(join(root, 'images'), join(top, 'moved'));
    symlinkSync(outside, join(root, 'images'));
    expect(answer(shared.forOneOperation(), path, 'existing')).toMatch(/^refused 88: /);
  });
});
