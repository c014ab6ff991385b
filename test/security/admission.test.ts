// Nobody locks others out before or after authenticating: idle sockets evict themselves, caps per principal, the read-write socket's owner always gets in, the log cannot be flooded.
import { type DriverCapabilities } from '@virtwire/protocol';
import { generateToken, tokenEntry, type DriverConnection, type DriverMethods, type HypervisorDriver } from '@virtwire/server';
import { testCapabilities } from '@virtwire/server/testing';
import { connect as netConnect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { captureLog } from './support/log-capture.js';
import { openRaw, refusal, resultOf, unixUrl } from '../helpers/raw-client.js';

const bearer = (token: string, localAddress?: string) => ({ headers: { authorization: `Bearer ${token}` }, ...(localAddress ? { localAddress } : {}) });

async function eventually(predicate: () => boolean, tries = 300): Promise<boolean> {
  for (let i = 0; i < tries && !predicate(); i++) await sleep(10);
  return predicate();
}

/** Opens a raw socket that sends nothing, and reports whether the daemon closed it. */
function idleSocket(target: { port: number; localAddress?: string } | { path: string }): Promise<{ socket: Socket; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const socket =
      'path' in target
        ? netConnect({ path: target.path })
        : netConnect({ port: target.port, host: '127.0.0.1', ...(target.localAddress ? { localAddress: target.localAddress } : {}) });
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed: () => closed }));
    socket.once('error', reject);
  });
}

const portOf = (server: TestDaemon) => Number(new URL(server.wsAddress).port);

describe('admission', () => {
  const servers: TestDaemon[] = [];
  const start = async (...args: Parameters<typeof startTestDaemon>) => {
    const server = await startTestDaemon(...args);
    servers.push(server);
    return server;
  };
  afterAll(async () => Promise.all(servers.map((s) => s.close())));

  it('a peer holding every pending slot of the read-only socket does not lock a new client out: its oldest idle socket goes', async () => {
    const server = await start({ limits: { maxPendingConnections: 20 } });
    const idle = await Promise.all(Array.from({ length: 20 }, () => idleSocket({ path: server.readOnlySocket })));
    const client = await openRaw(unixUrl(server.readOnlySocket));
    expect(resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }))).toMatchObject({ readOnly: true });
    expect(idle.filter((s) => s.closed()).length).toBeGreaterThanOrEqual(1);
    client.close();
    for (const s of idle) s.socket.destroy();
  });

  it('the same on the TCP listener, from any loopback address', async () => {
    const server = await start({ limits: { maxPendingConnections: 20 } });
    const idle = await Promise.all(Array.from({ length: 20 }, (_, i) => idleSocket({ port: portOf(server), localAddress: `127.0.0.${2 + (i % 10)}` })));
    const client = await openRaw(server.wsAddress, bearer(TEST_TOKEN));
    expect(resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }))).toMatchObject({ readOnly: false });
    client.close();
    for (const s of idle) s.socket.destroy();
  });

  it('closes a socket that sends nothing within silentSocketTimeoutMs, long before the handshake deadline', async () => {
    const server = await start({ limits: { silentSocketTimeoutMs: 100, handshakeTimeoutMs: 60_000 } });
    const mute = await idleSocket({ path: server.readOnlySocket });
    const talking = await idleSocket({ path: server.readOnlySocket });
    talking.socket.write('GET / HTTP/1.1\r\n');
    expect(await eventually(() => mute.closed())).toBe(true);
    expect(talking.closed()).toBe(false);
    talking.socket.destroy();
  });

  it("caps one token's connections whatever loopback address they come from; other tokens and the owner's socket still get in", async () => {
    const roToken = generateToken();
    const otherToken = generateToken();
    const server = await start({
      tokens: [tokenEntry(roToken, 'ro', 'viewer'), tokenEntry(otherToken, 'ro', 'other')],
      limits: { maxConnectionsPerPrincipal: 5 },
    });
    const held = [];
    for (let i = 0; i < 5; i++) held.push(await openRaw(server.wsAddress, bearer(roToken, `127.0.0.${2 + i}`)));
    expect(await refusal(openRaw(server.wsAddress, bearer(roToken, '127.0.0.11')))).toMatchObject({ status: 503 });
    (await openRaw(server.wsAddress, bearer(otherToken))).close();
    (await openRaw(unixUrl(server.socket))).close();
    for (const c of held) c.close();
  });

  it('keeps the read-write socket open to its owner when TCP and the read-only socket fill maxConnections', async () => {
    const server = await start({ limits: { maxConnections: 4, maxConnectionsPerPrincipal: 100 } });
    const held = [];
    for (let i = 0; i < 2; i++) held.push(await openRaw(server.wsAddress, bearer(TEST_TOKEN, `127.0.0.${3 + i}`)));
    for (let i = 0; i < 2; i++) held.push(await openRaw(unixUrl(server.readOnlySocket)));
    expect(await refusal(openRaw(unixUrl(server.readOnlySocket)))).toMatchObject({ status: 503 });
    const owner = await openRaw(unixUrl(server.socket));
    expect(resultOf(await owner.call('ConnectOpen', { uri: 'test:///default' }))).toMatchObject({ readOnly: false });
    owner.close();
    for (const c of held) c.close();
  });
});

/** A driver whose every call is an internal error with a long stack, the kind that is logged. */
class FailingDriver implements HypervisorDriver {
  readonly scheme = 'failing';
  async open(): Promise<DriverConnection> {
    const methods: DriverMethods = {
      ConnectGetVersion: {
        flags: 0,
        handle: () => {
          throw new Error('boom '.repeat(200));
        },
      },
    };
    const capabilities: DriverCapabilities = testCapabilities('group', methods);
    return {
      uri: 'failing:///',
      capabilities,
      close: async () => undefined,
      methods,
    };
  }
  async shutdown(): Promise<void> {}
}

describe('the log', () => {
  it('takes a bounded trickle from one connection that makes the daemon log on every call', async () => {
    const log = captureLog();
    const server = await startTestDaemon({ logLevel: 'info', logStream: log.stream }, [new FailingDriver()]);
    try {
      const client = await openRaw(unixUrl(server.readOnlySocket));
      resultOf(await client.call('ConnectOpen', { uri: 'failing:///' }));
      const before = log.lines().length;
      for (let i = 0; i < 1000; i++) await client.call('ConnectGetVersion', {});
      const written = log.lines().slice(before);
      // 50 at once, then 5 a second: far fewer than the 1,000 (or 2,000) entries the calls asked for.
      expect(written.length).toBeLessThan(200);
      client.close();
      await sleep(300);
      const again = await openRaw(unixUrl(server.readOnlySocket));
      resultOf(await again.call('ConnectOpen', { uri: 'failing:///' }));
      await again.call('ConnectGetVersion', {});
      expect(log.lines().length).toBeGreaterThan(before + written.length);
      again.close();
    } finally {
      await server.close();
    }
  });
});
