// Per-method behaviour is declared once in the protocol's method table; generic code reads the declaration, never a method's name.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { methods } from '@virtwire/protocol';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The generic layers: the daemon's RPC pipeline, transport and job table, and the SDK's core. */
const GENERIC = ['packages/server/src/rpc', 'packages/server/src/transport', 'packages/server/src/jobs', 'packages/client/src/core'];

/** A comparison of a name with a method's name or libvirt function, e.g. `name === 'DomainDefineXML'`. */
const NAME_TEST = /\b\w+\s*[!=]==\s*'(?:vir)?(?:Domain|Connect|Node|Storage)\w*'|\.startsWith\('(?:vir)?(?:Domain|Connect|Node|Storage)/;

describe('per-method behaviour', () => {
  it('is read from the method table in generic code, not from method names', () => {
    const offenders: string[] = [];
    for (const dir of GENERIC) {
      for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts'))) {
        readFileSync(join(ROOT, dir, file), 'utf8')
          .split('\n')
          .forEach((line, index) => {
            if (NAME_TEST.test(line)) offenders.push(`${dir}/${file}:${index + 1}: ${line.trim()}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });

  it('declares what the pipeline needs: the snapshot create reads its XML before sending, counts its disks, runs as a snapshot job', () => {
    expect(methods.DomainSnapshotCreateXML).toMatchObject({ xml: 'snapshot', precheck: 'atomic-snapshot', jobOperation: 6 });
    expect(methods.DomainDefineXML).toMatchObject({ xml: 'domain', locks: 'defined-domain' });
    const declared = Object.entries(methods).filter(([, spec]) => 'precheck' in spec && spec.precheck !== undefined);
    expect(declared.map(([name]) => name)).toEqual(['DomainSnapshotCreateXML']);
  });
});
