// What one connection may make the daemon hold for it: every outbound message counted with its overhead, backpressure, bounded batch replies, discard on close.
import { ErrorNumber } from '@virtwire/protocol';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_OVERHEAD_BYTES, OutboundQueue, SOCKET_MESSAGES } from '@virtwire/server/testing';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { captureLog } from './support/log-capture.js';
import { manySnapshotsNode } from './support/many-snapshots.js';
import { openRaw, resultOf, unixUrl, type RawClient, type RawEvent } from '../helpers/raw-client.js';

/** A socket that never finishes a write (a client that does not read), recording what it got. */
function stuckSocket() {
  const sent: string[] = [];
  return { sent, send: (text: string) => void sent.push(text) };
}

describe('OutboundQueue', () => {
  it('counts every message with its overhead, so tiny messages are bounded like large ones', () => {
    const events: string[] = [];
    const queue = new OutboundQueue(stuckSocket(), 100 * (6 + MESSAGE_OVERHEAD_BYTES), {
      pause: () => events.push('pause'),
      resume: () => events.push('resume'),
      overflow: (reason) => events.push(reason),
    });
    let accepted = 0;
    while (queue.push('PONG!!')) accepted++;
    expect(accepted).toBe(100);
    expect(events).toEqual(['pause', `client too slow: more than ${100 * (6 + MESSAGE_OVERHEAD_BYTES)} bytes waiting to be sent`]);
    expect(queue.cost).toBe(SOCKET_MESSAGES * (6 + MESSAGE_OVERHEAD_BYTES));
    expect(queue.push('more')).toBe(false);
  });

  it('hands the socket a few messages at a time, the rest when it has written them, and resumes reading once drained', () => {
    const events: string[] = [];
    const done: Array<() => void> = [];
    const queue = new OutboundQueue({ send: (_text, callback) => void done.push(() => callback()) }, 2_000_000, {
      pause: () => events.push('pause'),
      resume: () => events.push('resume'),
      overflow: () => events.push('overflow'),
    });
    for (let i = 0; i < 1000; i++) queue.push('x'.repeat(1000));
    expect(done.length).toBe(SOCKET_MESSAGES);
    expect(events).toEqual(['pause']);
    while (done.length > 0) done.shift()!();
    expect(queue.cost).toBe(0);
    expect(events).toEqual(['pause', 'resume']);
  });

  it('tells a notification overflow apart: a subscriber too slow', () => {
    const reasons: string[] = [];
    const queue = new OutboundQueue(stuckSocket(), 10_000, { pause: () => undefined, resume: () => undefined, overflow: (r) => reasons.push(r) });
    while (queue.push('{"jsonrpc":"2.0","method":"event"}', 'notification'));
    expect(reasons).toEqual(['subscriber too slow: more than 10000 bytes waiting to be sent']);
  });
});

async function until(condition: () => boolean, rounds = 500): Promise<boolean> {
  for (let i = 0; i < rounds && !condition(); i++) await sleep(10);
  return condition();
}

const rawSocket = (client: RawClient) => (client.ws as unknown as { _socket: Socket })._socket;

describe('a daemon with a small outbound bound', () => {
  let server: TestDaemon;
  let dir: string;
  const log = captureLog();
  const maxOutboundBytes = 256 * 1024;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'virtwire-outbound-'));
    writeFileSync(join(dir, 'big.xml'), manySnapshotsNode(2000, 200));
    server = await startTestDaemon({
      nodeFileRoots: [dir],
      limits: { maxOutboundBytes, maxCallsPerSecond: 1_000_000, callBurst: 1_000_000 },
      logLevel: 'info',
      logStream: log.stream,
    });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes a client that floods PINGs without reading its PONGs once they pass the bound with their overhead', async () => {
    const before = server.daemon.connectionCount();
    const flooder = await openRaw(unixUrl(server.socket));
    rawSocket(flooder).pause();
    // 8,000 PONGs are 48 KB of payload (under the bound) but 4 MB with what each costs the daemon.
    for (let i = 0; i < 8000; i++) flooder.sendText('PING');
    expect(await until(() => server.daemon.connectionCount() === before)).toBe(true);
    expect(log.text()).toContain('outbound queue over its bound; closing');
    rawSocket(flooder).resume();
    flooder.ws.terminate();
  });

  it('holds back a client that stops reading instead of dropping it: it gets every reply once it reads again', async () => {
    const slow = await openRaw(unixUrl(server.socket));
    resultOf(await slow.call('ConnectOpen', { uri: 'test:///default' }));
    const domain = resultOf(await slow.call('DomainLookupByName', { name: 'test' }));
    rawSocket(slow).pause();
    const calls = 2000; // about 1.5 MB of replies: six times the bound
    for (let id = 0; id < calls; id++) slow.sendText(JSON.stringify({ jsonrpc: '2.0', id, method: 'DomainGetXMLDesc', params: { domain } }));
    const other = await openRaw(unixUrl(server.socket));
    resultOf(await other.call('ConnectOpen', { uri: 'test:///default' }));
    expect(resultOf(await other.call('ConnectGetHostname', {}))).toEqual(expect.any(String));
    other.close();
    await sleep(200);
    rawSocket(slow).resume();
    const ids: number[] = [];
    for (let i = 0; i < calls; i++) {
      const event = await slow.next();
      if (event.kind === 'close') throw new Error(`closed after ${ids.length} replies: ${event.code} ${event.reason}`);
      ids.push((event.json as { id: number }).id);
    }
    expect(ids).toEqual(Array.from({ length: calls }, (_, i) => i));
    slow.close();
  });

  it('bounds a batch reply before building it: replies past the bound are VIR_ERR_RPC errors, from the read-only socket too', async () => {
    const client = await openRaw(unixUrl(server.readOnlySocket));
    resultOf(await client.call('ConnectOpen', { uri: `test://${join(dir, 'big.xml')}` }));
    const domain = resultOf(await client.call('DomainLookupByName', { name: 'big' }));
    // Each reply is about 400 KB: 64 of them would be 26 MB.
    client.sendText(JSON.stringify(Array.from({ length: 64 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'DomainListAllSnapshots', params: { domain } }))));
    const reply = (await client.next()) as Extract<RawEvent, { kind: 'message' }>;
    expect(reply.text.length).toBeLessThanOrEqual(maxOutboundBytes);
    const answers = reply.json as Array<{ result?: unknown; error?: { code: number; message: string } }>;
    expect(answers).toHaveLength(64);
    expect(answers.every((a) => a.error?.code === ErrorNumber.Rpc)).toBe(true);
    expect(answers[0]!.error!.message).toMatch(/^An error occurred, but the cause is unknown|reply of at least \d+ bytes does not fit/);
    // A page that fits is answered.
    const page = resultOf(await client.call('DomainListAllSnapshots', { domain, offset: 0, limit: 100 })) as { names: string[] };
    expect(page.names).toHaveLength(100);
    client.close();
  });

  it('a single reply too large for the bound is a VIR_ERR_RPC error, and the connection goes on', async () => {
    const client = await openRaw(unixUrl(server.socket));
    resultOf(await client.call('ConnectOpen', { uri: `test://${join(dir, 'big.xml')}` }));
    const domain = resultOf(await client.call('DomainLookupByName', { name: 'big' }));
    const event = await client.call('DomainListAllSnapshots', { domain });
    expect((event as { json: { error: { code: number } } }).json.error.code).toBe(ErrorNumber.Rpc);
    expect(resultOf(await client.call('ConnectGetVersion', {}))).toBe(2);
    client.close();
  });
});
