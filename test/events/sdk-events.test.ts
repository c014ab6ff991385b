// The SDK's typed events against a real virtwired: EventTarget listeners, async iterators, virsh event names, deregistration and the end of a connection.
import { connect, DomainEventId, DomainEventType, type DomainEventParams } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

let server: TestDaemon;
beforeAll(async () => {
  server = await startTestDaemon();
});
afterAll(async () => server?.close());

describe('SDK events', () => {
  it('delivers events to listeners and iterators in order, and nothing after close()', async () => {
    const watcher = await connect(server.uri());
    const actor = await connect(server.uri());
    const test = await actor.domainLookupByName('test');
    const seen: DomainEventParams[] = [];
    const lifecycle = await watcher.on('lifecycle', (event) => seen.push(event));
    const snapshots = await watcher.domainEventRegisterAny(DomainEventId.Snapshot, test);
    const iterator = snapshots[Symbol.asyncIterator]();
    const dispatched: string[] = [];
    snapshots.addEventListener('event', (event) =>
      dispatched.push((event as unknown as { detail: DomainEventParams }).detail.eventID === 1000 ? 'snapshot' : 'other'),
    );

    await test.suspend();
    await test.resume();
    const snap = await test.snapshotCreateXML('<domainsnapshot><name>sdk1</name></domainsnapshot>');
    await snap.delete();
    expect((await iterator.next()).value).toMatchObject({ action: 'created', snapshot: 'sdk1', domain: { name: 'test' } });
    expect((await iterator.next()).value).toMatchObject({ action: 'current-changed', snapshot: 'sdk1' });
    expect((await iterator.next()).value).toMatchObject({ action: 'deleted', snapshot: 'sdk1' });
    expect((await iterator.next()).value).toMatchObject({ action: 'current-changed', snapshot: null });
    expect(dispatched).toEqual(['snapshot', 'snapshot', 'snapshot', 'snapshot']);
    expect(seen.map((e) => (e.eventID === 0 ? [e.event, e.detail] : []))).toEqual([
      [DomainEventType.Suspended, 0],
      [DomainEventType.Resumed, 0],
    ]);
    const seqs = [...seen.map((e) => e.seq)];
    expect(seqs).toEqual([1, 2]);

    await lifecycle.close();
    await test.suspend();
    await test.resume();
    await watcher.getVersion();
    expect(seen).toHaveLength(2);
    expect(lifecycle.closed).toBe(true);

    // the connection closing ends the iterator
    const ended = iterator.next();
    await watcher.close();
    expect(await ended).toEqual({ value: undefined, done: true });
    await actor.close();
  });

  it('refuses an unknown virsh event name, and the daemon refuses an unknown id', async () => {
    const conn = await connect(server.uri());
    await expect(conn.on('bogus', () => undefined)).rejects.toThrow('unknown event type bogus');
    await expect(conn.domainEventRegisterAny(500)).rejects.toMatchObject({ code: 8 });
    await conn.close();
  });

  it('gets the events of a callback that outrun the reply registering it', async () => {
    const watcher = await connect(server.uri());
    const actor = await connect(server.uri());
    const test = await actor.domainLookupByName('test');
    // suspend/resume on the other connection while registering: whatever is emitted after the
    // registration reaches the new subscription, in order, with no gap in seq
    const seen: DomainEventParams[] = [];
    const flips = (async () => {
      for (let i = 0; i < 20; i++) {
        await test.suspend();
        await test.resume();
      }
    })();
    const subscription = await watcher.on('lifecycle', (e) => seen.push(e));
    await flips;
    await watcher.getVersion();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i + 1));
    const kinds = seen.map((e) => (e.eventID === 0 ? e.event : -1));
    for (let i = 1; i < kinds.length; i++) expect(kinds[i]).not.toBe(kinds[i - 1]);
    await subscription.close();
    await watcher.close();
    await actor.close();
  });
});
