// vwsh snapshot-list against a real virtwired: virsh's table, names, tree, filters and option conflicts.
import { connect } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { utcTime, vwsh } from './helpers/vwsh-transcript.js';

let server: TestDaemon;
let time: Map<string, string>;
let seconds: Map<string, number>;
const list = (args: string, env?: Record<string, string>) => vwsh(['-c', server.uri(), `snapshot-list test ${args}`], env);

/**
 * The tree s1 -> {s2, s3 -> s4 -> b0}, made the way virsh would make it without revert:
 * snapshot-current moves the current snapshot, and b0 is taken with --halt.
 */
beforeAll(async () => {
  server = await startTestDaemon();
  await server.keepDefaultHost();
  const made = await vwsh([
    '-c',
    server.uri(),
    'snapshot-create-as test s1; snapshot-create-as test s2; snapshot-current test s1; snapshot-create-as test s3; snapshot-create-as test s4; snapshot-create-as test b0 --halt',
  ]);
  expect(made.stderr).toBe('');
  expect(made.stdout).toBe(
    'Domain snapshot s1 created\nDomain snapshot s2 created\nSnapshot s1 set as current\nDomain snapshot s3 created\nDomain snapshot s4 created\nDomain snapshot b0 created\n',
  );
  const conn = await connect(server.uri());
  const domain = await conn.domainLookupByName('test');
  seconds = new Map();
  for (const snapshot of await domain.listAllSnapshots()) {
    seconds.set(snapshot.name, Number(/<creationTime>(\d+)</.exec(await snapshot.getXMLDesc())![1]));
  }
  time = new Map([...seconds].map(([name, s]) => [name, utcTime(s)]));
  await conn.close();
});
afterAll(async () => {
  await server.close();
});

describe('snapshot-list', () => {
  it('prints the table sorted by name, with the Parent column on request', async () => {
    expect((await list('')).stdout).toBe(
      ' Name   Creation Time               State\n' +
        '---------------------------------------------\n' +
        ['b0', 's1', 's2', 's3', 's4'].map((n) => ` ${n}     ${time.get(n)}   running\n`).join('') +
        '\n',
    );
    expect((await list('--no-leaves --parent')).stdout).toBe(
      ' Name   Creation Time               State     Parent\n' +
        '------------------------------------------------------\n' +
        ` s1     ${time.get('s1')}   running   \n` +
        ` s3     ${time.get('s3')}   running   s1\n` +
        ` s4     ${time.get('s4')}   running   s3\n` +
        '\n',
    );
  });

  it('draws the tree exactly as virsh, also from a snapshot', async () => {
    expect((await list('--tree')).stdout).toBe('s1\n  |\n  +- s2\n  +- s3\n      |\n      +- s4\n          |\n          +- b0\n            \n\n');
    expect((await list('--from s1 --tree')).stdout).toBe('s1\n  |\n  +- s2\n  +- s3\n    \n\n');
    expect((await list('--current --tree')).stdout).toBe('b0\n\n\n');
  });

  it('filters roots, leaves, children and descendants, and lists names', async () => {
    expect((await list('--roots')).stdout).toBe(
      ` Name   Creation Time               State\n---------------------------------------------\n s1     ${time.get('s1')}   running\n\n`,
    );
    expect((await list('--leaves --name')).stdout).toBe('b0\ns2\n\n');
    expect((await list('--from s1 --name')).stdout).toBe('s2\ns3\n\n');
    expect((await list('s1 --descendants --name')).stdout).toBe('b0\ns2\ns3\ns4\n\n');
    expect((await list('--current --name')).stdout).toBe('\n');
    expect((await list('--active --name')).stdout).toBe('b0\ns1\ns2\ns3\ns4\n\n');
    expect((await list('--inactive --name')).stdout).toBe('\n');
    expect((await list('--no-metadata')).stdout).toBe(' Name   Creation Time   State\n-------------------------------\n\n');
  });

  it('sizes columns from the rows alone when quiet, as virsh does without a header', async () => {
    expect((await vwsh(['-q', '-c', server.uri(), 'snapshot-list test --roots; list'])).stdout).toBe(` s1   ${time.get('s1')}   running\n`);
  });

  it('prints creation times in the local time zone of TZ', async () => {
    const newYork = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', timeZoneName: 'longOffset' }).format(new Date(seconds.get('s1')! * 1000));
    const offset = /GMT([+-]\d\d):(\d\d)/.exec(newYork)!;
    const run = await list('--roots', { TZ: 'America/New_York' });
    expect(run.stdout).toContain(` ${offset[1]}${offset[2]}   running\n`);
  });

  it('refuses conflicting options with virsh messages, before looking anything up', async () => {
    const cases: [string, string][] = [
      ['--tree --name', 'Options --tree and --name are mutually exclusive'],
      ['--parent --roots', 'Options --parent and --roots are mutually exclusive'],
      ['--parent --tree', 'Options --parent and --tree are mutually exclusive'],
      ['--roots --tree', 'Options --roots and --tree are mutually exclusive'],
      ['--roots --from s1', 'Options --roots and --from are mutually exclusive'],
      ['--roots --current', 'Options --roots and --current are mutually exclusive'],
      ['--leaves --tree', '--leaves and --tree are mutually exclusive'],
      ['--external --tree', '--external and --tree are mutually exclusive'],
      ['--descendants', '--descendants requires either --from or --current'],
      ['--from s1 --current', '--from and --current are mutually exclusive'],
      ['--from nosuch', "Domain snapshot not found: no domain snapshot with matching name 'nosuch'"],
    ];
    for (const [args, message] of cases) {
      expect(await list(args)).toEqual({ stdout: '\n', stderr: `error: ${message}\n`, code: 1 });
    }
    expect(await vwsh(['-c', server.uri(), 'snapshot-list nosuch --tree --name'])).toEqual({
      stdout: '\n',
      stderr: 'error: Options --tree and --name are mutually exclusive\n',
      code: 1,
    });
    expect(await vwsh(['-c', server.uri(), 'snapshot-list nosuch'])).toEqual({ stdout: '\n', stderr: "error: failed to get domain 'nosuch'\n", code: 1 });
  });
});
