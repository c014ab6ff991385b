// Connection-level bounds over real sockets: heartbeat, idle timeout, slow readers, slowloris, per-peer and total caps, header floods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as netConnect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { captureLog } from './support/log-capture.js';
import { errorOf, openRaw, refusal, resultOf, unixUrl } from '../helpers/raw-client.js';

const bearer = { headers: { authorization: `Bearer ${TEST_TOKEN}` } };

/** Resolves once `predicate` holds, checking after each tick of `step` ms; gives up (returns false) after `tries`. */
async function eventually(predicate: () => boolean, tries = 400, step = 10): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (predicate()) return true;
    await sleep(step);
  }
  return predicate();
}

function tcpPort(server: TestDaemon): number {
  return Number(server.wsAddress.split(':').pop());
}

/** A raw TCP socket that records whether it was closed and what it received. */
function rawSocket(port: number): Promise<{ socket: Socket; closed: () => boolean; received: () => string }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    let closed = false;
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed: () => closed, received: () => received }));
    socket.once('error', reject);
  });
}

describe('heartbeat and idle timeout', () => {
  let server: TestDaemon;
  beforeAll(async () => {
    // Short enough for a quick test, long enough that a loaded machine's event-loop stalls (tens of ms in
    // CI) do not make a pong late: 40 ms intervals dropped an answering client in a clean-clone CI run.
    server = await startTestDaemon({ limits: { heartbeatIntervalMs: 100, idleTimeoutMs: 500 } });
  });
  afterAll(async () => server.close());

  it('drops a client that answers no ping after exactly one unanswered ping, so within two intervals', async () => {
    const silent = await openRaw(unixUrl(server.socket), { autoPong: false });
    const closed = await silent.closed;
    expect(closed.code).toBe(1006);
    expect(silent.pings()).toBe(1);
  });

  it('keeps a client that answers pings, until it has been idle past idleTimeoutMs', async () => {
    const idle = await openRaw(unixUrl(server.socket));
    expect(await idle.closed).toEqual({ code: 1000, reason: 'idle timeout' });
    expect(idle.pings()).toBeGreaterThanOrEqual(3);
  });

  it('keeps a browser-style client that sends the app-level PING, past many idle timeouts', async () => {
    const busy = await openRaw(unixUrl(server.socket));
    let pongs = 0;
    busy.ws.on('message', (data) => {
      if (data.toString() === 'PONG') pongs++;
    });
    let pings = 0;
    busy.ws.on('ping', () => {
      pings++;
      busy.sendText('PING');
    });
    // 20 heartbeats are 2 s: four idle timeouts
    expect(await eventually(() => pings >= 20 || busy.ws.readyState !== busy.ws.OPEN, 10_000)).toBe(true);
    expect(busy.ws.readyState).toBe(busy.ws.OPEN);
    expect(pongs).toBeGreaterThan(15);
    busy.close();
  });
});

describe('a client that stops reading during a flood of replies', () => {
  let server: TestDaemon;
  const log = captureLog();
  beforeAll(async () => {
    server = await startTestDaemon({
      limits: { maxOutboundBytes: 256 * 1024, maxCallsPerSecond: 1_000_000, callBurst: 1_000_000, heartbeatIntervalMs: 300 },
      logLevel: 'info',
      logStream: log.stream,
    });
  });
  afterAll(async () => server.close());

  it('is held back (no more of its calls are read) while another client is served throughout, then dropped by the heartbeat', async () => {
    const open = async () => {
      const c = await openRaw(unixUrl(server.socket));
      resultOf(await c.call('ConnectOpen', { uri: 'test:///default' }));
      return c;
    };
    const reader = await open();
    const flooder = await open();
    const domain = resultOf(await flooder.call('DomainLookupByName', { name: 'test' }));
    (flooder.ws as unknown as { _socket: Socket })._socket.pause();
    const batch = JSON.stringify(Array.from({ length: 64 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'DomainGetXMLDesc', params: { domain } })));
    const before = server.daemon.connectionCount();
    let served = 0;
    // The heartbeat drops the flooder within two intervals; the reader is served all the while. A deadline, not a
    // number of rounds, bounds the wait: on a fast machine 2,000 rounds end before the second heartbeat.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && server.daemon.connectionCount() === before) {
      if (flooder.ws.readyState === flooder.ws.OPEN) flooder.sendText(batch);
      expect(resultOf(await reader.call('ConnectGetVersion', {}))).toEqual(expect.any(Number));
      served++;
    }
    expect(server.daemon.connectionCount()).toBe(before - 1);
    expect(log.text()).toContain('client missed a heartbeat; dropping it');
    expect(log.text()).not.toContain('outbound queue over its bound');
    expect(served).toBeGreaterThan(0);
    expect(resultOf(await reader.call('ConnectGetHostname', {}))).toEqual(expect.any(String));
    reader.close();
  });
});

describe('admission before the upgrade', () => {
  it('bounds handshake slowloris: past the pending budget the oldest silent socket is cut, dribblers at the deadline, then service resumes', async () => {
    const server = await startTestDaemon({ limits: { maxPendingConnections: 4, handshakeTimeoutMs: 300 } });
    try {
      const port = tcpPort(server);
      const request = `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${'X-Pad: y\r\n'.repeat(200)}\r\n`;
      const first = await rawSocket(port);
      const dribblers = await Promise.all(Array.from({ length: 3 }, () => rawSocket(port)));
      const extra = await rawSocket(port);
      expect(await eventually(() => first.closed())).toBe(true);
      expect(extra.closed()).toBe(false);
      dribblers.push(extra);
      let sent = 0;
      while (sent < request.length && !dribblers.every((d) => d.closed())) {
        for (const d of dribblers) if (!d.closed()) d.socket.write(request[sent]!);
        sent++;
        await sleep(5);
      }
      expect(dribblers.every((d) => d.closed())).toBe(true);
      expect(sent).toBeLessThan(request.length);
      const client = await openRaw(server.wsAddress, bearer);
      expect(resultOf(await client.call('ConnectOpen', {}))).toMatchObject({ readOnly: false });
      client.close();
    } finally {
      await server.close();
    }
  });

  it('closes a TCP connection that never sends a byte at the handshake deadline', async () => {
    const server = await startTestDaemon({ limits: { handshakeTimeoutMs: 100 } });
    try {
      const mute = await rawSocket(tcpPort(server));
      expect(await eventually(() => mute.closed())).toBe(true);
      expect(mute.received()).toBe('');
    } finally {
      await server.close();
    }
  });

  it('caps connections per principal (not per loopback address), and frees the slot when one closes', async () => {
    const server = await startTestDaemon({ limits: { maxConnectionsPerPrincipal: 3 } });
    try {
      const clients = await Promise.all([1, 2, 3].map(() => openRaw(server.wsAddress, bearer)));
      expect(await refusal(openRaw(server.wsAddress, bearer))).toMatchObject({ status: 503 });
      const other = await openRaw(unixUrl(server.socket));
      clients[0]!.close();
      await clients[0]!.closed;
      expect(await eventually(() => server.daemon.connectionCount() === 3)).toBe(true);
      const again = await openRaw(server.wsAddress, bearer);
      again.close();
      other.close();
      for (const c of clients.slice(1)) c.close();
    } finally {
      await server.close();
    }
  });

  it("answers 503 past maxConnections, which the read-write socket's owner does not count against", async () => {
    const server = await startTestDaemon({ limits: { maxConnections: 2 } });
    try {
      const a = await openRaw(server.wsAddress, bearer);
      const b = await openRaw(unixUrl(server.readOnlySocket));
      expect(await refusal(openRaw(server.wsAddress, bearer))).toMatchObject({ status: 503 });
      const owner = await openRaw(unixUrl(server.socket));
      a.close();
      b.close();
      owner.close();
    } finally {
      await server.close();
    }
  });

  it('survives a flood of headers that pushes the WebSocket ones past maxHeadersCount (CVE-2024-37890)', async () => {
    const server = await startTestDaemon();
    try {
      const flood = await rawSocket(tcpPort(server));
      const padding = Array.from({ length: 2000 }, (_, i) => `X-${i}: v\r\n`).join('');
      flood.socket.write(
        `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${padding}` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: virtwire.v1\r\n` +
          `Authorization: Bearer ${TEST_TOKEN}\r\n\r\n`,
      );
      expect(await eventually(() => flood.closed())).toBe(true);
      expect(flood.received()).toMatch(/^HTTP\/1\.1 4(00|31) /);
      const client = await openRaw(server.wsAddress, bearer);
      expect(errorOf(await client.call('ConnectGetVersion', {}))).toMatchObject({ code: 1 });
      client.close();
    } finally {
      await server.close();
    }
  });
});
