// The random-kill test's verdict on one round, in-process: what an interrupted call may leave behind.
import { describe, expect, it } from 'vitest';
import { compare } from './harness.js';
import type { ObservedDomain } from './invariants.js';
import type { Operation } from './operations.js';

const domain = (defined: boolean): ObservedDomain => ({
  name: 'k1',
  uuid: '00000000-0000-4000-8000-000000000001',
  pid: undefined,
  defined,
  state: 'shutoff',
  snapshots: new Map(),
  current: null,
  chainDepth: 1,
});

/** Undefine, then define again: two calls, the harness's one operation. */
const undefineDefine = (between: boolean): Operation => ({
  kind: 'undefine-define',
  domain: 'k1',
  detail: '',
  changesProcess: false,
  run: async () => undefined,
  after: (b) => ({ ...b, snapshots: new Map(b.snapshots) }),
  ...(between ? { between: (b: ObservedDomain) => ({ ...b, snapshots: new Map(b.snapshots), defined: false }) } : {}),
});

const lost = { type: 'lost', error: new Error('connection closed') } as const;
const daemonKill = { type: 'daemon', delayMs: 24, recoveryKills: 0 } as const;
const verdict = (op: Operation, found: boolean) =>
  compare(op, lost, false, undefined, daemonKill, new Map([['k1', domain(true)]]), new Map([['k1', domain(found)]]));

describe('a round cut by a daemon kill', () => {
  it('accepts an operation of two calls cut between them (seed 1440511409, round 14: undefined after its undefine)', () => {
    expect(verdict(undefineDefine(true), false)).toEqual([]);
    // without the declared state between the calls, the same round was reported as a violation
    expect(verdict(undefineDefine(false), false)).toEqual([expect.stringContaining('neither undone nor done')]);
  });

  it('still accepts only before or after for the rest', () => {
    expect(verdict(undefineDefine(true), true)).toEqual([]);
  });
});
