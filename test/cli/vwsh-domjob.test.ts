// vwsh domjobinfo and domjobabort against a real virtwired, in virsh 9.0's format: a held job, the completed one, a failed one.
import { connect, type Connection } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsyncTestDriver } from '../concurrency/helpers/async-test-driver.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { vwsh } from './helpers/vwsh-transcript.js';

let server: TestDaemon;
let driver: AsyncTestDriver;
let conn: Connection;
beforeAll(async () => {
  driver = new AsyncTestDriver({ maxYields: 0 });
  server = await startTestDaemon({}, [driver]);
  conn = await connect(server.uri('/default'));
});
afterAll(async () => {
  await conn?.close();
  await server?.close();
});
const run = (chain: string) => vwsh(['-c', server.uri('/default'), chain]);

describe('vwsh domjobinfo and domjobabort', () => {
  it('prints no job, the running snapshot job, then the completed one read once unless --keep-completed', async () => {
    expect(await run('domjobinfo test; domjobinfo test --completed')).toEqual({
      stdout: 'Job type:         None        \nOperation:        Unknown     \n\nJob type:         None        \nOperation:        Unknown     \n\n',
      stderr: '',
      code: 0,
    });
    const test = await conn.domainLookupByName('test');
    const held = driver.hold();
    const creating = test.snapshotCreateXML('<domainsnapshot><name>vj1</name></domainsnapshot>');
    expect(await held.entered).toBe('DomainSnapshotCreateXML');
    const running = await run('domjobinfo test');
    expect(running.stdout).toMatch(/^Job type: {9}Unbounded {3}\nOperation: {8}Snapshot {4}\nTime elapsed: {5}\d+ +ms\n\n$/);
    expect(running.stdout.split('\n')[2]).toHaveLength('Time elapsed:     '.length + 12 + ' ms'.length);
    const refused = await run('domjobabort test');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: Requested operation is not valid: this job cannot be aborted/);
    held.release();
    await creating;

    const kept = await run('domjobinfo test --completed --keep-completed; domjobinfo --domain test --completed; domjobinfo test --completed');
    const block = /Job type: {9}Completed {3}\nOperation: {8}Snapshot {4}\nTime elapsed: {5}\d+ +ms\n\n/.source;
    expect(kept.stdout).toMatch(new RegExp(`^${block}${block}Job type: {9}None {8}\\nOperation: {8}Unknown {5}\\n\\n$`));
    expect(kept.code).toBe(0);
  });

  it('shows a failed job only with --anystats, with its message; --rawstats prints the typed fields', async () => {
    const test = await conn.domainLookupByName('test');
    await test.snapshotCreateXML('<domainsnapshot><name>vj2</name></domainsnapshot>');
    await expect(test.snapshotCreateXML('<domainsnapshot><name>vj2</name></domainsnapshot>')).rejects.toThrow();
    const failed = await run(
      'domjobinfo test --completed --keep-completed; domjobinfo test --completed --anystats --keep-completed; domjobinfo test --completed --rawstats',
    );
    const [plain, any, ...raw] = failed.stdout.split('\n\n');
    expect(plain).toBe('Job type:         Failed      \nOperation:        Snapshot    ');
    expect(any).toMatch(/^Job type: {9}Failed {6}\nOperation: {8}Snapshot {4}\nTime elapsed: {5}\d+ +ms\nError message: {4}\S.*vj2.*$/);
    expect(raw.join('\n\n')).toMatch(/^Job type: 4\n\noperation: 6\ntime_elapsed: \d+\nsuccess: no\nerrmsg: .*vj2/);
  });

  it('refuses as virsh does: --keep-completed alone, an unknown domain, no job to abort, --postcopy', async () => {
    const t = await run('domjobinfo test --keep-completed');
    expect([t.stdout, t.stderr, t.code]).toEqual(['\n', 'error: Option --completed is required by option --keep-completed\n', 1]);
    expect((await run('domjobinfo nosuch')).stderr).toBe("error: failed to get domain 'nosuch'\n");
    expect((await run('domjobabort test')).stderr).toBe('error: Requested operation is not valid: no job is active on the domain\n');
    expect((await run('domjobabort test --postcopy')).stderr).toBe('error: this function is not supported by the connection driver: virDomainAbortJobFlags\n');
  });
});
