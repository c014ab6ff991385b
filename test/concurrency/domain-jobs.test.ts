// Per-domain jobs over real sockets: one write per domain at a time, reads never wait, bounded wait and queue, job info.
import { DomainJobType, ErrorDomain, ErrorNumber, type Domain } from '@virtwire/client';
import { DomainJobs } from '@virtwire/server';
import { describe, expect, it } from 'vitest';
import { useAsyncDaemon } from './helpers/async-daemon.js';
import { failure } from '../helpers/errors.js';

const ATOMIC = 128;
const snapshotXml = (name: string) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;
const otherDomainXml = `<domain type='test'><name>other</name><memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os>
  <devices><disk type='file' device='disk'><source file='/guest/other.img'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;

/** Tracks whether a promise settled, without awaiting it. */
function watch<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

const create = (dom: Domain, name: string) => dom.connection.call('DomainSnapshotCreateXML', { domain: dom.ref, xml: snapshotXml(name), flags: ATOMIC });

describe('per-domain jobs through the daemon (async driver)', () => {
  const daemon = useAsyncDaemon();
  const { start, client } = daemon;

  it('holds writes on the busy domain only; reads and DomainGetJobInfo answer at once', async () => {
    await start();
    const a = await client();
    const b = await client();
    const test = await a.domainLookupByName('test');
    const other = await a.domainDefineXML(otherDomainXml);
    const idle = await a.call('DomainGetJobInfo', { domain: test.ref });
    expect(idle).toEqual({
      type: DomainJobType.None,
      timeElapsed: 0,
      timeRemaining: 0,
      dataTotal: 0,
      dataProcessed: 0,
      dataRemaining: 0,
      memTotal: 0,
      memProcessed: 0,
      memRemaining: 0,
      fileTotal: 0,
      fileProcessed: 0,
      fileRemaining: 0,
    });

    const held = daemon.driver.hold();
    const first = watch(create(test, 's1'));
    expect(await held.entered).toBe('DomainSnapshotCreateXML');

    const info = await b.call('DomainGetJobInfo', { domain: test.ref });
    expect(info.type).toBe(DomainJobType.Unbounded);
    expect(info.timeElapsed).toBeGreaterThanOrEqual(0);
    expect((await b.call('DomainGetJobInfo', { domain: other.ref })).type).toBe(DomainJobType.None);
    const testOnB = await b.domainLookupByName('test');
    expect(await testOnB.getXMLDesc()).toContain('<name>test</name>');
    expect(await testOnB.snapshotNum()).toBe(0);

    await create(await b.domainLookupByName('other'), 'o1');
    const second = watch(create(testOnB, 's2'));
    await testOnB.getInfo(); // answered after s2 reached the daemon: calls on one socket are read in order
    expect(first.settled()).toBe(false);
    expect(second.settled()).toBe(false);

    held.release();
    expect((await first.promise).name).toBe('s1');
    expect((await second.promise).name).toBe('s2');
    const parent = await a.call('DomainSnapshotGetParent', { snapshot: { name: 's2', domain: test.ref }, flags: 0 });
    expect(parent.name).toBe('s1');
    expect((await a.call('DomainGetJobInfo', { domain: test.ref })).type).toBe(DomainJobType.None);
    expect(daemon.driver.observed.maxPerDomain).toBe(1);
  });

  it('serialises redefining a domain (DomainDefineXML) with the job running on it', async () => {
    await start();
    const a = await client();
    const b = await client();
    const test = await a.domainLookupByName('test');
    const definition = await test.getXMLDesc(2); // VIR_DOMAIN_XML_INACTIVE
    const held = daemon.driver.hold();
    const first = watch(create(test, 's1'));
    expect(await held.entered).toBe('DomainSnapshotCreateXML');

    const redefine = watch(b.domainDefineXML(definition.replace('<vcpu>2</vcpu>', '<vcpu>3</vcpu>')));
    await b.getVersion(); // answered after the define reached the daemon: calls on one socket are read in order
    await new Promise((resolve) => setTimeout(resolve, 20)); // let a reply already on its way settle (it must not exist)
    expect(redefine.settled()).toBe(false);
    const fresh = await b.domainDefineXML(otherDomainXml); // a new domain waits for nothing
    expect(fresh.name).toBe('other');

    held.release();
    expect((await first.promise).name).toBe('s1');
    expect((await redefine.promise).name).toBe('test');
  });

  it("times out a waiting job with libvirt's error and leaves nothing of it behind", async () => {
    await start({ jobWaitMs: 100 });
    const a = await client();
    const b = await client();
    const test = await a.domainLookupByName('test');
    const held = daemon.driver.hold();
    const first = create(test, 's1');
    await held.entered;

    const error = await failure(create(await b.domainLookupByName('test'), 's2'));
    expect(error.code).toBe(ErrorNumber.OperationTimeout);
    expect(error.domain).toBe(ErrorDomain.None);
    expect(error.message).toBe('Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainSnapshotCreateXML)');

    held.release();
    await first;
    const missing = await failure(test.snapshotLookupByName('s2'));
    expect(missing.code).toBe(ErrorNumber.NoDomainSnapshot);
    expect(await test.snapshotNum()).toBe(1);
  });

  it('refuses a job past the per-domain queue bound at once (max_queued)', async () => {
    await start({ maxQueuedJobsPerDomain: 2 });
    const a = await client();
    const test = await a.domainLookupByName('test');
    const held = daemon.driver.hold();
    const first = create(test, 's1');
    await held.entered;
    const second = create(test, 's2');
    const error = await failure(create(test, 's3'));
    expect(error.code).toBe(ErrorNumber.OperationFailed);
    expect(error.message).toBe(
      'operation failed: cannot acquire state change lock (held by monitor=remoteDispatchDomainSnapshotCreateXML) due to max_queued limit',
    );
    held.release();
    await Promise.all([first, second]);
    expect((await test.listAllSnapshots()).map((s) => s.name)).toEqual(['s1', 's2']);
  });

  it('answers DomainGetJobInfo on read-only connections and reports unknown domains as libvirt does', async () => {
    await start();
    const ro = await client({ readOnly: true });
    const test = await ro.domainLookupByName('test');
    expect((await ro.call('DomainGetJobInfo', { domain: test.ref })).type).toBe(DomainJobType.None);
    const error = await failure(ro.call('DomainGetJobInfo', { domain: { ...test.ref, uuid: '00000000-0000-0000-0000-000000000001' } }));
    expect(error.code).toBe(ErrorNumber.NoDomain);
  });
});

describe('DomainJobs', () => {
  it('hands a domain to its oldest waiter; a newcomer cannot overtake it', async () => {
    const jobs = new DomainJobs({ waitMs: 10_000, maxQueued: 10 });
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = jobs.run('d', 'A', () => new Promise<void>((resolve) => (releaseFirst = resolve)).then(() => order.push('A')));
    const second = jobs.run('d', 'B', () => order.push('B'));
    const elsewhere = jobs.run('e', 'C', () => order.push('C'));
    await elsewhere;
    expect(order).toEqual(['C']);
    expect(jobs.current('d')?.owner).toBe('A');
    expect(jobs.queued('d')).toBe(2);
    releaseFirst();
    await first;
    const third = jobs.run('d', 'D', () => order.push('D'));
    await Promise.all([second, third]);
    expect(order).toEqual(['C', 'A', 'B', 'D']);
    expect(jobs.queued('d')).toBe(0);
    expect(jobs.current('d')).toBeUndefined();
  });

  it('releases the domain when the job throws', async () => {
    const jobs = new DomainJobs();
    await expect(jobs.run('d', 'A', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(jobs.queued('d')).toBe(0);
    expect(await jobs.run('d', 'B', () => 42)).toBe(42);
  });
});
