// Request keys over real sockets: a retried call gets the first outcome or joins the call still running, once per principal and host, with one set of events.
import { connect, nodeWebSocket, ErrorNumber, type Connection, type DomainEventParams, type WebSocketFactory } from '@virtwire/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AsyncTestDriver } from '../concurrency/helpers/async-test-driver.js';
import { failure } from '../helpers/errors.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

let server: TestDaemon;
let driver: AsyncTestDriver;
const open: Connection[] = [];
beforeEach(async () => {
  driver = new AsyncTestDriver({ maxYields: 0 });
  server = await startTestDaemon({}, [driver]);
  await server.keepDefaultHost();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await server.close();
});

async function client(uri = server.uri()): Promise<Connection> {
  const conn = await connect(uri);
  open.push(conn);
  return conn;
}

const xml = (name: string) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;

describe('request keys', () => {
  it('answers a retry with the first outcome, result or error, without running the call again', async () => {
    const conn = await client();
    const created: string[] = [];
    await conn.on('snapshot', (e) => {
      if (e.eventID === 1000 && e.action === 'created') created.push(e.snapshot!);
    });
    const test = await conn.domainLookupByName('test');
    const params = { domain: test.ref, xml: xml('k1'), flags: 0, requestKey: 'create-k1' };
    const first = await conn.call('DomainSnapshotCreateXML', params);
    const again = await conn.call('DomainSnapshotCreateXML', params);
    expect(again).toEqual(first);
    expect(await test.snapshotNum()).toBe(1);
    expect(created).toEqual(['k1']);

    // an error is replayed too: the name was taken before the keyed call first ran
    const taken = { domain: test.ref, xml: xml('k1'), flags: 0, requestKey: 'create-k1-again' };
    const error = await failure(conn.call('DomainSnapshotCreateXML', taken));
    expect(error.message).toContain('already exists');
    await (await test.snapshotLookupByName('k1')).delete();
    const replayed = await failure(conn.call('DomainSnapshotCreateXML', taken));
    expect(replayed.message).toBe(error.message);
    expect(await test.snapshotNum()).toBe(0);

    // the same key for another call is refused
    const other = await failure(conn.call('DomainSnapshotCreateXML', { ...params, xml: xml('k2') }));
    expect([other.code, other.message]).toEqual([ErrorNumber.InvalidArg, "invalid argument: request key 'create-k1' was already used for another call"]);
    expect((await failure(conn.call('DomainSuspend', { domain: test.ref, requestKey: 'bad key!' }))).code).toBe(-32602);
  });

  it('a retry on a new connection joins the call its dropped connection left running', async () => {
    let socket: { terminate(): void } | undefined;
    const capture: WebSocketFactory = (url, protocols) => {
      const ws = nodeWebSocket(url, protocols);
      socket = ws as unknown as { terminate(): void };
      return ws;
    };
    const first = await connect(server.uri(), { webSocket: capture });
    const test = await first.domainLookupByName('test');
    const watcher = await client();
    const events: DomainEventParams[] = [];
    await watcher.on('snapshot', (e) => events.push(e));

    const params = { domain: test.ref, xml: xml('slow'), flags: 0, requestKey: 'slow-create' };
    const held = driver.hold();
    const lost = first.call('DomainSnapshotCreateXML', params).then(
      () => 'answered',
      (e: unknown) => (e as Error).name,
    );
    expect(await held.entered).toBe('DomainSnapshotCreateXML');
    socket!.terminate();
    expect(await lost).toBe('ConnectionClosedError');

    const second = await client();
    const retry = second.call('DomainSnapshotCreateXML', params);
    held.release();
    expect(await retry).toMatchObject({ name: 'slow' });
    await watcher.getVersion();
    expect(events.map((e) => (e.eventID === 1000 ? `${e.action} ${e.snapshot}` : ''))).toEqual(['created slow', 'current-changed slow']);
    expect(await (await second.domainLookupByName('test')).snapshotNum()).toBe(1);
  });

  it('keys are per principal: the same key from another principal is another request', async () => {
    const tcp = await client();
    const local = await client(`test+unix:///default?socket=${encodeURIComponent(server.socket)}`);
    const test = await tcp.domainLookupByName('test');
    await tcp.call('DomainSnapshotCreateXML', { domain: test.ref, xml: xml('p1'), flags: 0, requestKey: 'shared' });
    const error = await failure(local.call('DomainSnapshotCreateXML', { domain: test.ref, xml: xml('p1'), flags: 0, requestKey: 'shared' }));
    expect(error.message).toContain('already exists');
  });
});
