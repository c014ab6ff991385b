// A subscriber that stops reading is disconnected (1008, "subscriber too slow") once its events pass the outbound bound; the others get every event.
import { connect, DomainEventId, type DomainEventParams } from '@virtwire/client';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { captureLog } from '../security/support/log-capture.js';
import { openRaw, resultOf, unixUrl, type RawClient } from '../helpers/raw-client.js';

const MAX_OUTBOUND_BYTES = 256 * 1024;
/** Most suspend/resume pairs the writer makes waiting for the slow subscriber to be cut off. */
const MAX_PAIRS = 20_000;

let server: TestDaemon;
const log = captureLog();
const OVERFLOW = 'outbound queue over its bound; closing';
beforeAll(async () => {
  server = await startTestDaemon({
    limits: { maxOutboundBytes: MAX_OUTBOUND_BYTES, maxCallsPerSecond: 1_000_000, callBurst: 1_000_000 },
    logLevel: 'info',
    logStream: log.stream,
  });
  await server.keepDefaultHost();
});
afterAll(async () => server?.close());

const rawSocket = (client: RawClient) => (client.ws as unknown as { _socket: Socket })._socket;

describe('a subscriber that does not read', () => {
  it('(a read-only one) is disconnected with 1008 while the others go on, and what it got before is a gap-free prefix', async () => {
    const slow = await openRaw(unixUrl(server.readOnlySocket));
    resultOf(await slow.call('ConnectOpen', { uri: 'test:///default' }));
    const slowCallback = resultOf(await slow.call('ConnectDomainEventRegisterAny', { eventID: DomainEventId.Lifecycle }));
    const fast = await connect(server.uri());
    const fastEvents: DomainEventParams[] = [];
    await fast.on('lifecycle', (e) => fastEvents.push(e));
    const writer = await connect(server.uri());
    const test = await writer.domainLookupByName('test');
    rawSocket(slow).pause();
    let pairs = 0;
    while (!log.text().includes(OVERFLOW) && pairs < MAX_PAIRS) {
      await test.suspend();
      await test.resume();
      pairs++;
    }
    // the daemon is closing it: its events went past the bound while the others kept being served
    expect(log.text()).toContain(OVERFLOW);
    // it reads again, in time to take the close frame queued behind what it had not read
    rawSocket(slow).resume();
    // a few more changes after it is gone reach the others
    for (let i = 0; i < 10; i++) {
      await test.suspend();
      await test.resume();
    }
    pairs += 10;
    await fast.getVersion();
    expect(fastEvents).toHaveLength(2 * pairs);
    expect(fastEvents.map((e) => e.seq)).toEqual(fastEvents.map((_, i) => i + 1));
    // the events it would have held: far more than the bound, with each message's overhead
    expect(2 * pairs * 512).toBeGreaterThan(MAX_OUTBOUND_BYTES);

    const seqs: number[] = [];
    for (;;) {
      const event = await slow.next();
      if (event.kind === 'close') {
        expect(event.code).toBe(1008);
        expect(event.reason).toBe(`subscriber too slow: more than ${MAX_OUTBOUND_BYTES} bytes waiting to be sent`);
        break;
      }
      const params = (event.json as { method: string; params: DomainEventParams }).params;
      expect(params.callbackID).toBe(slowCallback);
      seqs.push(params.seq);
    }
    // never a silent drop: what arrived is events 1..n, the rest was cut off with the connection
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(seqs.length).toBeLessThan(2 * pairs);
    await writer.close();
    await fast.close();
  });
});
