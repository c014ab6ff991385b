// virDomainGetJobStats over a real virtwired: the running job's operation and elapsed time, and the last completed job's outcome.
import { connect, DomainGetJobStatsFlags, DomainJobOperation, DomainJobType, ErrorNumber, type Connection } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsyncTestDriver } from '../concurrency/helpers/async-test-driver.js';
import { failure } from '../helpers/errors.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

let server: TestDaemon;
let driver: AsyncTestDriver;
let a: Connection;
let b: Connection;
beforeAll(async () => {
  driver = new AsyncTestDriver({ maxYields: 0 });
  server = await startTestDaemon({}, [driver]);
  a = await connect(server.uri('/default'));
  b = await connect(server.uri('/default'));
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await server?.close();
});

describe('DomainGetJobStats', () => {
  it('reports the running job, then the completed one, then a failed one with its message', async () => {
    const test = await a.domainLookupByName('test');
    const stats = (flags = 0) => b.call('DomainGetJobStats', { domain: test.ref, flags });
    expect(await stats()).toEqual({ type: DomainJobType.None, params: {} });
    expect(await stats(DomainGetJobStatsFlags.Completed)).toEqual({ type: DomainJobType.None, params: {} });

    const held = driver.hold();
    const creating = test.snapshotCreateXML('<domainsnapshot><name>j1</name></domainsnapshot>');
    expect(await held.entered).toBe('DomainSnapshotCreateXML');
    expect(await stats()).toEqual({ type: DomainJobType.Unbounded, params: { operation: DomainJobOperation.Snapshot, time_elapsed: expect.any(Number) } });
    held.release();
    await creating;
    expect(await stats()).toEqual({ type: DomainJobType.None, params: {} });
    expect(await stats(DomainGetJobStatsFlags.Completed)).toEqual({
      type: DomainJobType.Completed,
      params: { operation: DomainJobOperation.Snapshot, time_elapsed: expect.any(Number), success: true },
    });

    const error = await failure(test.snapshotCreateXML('<domainsnapshot><name>j1</name></domainsnapshot>'));
    expect(await stats(DomainGetJobStatsFlags.Completed)).toEqual({
      type: DomainJobType.Failed,
      params: { operation: DomainJobOperation.Snapshot, time_elapsed: expect.any(Number), success: false, errmsg: error.message },
    });
    await (await test.snapshotLookupByName('j1')).delete();
    expect((await stats(DomainGetJobStatsFlags.Completed)).params.operation).toBe(DomainJobOperation.SnapshotDelete);
  });

  it("DomainAbortJob: refused with no job, and for a job that cannot be aborted (the test driver's)", async () => {
    const test = await a.domainLookupByName('test');
    const idle = await failure(b.call('DomainAbortJob', { domain: test.ref }));
    expect([idle.code, idle.message]).toEqual([ErrorNumber.OperationInvalid, 'Requested operation is not valid: no job is active on the domain']);
    const held = driver.hold();
    const creating = test.snapshotCreateXML('<domainsnapshot><name>j2</name></domainsnapshot>');
    expect(await held.entered).toBe('DomainSnapshotCreateXML');
    const refused = await failure(b.call('DomainAbortJob', { domain: test.ref }));
    expect(refused.code).toBe(ErrorNumber.OperationInvalid);
    expect(refused.message).toContain('cannot be aborted');
    held.release();
    expect((await creating).name).toBe('j2');
  });

  it("refuses unknown flags and unknown domains with libvirt's errors", async () => {
    const test = await a.domainLookupByName('test');
    expect((await failure(a.call('DomainGetJobStats', { domain: test.ref, flags: 4 }))).code).toBe(ErrorNumber.InvalidArg);
    const ghost = { name: 'ghost', uuid: '00000000-0000-0000-0000-0000000000aa', id: -1 };
    expect((await failure(a.call('DomainGetJobStats', { domain: ghost, flags: 0 }))).code).toBe(ErrorNumber.NoDomain);
  });
});
