// vwsh snapshot-revert and snapshot-delete: virsh's messages, "Failed to ..." lines and exit codes, against a real virtwired.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { vwsh } from './helpers/vwsh-transcript.js';

let server: TestDaemon;
beforeEach(async () => {
  server = await startTestDaemon();
  await server.keepDefaultHost();
});
afterEach(async () => {
  await server.close();
});
const run = (chain: string) => vwsh(['-c', server.uri(), chain]);
const THREE = 'snapshot-create-as test s1; snapshot-create-as test s2; snapshot-create-as test s3; ';
const CREATED = 'Domain snapshot s1 created\nDomain snapshot s2 created\nDomain snapshot s3 created\n';

describe('snapshot-revert and snapshot-delete: argument errors and API flag rules', () => {
  it('need a snapshot name or --current, but not both, and report unknown snapshots and domains', async () => {
    const t = await run(
      `${THREE}snapshot-revert test; snapshot-revert test s1 --current; snapshot-delete test; snapshot-delete test nosuch; snapshot-revert nosuch s1`,
    );
    expect(t.stdout).toBe(`${CREATED}\n\n\n\n\n`);
    expect(t.stderr).toBe(
      'error: --snapshotname or --current is required\n' +
        'error: --snapshotname and --current are mutually exclusive\n' +
        'error: --snapshotname or --current is required\n' +
        "error: Domain snapshot not found: no domain snapshot with matching name 'nosuch'\n" +
        "error: failed to get domain 'nosuch'\n",
    );
    expect(t.code).toBe(1);
  });

  it('print "Failed to revert/delete snapshot" before the API error for exclusive flags', async () => {
    const t = await run(`${THREE}snapshot-revert test s1 --running --paused; snapshot-delete test s1 --children --children-only`);
    expect(t.stdout).toBe(`${CREATED}\n\n`);
    expect(t.stderr).toBe(
      'error: Failed to revert snapshot s1\n' +
        "error: Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and 'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive\n" +
        'error: Failed to delete snapshot s1\n' +
        "error: Flags 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN' and 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY' are mutually exclusive\n",
    );
  });
});

// The daemon's DomainRevertToSnapshot and DomainSnapshotDelete are being written on the lifecycle
// branch; these transcripts (virsh 9.0's output for the same command lines) run once it lands.
describe('snapshot-revert and snapshot-delete against a daemon that implements them', () => {
  it('revert prints "Domain snapshot NAME reverted" and the domain takes the requested state', async () => {
    const t = await run(
      `${THREE}snapshot-revert test s1; snapshot-revert test --current; snapshot-revert test s1 --paused; domstate test --reason; snapshot-current test --name; snapshot-revert test s2 --force; domstate test --reason`,
    );
    expect(t.stderr).toBe('');
    expect(t.stdout).toBe(
      `${CREATED}Domain snapshot s1 reverted\n\nDomain snapshot s1 reverted\n\nDomain snapshot s1 reverted\n\npaused (from snapshot)\n\ns1\nDomain snapshot s2 reverted\n\nrunning (from snapshot)\n\n`,
    );
    expect(t.code).toBe(0);
  });

  it('delete re-parents children, deletes children only, the current snapshot, or a whole subtree', async () => {
    const t = await run(
      `${THREE}snapshot-delete test s2; snapshot-list test --parent --name; snapshot-parent test s3; snapshot-delete test s1 --children-only; snapshot-list test --name; snapshot-create-as test s4; snapshot-delete test --current; snapshot-current test --name; snapshot-delete test s1 --children; snapshot-list test --name; snapshot-current test`,
    );
    expect(t.stdout).toBe(
      `${CREATED}Domain snapshot s2 deleted\n\ns1\ns3\n\ns1\nDomain snapshot s1 children deleted\n\ns1\n\nDomain snapshot s4 created\nDomain snapshot s4 deleted\n\ns1\nDomain snapshot s1 deleted\n\n\n\n`,
    );
    expect(t.stderr).toBe("error: domain 'test' has no current snapshot\n");
    expect(t.code).toBe(1);
  });

  it('revert --force is tried without FORCE first and with it only after "revert requires force"', async () => {
    const t = await run(`${THREE}snapshot-revert test s2 --force; snapshot-current test --name`);
    expect(t).toEqual({ stdout: `${CREATED}Domain snapshot s2 reverted\n\ns2\n`, stderr: '', code: 0 });
  });
});
