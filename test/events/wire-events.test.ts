// Events on the wire, against a real virtwired: registration, the notification's exact shape, per-connection numbering, filters and bounds.
import { DomainEventId, ErrorNumber, MAX_EVENT_CALLBACKS_PER_CONNECTION } from '@virtwire/protocol';
import { DomainEventParamsSchema } from '@virtwire/protocol/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRaw, tokenHeaders, type RawClient } from '../helpers/raw-client.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

let server: TestDaemon;
beforeAll(async () => {
  server = await startTestDaemon();
});
afterAll(async () => server?.close());

async function open(address = server.wsAddress, uri = 'test:///default'): Promise<RawClient> {
  const client = await openRaw(address, { headers: tokenHeaders(address) });
  await client.result('ConnectOpen', { uri, flags: 0 });
  return client;
}

/** Notifications received so far (after a round trip, every event emitted before it has arrived: one ordered socket). */
async function notifications(client: RawClient): Promise<Array<Record<string, unknown>>> {
  await client.result('ConnectGetVersion', {});
  return client.received.filter((m) => (m as { method?: string }).method === 'DomainEvent').map((m) => (m as { params: Record<string, unknown> }).params);
}

describe('ConnectDomainEventRegisterAny', () => {
  it('delivers lifecycle and snapshot events in order, numbered per connection, to every subscriber', async () => {
    const watcher = await open();
    const actor = await open();
    const lifecycle = (await watcher.result('ConnectDomainEventRegisterAny', { eventID: DomainEventId.Lifecycle })) as number;
    const snapshots = (await watcher.result('ConnectDomainEventRegisterAny', { eventID: DomainEventId.Snapshot })) as number;
    expect(lifecycle).not.toBe(snapshots);
    const domain = (await actor.result('DomainLookupByName', { name: 'test' })) as { uuid: string };
    await actor.result('DomainSuspend', { domain });
    await actor.result('DomainResume', { domain });
    await actor.result('DomainSnapshotCreateXML', { domain, xml: '<domainsnapshot><name>s1</name></domainsnapshot>', flags: 0 });
    await actor.result('DomainRevertToSnapshot', { snapshot: { name: 's1', domain }, flags: 0 });
    await actor.result('DomainSnapshotDelete', { snapshot: { name: 's1', domain }, flags: 0 });
    await actor.result('DomainDestroy', { domain, flags: 0 });
    await actor.result('DomainCreate', { domain, flags: 0 });

    const events = await notifications(watcher);
    for (const event of events) expect(DomainEventParamsSchema.safeParse(event).success).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const summary = events.map((e) => (e.eventID === 0 ? `lifecycle ${e.event} ${e.detail}` : `snapshot ${e.action} ${e.snapshot}`));
    expect(summary).toEqual([
      'lifecycle 3 0', // Suspended Paused
      'lifecycle 4 0', // Resumed Unpaused
      'snapshot created s1',
      'snapshot current-changed s1',
      'lifecycle 5 6', // Stopped Snapshot
      'lifecycle 2 3', // Started Snapshot
      'snapshot reverted s1',
      'snapshot deleted s1',
      'snapshot current-changed null',
      'lifecycle 5 1', // Stopped Destroyed
      'lifecycle 2 0', // Started Booted
    ]);
    expect(events[0]).toEqual({ callbackID: lifecycle, seq: 1, eventID: 0, event: 3, detail: 0, domain: { name: 'test', uuid: domain.uuid, id: 1 } });
    expect(events.filter((e) => e.eventID === DomainEventId.Snapshot).every((e) => e.callbackID === snapshots)).toBe(true);
    // the acting connection subscribed to nothing and got nothing
    expect(await notifications(actor)).toEqual([]);
    watcher.close();
    actor.close();
  });

  it('filters by domain, and sends nothing for a callback once it is deregistered', async () => {
    const watcher = await open();
    const domain = (await watcher.result('DomainLookupByName', { name: 'test' })) as { name: string; uuid: string; id: number };
    const other = (await watcher.result('DomainDefineXML', {
      xml: '<domain type="test"><name>other</name><memory>1024</memory><os><type>hvm</type></os></domain>',
      flags: 0,
    })) as { uuid: string };
    const id = (await watcher.result('ConnectDomainEventRegisterAny', { eventID: 0, domain: other })) as number;
    await watcher.result('DomainSuspend', { domain });
    await watcher.result('DomainResume', { domain });
    await watcher.result('DomainCreate', { domain: other, flags: 0 });
    expect((await notifications(watcher)).map((e) => [e.callbackID, e.event, e.detail])).toEqual([[id, 2, 0]]);
    expect(await watcher.result('ConnectDomainEventDeregisterAny', { callbackID: id })).toBeNull();
    await watcher.result('DomainDestroy', { domain: other, flags: 0 });
    expect(await notifications(watcher)).toHaveLength(1);
    await watcher.result('DomainUndefine', { domain: other, flags: 0 });
    watcher.close();
  });

  it('tells a new definition from an updated one, and an undefine', async () => {
    const client = await open();
    await client.result('ConnectDomainEventRegisterAny', { eventID: 0 });
    const fresh = (await client.result('DomainDefineXML', {
      xml: '<domain type="test"><name>fresh</name><memory>1024</memory><os><type>hvm</type></os></domain>',
      flags: 0,
    })) as { uuid: string };
    const xml = (await client.result('DomainGetXMLDesc', { domain: fresh, flags: 0 })) as string;
    await client.result('DomainDefineXML', { xml, flags: 0 });
    await client.result('DomainUndefine', { domain: fresh, flags: 0 });
    // refused: no event
    await expect(client.result('DomainUndefine', { domain: fresh, flags: 0 })).rejects.toMatchObject({ code: ErrorNumber.NoDomain });
    expect((await notifications(client)).map((e) => [(e.domain as { name: string }).name, e.event, e.detail])).toEqual([
      ['fresh', 0, 0], // Defined Added
      ['fresh', 0, 1], // Defined Updated
      ['fresh', 1, 0], // Undefined Removed
    ]);
    client.close();
  });

  it('lets read-only principals subscribe (they see what read-write callers do)', async () => {
    const reader = await open(`ws+unix:${server.readOnlySocket}:/`);
    const writer = await open();
    await reader.result('ConnectDomainEventRegisterAny', { eventID: 0 });
    const domain = await writer.result('DomainLookupByName', { name: 'test' });
    await writer.result('DomainSuspend', { domain });
    await writer.result('DomainResume', { domain });
    expect((await notifications(reader)).map((e) => [e.event, e.detail])).toEqual([
      [3, 0],
      [4, 0],
    ]);
    reader.close();
    writer.close();
  });

  it('refuses bad ids with libvirt errors, and bounds the callbacks of a connection', async () => {
    const client = await open();
    await expect(client.result('ConnectDomainEventRegisterAny', { eventID: 27 })).rejects.toMatchObject({
      code: ErrorNumber.InvalidArg,
      message: expect.stringContaining('eventID in virConnectDomainEventRegisterAny must be less than 27'),
    });
    await expect(client.result('ConnectDomainEventRegisterAny', { eventID: -1 })).rejects.toMatchObject({ code: ErrorNumber.InvalidArg });
    await expect(client.result('ConnectDomainEventDeregisterAny', { callbackID: 99 })).rejects.toMatchObject({
      message: expect.stringContaining('could not find event callback 99 for deletion'),
    });
    await expect(
      client.result('ConnectDomainEventRegisterAny', { eventID: 0, domain: { name: 'nosuch', uuid: '00000000-0000-0000-0000-000000000001', id: -1 } }),
    ).rejects.toMatchObject({ code: ErrorNumber.NoDomain });
    for (let i = 0; i < MAX_EVENT_CALLBACKS_PER_CONNECTION; i++) await client.result('ConnectDomainEventRegisterAny', { eventID: i % 27 });
    await expect(client.result('ConnectDomainEventRegisterAny', { eventID: 0 })).rejects.toMatchObject({
      message: expect.stringContaining(`too many event callbacks on this connection (at most ${MAX_EVENT_CALLBACKS_PER_CONNECTION})`),
    });
    // ConnectClose drops them all: a new open starts from none
    await client.result('ConnectClose', {});
    await client.result('ConnectOpen', { uri: 'test:///default', flags: 0 });
    expect(await client.result('ConnectDomainEventRegisterAny', { eventID: 0 })).toEqual(expect.any(Number));
    client.close();
  });
});
