// Per-message bounds over a real daemon: size, fragments, batch, depth, ids, call budget, XML bounds, app-level ping.
import { ErrorDomain, ErrorNumber, JsonRpcErrorCode } from '@virtwire/protocol';
import { startDaemon, type DriverConnection, type DriverMethods, type HypervisorDriver } from '@virtwire/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCapabilities } from '@virtwire/server/testing';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';
import { errorOf, openRaw, resultOf, unixUrl, type RawClient } from '../helpers/raw-client.js';

const limits = { maxFragments: 64, maxXmlBytes: 4096, maxXmlDepth: 8, maxSnapshotDisks: 2, maxBatchLength: 8, maxJsonDepth: 16, maxIdLength: 16 };

describe('message bounds', () => {
  let server: TestDaemon;
  let client: RawClient;
  let domain: unknown;
  beforeAll(async () => {
    server = await startTestDaemon({ limits });
  });
  afterAll(async () => server.close());

  async function opened(): Promise<RawClient> {
    const c = await openRaw(unixUrl(server.socket));
    resultOf(await c.call('ConnectOpen', { uri: 'test:///default' }));
    domain = resultOf(await c.call('DomainLookupByName', { name: 'test' }));
    return c;
  }

  it('closes with 1009 on a message over maxMessageBytes, and serves the next client', async () => {
    client = await opened();
    client.sendText(`{"jsonrpc":"2.0","id":1,"method":"ConnectGetVersion","params":{"pad":"${'x'.repeat(1024 * 1024)}"}}`);
    expect(await client.closed).toMatchObject({ code: 1009 });
    const next = await opened();
    expect(resultOf(await next.call('ConnectGetVersion', {}))).toEqual(expect.any(Number));
    next.close();
  });

  it('closes with 1008 when one message comes in more than maxFragments fragments', async () => {
    client = await opened();
    for (let i = 0; i < 100; i++) client.ws.send(Buffer.from(' '), { fin: false, binary: false });
    client.ws.send(Buffer.from('{}'), { fin: true, binary: false });
    expect(await client.closed).toMatchObject({ code: 1008 });
  });

  it('accepts a message in fewer fragments than the bound', async () => {
    client = await opened();
    const text = '{"jsonrpc":"2.0","id":7,"method":"ConnectGetVersion"}';
    for (const ch of text.slice(0, -1)) client.ws.send(Buffer.from(ch), { fin: false, binary: false });
    client.ws.send(Buffer.from(text.slice(-1)), { fin: true, binary: false });
    expect(resultOf(await client.next())).toEqual(expect.any(Number));
    client.close();
  });

  it('closes with 1003 on a binary frame and 1007 on invalid UTF-8', async () => {
    client = await opened();
    client.ws.send(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ConnectGetVersion"}'), { binary: true });
    expect(await client.closed).toMatchObject({ code: 1003 });
    client = await opened();
    client.ws.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
    expect(await client.closed).toMatchObject({ code: 1007 });
  });

  it('refuses batches, nesting and ids past their bounds with -32600', async () => {
    client = await opened();
    const call = { jsonrpc: '2.0', id: 1, method: 'ConnectGetVersion' };
    client.sendText(JSON.stringify(Array(9).fill(call)));
    expect(errorOf(await client.next())).toMatchObject({ code: -32600, message: 'Invalid Request: batch longer than 8' });
    client.sendText(JSON.stringify(Array(8).fill(call)));
    const replies = (await client.next()) as { json: unknown[] };
    expect(replies.json).toHaveLength(8);
    client.sendText(`{"jsonrpc":"2.0","id":1,"method":"ConnectGetVersion","params":{"a":${'['.repeat(16)}${']'.repeat(16)}}}`);
    expect(errorOf(await client.next())).toMatchObject({ code: -32600, message: 'Invalid Request: nesting deeper than 16' });
    client.sendText(JSON.stringify({ ...call, id: 'x'.repeat(17) }));
    expect(errorOf(await client.next())).toMatchObject({ code: -32600 });
    client.sendText(JSON.stringify({ ...call, id: 'x'.repeat(16) }));
    expect(resultOf(await client.next())).toEqual(expect.any(Number));
    client.sendText('{"jsonrpc":"2.0","id":9007199254740993,"method":"ConnectGetVersion"}');
    expect(errorOf(await client.next())).toMatchObject({ code: -32600 });
    client.close();
  });

  it('answers the app-level PING with PONG, before and after ConnectOpen, and nothing else', async () => {
    const fresh = await openRaw(unixUrl(server.socket));
    fresh.sendText('PING');
    expect(await fresh.next()).toMatchObject({ kind: 'message', text: 'PONG' });
    fresh.sendText('PING ');
    expect(errorOf(await fresh.next())).toMatchObject({ code: JsonRpcErrorCode.ParseError });
    resultOf(await fresh.call('ConnectOpen', {}));
    fresh.sendText('PING');
    expect(await fresh.next()).toMatchObject({ kind: 'message', text: 'PONG' });
    fresh.close();
  });

  describe('XML bounds, checked before any parser runs', () => {
    const snapshot = (body: string) => `<domainsnapshot>${body}</domainsnapshot>`;
    const create = async (xml: string) => errorOf(await client.call('DomainSnapshotCreateXML', { domain, xml, flags: 0 }));
    const created = async (xml: string) => resultOf(await client.call('DomainSnapshotCreateXML', { domain, xml, flags: 0 }));

    it('refuses a document over maxXmlBytes with VIR_ERR_XML_DETAIL', async () => {
      client = await opened();
      const error = await create(snapshot(`<description>${'d'.repeat(4096)}</description>`));
      expect(error).toMatchObject({ code: ErrorNumber.XmlDetail, message: 'XML document is larger than 4096 characters' });
      expect(error.data?.domain).toBe(ErrorDomain.DomainSnapshot);
    });

    it('refuses nesting deeper than maxXmlDepth, and lets depth 8 reach the parser', async () => {
      const deep = (n: number, name: string) => snapshot(`<name>${name}</name>${'<a>'.repeat(n - 1)}${'</a>'.repeat(n - 1)}`);
      expect(await create(deep(9, 'deep9'))).toMatchObject({ code: ErrorNumber.XmlDetail, message: 'XML document is nested deeper than 8 elements' });
      expect(await create(deep(9, 'deep9').replace('<a>', "<a b='/>'>"))).toMatchObject({ code: ErrorNumber.XmlDetail });
      expect(await created(deep(8, 'deep8'))).toMatchObject({ name: 'deep8' });
      expect(await created(`<!-- <a><a><a><a><a><a><a><a><a> -->${deep(8, 'commented')}`)).toMatchObject({ name: 'commented' });
    });

    it('refuses a snapshot with more disks than maxSnapshotDisks', async () => {
      const disks = (n: number) => snapshot(`<disks>${"<disk name='vda' snapshot='no'/>".repeat(n)}</disks>`);
      expect(await create(disks(3))).toMatchObject({
        code: ErrorNumber.XmlError,
        message: 'XML error: snapshot lists 3 disks; this daemon accepts at most 2',
      });
      expect(await create(disks(2))).not.toMatchObject({ code: ErrorNumber.XmlError, message: expect.stringContaining('this daemon accepts') });
      client.close();
    });
  });
});

describe('the call budget (token bucket per connection)', () => {
  let server: TestDaemon;
  beforeAll(async () => {
    server = await startTestDaemon({ limits: { maxCallsPerSecond: 1, callBurst: 6 } });
  });
  afterAll(async () => server.close());

  it('answers calls past the burst with -32029 and never runs them', async () => {
    const flooder = await openRaw(unixUrl(server.socket));
    resultOf(await flooder.call('ConnectOpen', { uri: 'test:///default' }));
    const domain = resultOf(await flooder.call('DomainLookupByName', { name: 'test' }));
    const batch = Array.from({ length: 10 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'DomainSnapshotCreateXML',
      params: { domain, xml: `<domainsnapshot><name>s${i}</name></domainsnapshot>` },
    }));
    flooder.sendText(JSON.stringify(batch));
    const replies = ((await flooder.next()) as { json: Array<{ id: number; result?: unknown; error?: { code: number; message: string } }> }).json;
    expect(replies.filter((r) => r.result).map((r) => r.id)).toEqual([0, 1, 2, 3]);
    expect(replies.filter((r) => r.error).map((r) => r.error)).toEqual(
      Array(6).fill({ code: -32029, message: 'Too many requests: more than 1 calls per second', data: expect.any(Object) }),
    );
    const observer = await openRaw(unixUrl(server.socket));
    resultOf(await observer.call('ConnectOpen', { uri: 'test:///default' }));
    const { names } = resultOf(await observer.call('DomainListAllSnapshots', { domain })) as { names: string[] };
    expect(names.sort()).toEqual(['s0', 's1', 's2', 's3']);
    flooder.close();
    observer.close();
  });
});

describe('calls in flight per connection', () => {
  /** A driver whose ConnectGetVersion waits until the test releases it, counting how many wait at once. */
  class GatedDriver implements HypervisorDriver {
    readonly scheme = 'gated';
    running = 0;
    mostAtOnce = 0;
    private waiting: Array<() => void> = [];
    release(): void {
      for (const go of this.waiting.splice(0)) go();
    }
    async open(): Promise<DriverConnection> {
      const methods: DriverMethods = {
        ConnectGetVersion: {
          flags: 0,
          handle: async () => {
            this.running++;
            this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
            await new Promise<void>((go) => this.waiting.push(go));
            this.running--;
            return 7;
          },
        },
        // answered at once, without a promise
        ConnectGetCapabilities: { flags: 0, handle: () => '<capabilities/>' },
      };
      return { uri: 'gated:///', capabilities: testCapabilities('group', methods), close: async () => undefined, methods };
    }
    async shutdown(): Promise<void> {}
  }

  it('stops reading past maxInFlightPerConnection and resumes as calls finish; compression is never negotiated', async () => {
    const gated = new GatedDriver();
    const dir = mkdtempSync(join(tmpdir(), 'virtwire-inflight-'));
    const daemon = await startDaemon(
      { listeners: [{ kind: 'unix', path: join(dir, 'sock'), readOnly: false }], stateDir: dir, logLevel: 'silent', limits: { maxInFlightPerConnection: 3 } },
      [gated],
    );
    try {
      const client = await openRaw(unixUrl(join(dir, 'sock')), { perMessageDeflate: true });
      expect(client.ws.extensions).toBe('');
      resultOf(await client.call('ConnectOpen', { uri: 'gated:///' }));
      for (let id = 1; id <= 10; id++) client.sendText(JSON.stringify({ jsonrpc: '2.0', id, method: 'ConnectGetVersion' }));
      const answered: number[] = [];
      while (answered.length < 10) {
        while (gated.running < 3 && gated.running < 10 - answered.length) await new Promise((r) => setTimeout(r, 5));
        expect(gated.running).toBe(Math.min(3, 10 - answered.length));
        const batchSize = gated.running;
        gated.release();
        for (let i = 0; i < batchSize; i++) answered.push(((await client.next()) as { json: { id: number } }).json.id);
      }
      expect(gated.mostAtOnce).toBe(3);
      expect(answered.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      client.close();
    } finally {
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a backlog of calls that complete at once, in order, once the calls ahead of them end', async () => {
    const gated = new GatedDriver();
    const dir = mkdtempSync(join(tmpdir(), 'virtwire-inflight-'));
    const daemon = await startDaemon(
      { listeners: [{ kind: 'unix', path: join(dir, 'sock'), readOnly: false }], stateDir: dir, logLevel: 'silent', limits: { maxInFlightPerConnection: 2 } },
      [gated],
    );
    try {
      const client = await openRaw(unixUrl(join(dir, 'sock')));
      resultOf(await client.call('ConnectOpen', { uri: 'gated:///' }));
      // two calls that wait fill the connection's bound; the calls behind them arrive in the same reads and wait in its backlog
      const socket = (client.ws as unknown as { _socket: Socket })._socket;
      socket.cork();
      client.sendText(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ConnectGetVersion' }));
      client.sendText(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ConnectGetVersion' }));
      const queued = 3000;
      for (let id = 3; id < 3 + queued; id++) client.sendText(`{"jsonrpc":"2.0","id":${id},"method":"ConnectGetCapabilities"}`);
      socket.uncork();
      while (gated.running < 2) await new Promise((r) => setTimeout(r, 5));
      gated.release();
      const answered: number[] = [];
      while (answered.length < queued + 2) {
        const event = await client.next();
        expect(event.kind).toBe('message');
        answered.push((event as { json: { id: number } }).json.id);
      }
      const atOnce = answered.filter((id) => id > 2);
      expect(atOnce).toEqual(Array.from({ length: queued }, (_, i) => i + 3));
      expect(answered.filter((id) => id <= 2).sort()).toEqual([1, 2]);
      expect(resultOf(await client.call('ConnectGetCapabilities'))).toBe('<capabilities/>');
      client.close();
    } finally {
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
