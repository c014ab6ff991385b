// One driver connection per socket: ConnectOpen racing itself (batch, pipelined frames) or the socket's close never leaks one.
import { ErrorNumber, type DriverCapabilities } from '@virtwire/protocol';
import { startDaemon, type Daemon, type DriverConnection, type HypervisorDriver } from '@virtwire/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testCapabilities } from '@virtwire/server/testing';
import { openRaw, resultOf, unixUrl, type RawEvent } from '../helpers/raw-client.js';

/** A driver whose open takes a while, counting the connections it opened and closed. */
class SlowOpenDriver implements HypervisorDriver {
  readonly scheme = 'slow';
  opened = 0;
  closed = 0;
  async open(): Promise<DriverConnection> {
    await sleep(50);
    this.opened++;
    const capabilities: DriverCapabilities = testCapabilities('group', {});
    return { uri: 'slow:///', capabilities, methods: {}, close: async () => void this.closed++ };
  }
  async shutdown(): Promise<void> {}
}

const open = (id: number) => ({ jsonrpc: '2.0', id, method: 'ConnectOpen', params: { uri: 'slow:///' } });
const outcome = (reply: unknown) => ((reply as { error?: { code: number } }).error ? (reply as { error: { code: number } }).error.code : 'ok');

describe('ConnectOpen', () => {
  const driver = new SlowOpenDriver();
  let daemon: Daemon;
  let dir: string;
  let socket: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'virtwire-open-'));
    socket = join(dir, 'sock');
    daemon = await startDaemon({ listeners: [{ kind: 'unix', path: socket, readOnly: false }], stateDir: join(dir, 'state'), logLevel: 'silent' }, [driver]);
  });
  afterAll(async () => {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    driver.opened = 0;
    driver.closed = 0;
  });

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !condition(); i++) await sleep(10);
  }

  it('twice in one batch: one opens, the other is refused, and closing the socket closes the one connection', async () => {
    const client = await openRaw(unixUrl(socket));
    client.sendText(JSON.stringify([open(1), open(2)]));
    const reply = (await client.next()) as Extract<RawEvent, { kind: 'message' }>;
    expect((reply.json as unknown[]).map(outcome).sort()).toEqual([ErrorNumber.InternalError, 'ok'].sort());
    expect(driver.opened).toBe(1);
    client.close();
    await until(() => driver.closed === 1);
    expect(driver.closed).toBe(1);
  });

  it('twice in two frames sent together: the same', async () => {
    const client = await openRaw(unixUrl(socket));
    client.sendText(JSON.stringify(open(1)));
    client.sendText(JSON.stringify(open(2)));
    const replies = [await client.next(), await client.next()].map((e) => (e as Extract<RawEvent, { kind: 'message' }>).json);
    expect(replies.map(outcome).sort()).toEqual([ErrorNumber.InternalError, 'ok'].sort());
    expect(resultOf(await client.call('ConnectGetURI', {}))).toBe('slow:///');
    client.close();
    await until(() => driver.closed === 1);
    expect([driver.opened, driver.closed]).toEqual([1, 1]);
  });

  it('a socket that closes while its ConnectOpen is under way leaves no driver connection open', async () => {
    const client = await openRaw(unixUrl(socket));
    client.sendText(JSON.stringify(open(1)));
    await sleep(5);
    client.ws.terminate();
    await until(() => driver.opened === 1 && driver.closed === 1);
    expect([driver.opened, driver.closed]).toEqual([1, 1]);
    expect(daemon.connectionCount()).toBe(0);
  });
});
