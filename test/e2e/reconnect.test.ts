// The SDK's opt-in reconnection over real sockets: the socket is cut, the connection comes back, subscriptions resume, a keyed call is answered once, others fail, the app is told to refetch.
import {
  connect,
  ConnectionClosedError,
  DomainSnapshotCreateFlags as Create,
  ErrorNumber,
  nodeWebSocket,
  type Connection,
  type DomainEventParams,
  type ReconnectInfo,
  type WebSocketFactory,
} from '@virtwire/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AsyncTestDriver } from '../concurrency/helpers/async-test-driver.js';
import { failure } from '../helpers/errors.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

let server: TestDaemon;
let driver: AsyncTestDriver;
beforeEach(async () => {
  driver = new AsyncTestDriver({ maxYields: 0 });
  server = await startTestDaemon({}, [driver]);
  await server.keepDefaultHost();
});
afterEach(async () => server.close());

/** A connection with reconnection on, whose current socket the test can cut. */
async function cuttable(): Promise<{ conn: Connection; cut: () => void; sockets: () => number }> {
  const sockets: Array<{ terminate(): void }> = [];
  const factory: WebSocketFactory = (url, protocols) => {
    const ws = nodeWebSocket(url, protocols);
    sockets.push(ws as unknown as { terminate(): void });
    return ws;
  };
  const conn = await connect(server.uri(), { webSocket: factory, reconnect: { initialDelayMs: 10, maxAttempts: 50 } });
  return { conn, cut: () => sockets.at(-1)!.terminate(), sockets: () => sockets.length };
}

describe('reconnect', () => {
  it('comes back after a cut: subscriptions resume, a keyed call is answered once, others fail, the app is told', async () => {
    const { conn, cut, sockets } = await cuttable();
    const test = await conn.domainLookupByName('test');
    const events: DomainEventParams[] = [];
    const subscription = await conn.on('lifecycle', (e) => events.push(e));
    const snapshots: string[] = [];
    await conn.on('snapshot', (e) => {
      if (e.eventID === 1000) snapshots.push(`${e.action} ${e.snapshot}`);
    });
    const reconnects: ReconnectInfo[] = [];
    conn.onReconnect((info) => reconnects.push(info));
    let refetch = 0;
    subscription.addEventListener('reconnect', () => refetch++);
    const closed: unknown[] = [];
    conn.onClose((e) => closed.push(e));

    const held = driver.hold();
    const keyed = conn.call('DomainSnapshotCreateXML', {
      domain: test.ref,
      xml: '<domainsnapshot><name>r1</name></domainsnapshot>',
      flags: 0,
      requestKey: 'r1',
    });
    expect(await held.entered).toBe('DomainSnapshotCreateXML');
    const plain = conn.getVersion();
    cut();
    const plainError = await plain.catch((e: unknown) => e);
    expect(ConnectionClosedError.isInstance(plainError)).toBe(true);

    await vi.waitFor(() => expect(reconnects).toHaveLength(1), { timeout: 20_000, interval: 20 });
    expect(sockets()).toBeGreaterThanOrEqual(2);
    expect(refetch).toBe(1);
    held.release();
    expect(await keyed).toMatchObject({ name: 'r1' });
    expect(await test.snapshotNum()).toBe(1);

    await test.suspend();
    await test.resume();
    await conn.getVersion();
    expect(events.map((e) => (e.eventID === 0 ? `${e.event}/${e.detail}` : ''))).toEqual(['3/0', '4/0']);
    // the keyed create ran once: one created event (the new connection's callback)
    expect(snapshots.filter((s) => s === 'created r1')).toHaveLength(1);
    expect(closed).toEqual([]);
    await conn.close();
    expect(closed).toHaveLength(1);
  });

  it('gives up after its attempts and closes for good', async () => {
    const other = await startTestDaemon();
    const conn = await connect(other.uri(), { reconnect: { initialDelayMs: 5, maxDelayMs: 5, maxAttempts: 3 } });
    const closed = new Promise<unknown>((resolve) => conn.onClose(resolve));
    const subscription = await conn.on('lifecycle', () => undefined);
    const iterator = subscription[Symbol.asyncIterator]();
    const next = iterator.next().catch((e: unknown) => e);
    await other.close();
    expect(ConnectionClosedError.isInstance(await closed)).toBe(true);
    expect(await next).toMatchObject({ name: 'ConnectionClosedError' });
    expect(subscription.closed).toBe(true);
  });

  it('comes back across a daemon restart on the same address, with its subscriptions', async () => {
    const first = await startTestDaemon();
    const port = Number(new URL(first.wsAddress).port);
    const conn = await connect(first.uri(), { reconnect: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 400 } });
    const seen: string[] = [];
    await conn.on('lifecycle', (e) => {
      if (e.eventID === 0) seen.push(`${e.domain.name} ${e.event}/${e.detail}`);
    });
    const reconnected = new Promise<ReconnectInfo>((resolve) => conn.onReconnect(resolve));
    await first.close();
    const second = await startTestDaemon({ listeners: [{ kind: 'tcp', host: '127.0.0.1', port }] });
    try {
      const info = await reconnected;
      expect(info.attempt).toBeGreaterThanOrEqual(1);
      const actor = await connect(second.uri());
      const test = await actor.domainLookupByName('test');
      await test.suspend();
      await test.resume();
      await conn.getVersion();
      expect(seen).toEqual(['test 3/0', 'test 4/0']);
      await actor.close();
      await conn.close();
    } finally {
      await second.close();
    }
  });

  it('checks calls against the capabilities of the ConnectOpen that reconnected it', async () => {
    const { conn, cut } = await cuttable();
    const test = await conn.domainLookupByName('test');
    const twoDisks = `<domainsnapshot><name>a1</name><disks><disk name='vda' snapshot='external'/><disk name='vdb' snapshot='external'/></disks></domainsnapshot>`;
    expect(await conn.refusal('DomainSnapshotCreateXML', { domain: test.ref, xml: twoDisks, flags: Create.DiskOnly | Create.Atomic })).toBeUndefined();
    driver.atomicLimit = 1; // the daemon now changes one disk at most atomically
    const back = new Promise((resolve) => conn.onReconnect(resolve));
    cut();
    await back;
    const sent = conn.requestsSent;
    const error = await failure(test.snapshotCreateXML(twoDisks, Create.DiskOnly | Create.Atomic));
    expect([error.code, error.message]).toEqual([
      ErrorNumber.ConfigUnsupported,
      'unsupported configuration: atomic live snapshot of multiple disks is unsupported',
    ]);
    expect(conn.requestsSent).toBe(sent); // refused locally, as before the cut it would have been sent
    await conn.close();
  });
});
