// Cancelling calls ($/cancelRequest, an AbortSignal in the SDK) over real sockets: a call waiting for its domain's job never runs, a running one the driver cannot stop answers as usual.
import { CallAbortedError, DomainState, ErrorDomain, ErrorNumber, JsonRpcErrorCode } from '@virtwire/client';
import { describe, expect, it } from 'vitest';
import { openRaw, tokenHeaders } from '../helpers/raw-client.js';
import { failure } from '../helpers/errors.js';
import { useAsyncDaemon } from './helpers/async-daemon.js';

const snapshotXml = (name: string) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;

describe('cancelling calls', () => {
  const daemon = useAsyncDaemon();
  const { start, client } = daemon;

  it('refuses a call cancelled while it waits for its domain: a snapshot create with the daemon’s answer, any other call at once', async () => {
    await start();
    const a = await client();
    const b = await client();
    const test = await a.domainLookupByName('test');
    const held = daemon.driver.hold();
    const first = test.snapshotCreateXML(snapshotXml('s1'));
    await held.entered;

    // a snapshot create (a job the daemon can abort) waits for the daemon's answer: refused in the queue, it never ran
    const testOnB = await b.domainLookupByName('test');
    const queued = new AbortController();
    const second = failure(testOnB.snapshotCreateXML(snapshotXml('s2'), 0, { signal: queued.signal }));
    await testOnB.getInfo(); // the create reached the daemon and waits
    queued.abort();
    const refused = await second;
    expect([refused.code, refused.domain, refused.message]).toEqual([
      ErrorNumber.OperationAborted,
      ErrorDomain.None,
      'operation aborted: snapshot job: canceled by client',
    ]);

    // any other call fails at once, and the daemon takes it out of the queue too
    const suspend = new AbortController();
    const suspending = failure(b.call('DomainSuspend', { domain: testOnB.ref }, { signal: suspend.signal }));
    await testOnB.getInfo();
    suspend.abort();
    expect(await suspending).toBeInstanceOf(CallAbortedError);
    await b.getVersion(); // the cancel was read before this call: the suspend left the queue

    held.release();
    expect((await first).name).toBe('s1');
    expect((await test.listAllSnapshots()).map((s) => s.name)).toEqual(['s1']);
    expect((await test.getState()).state).toBe(DomainState.Running);
  });

  it('lets a running job that cannot stop (the test driver has no abortable job) answer as usual; a cancelled signal sends nothing', async () => {
    await start();
    const conn = await client();
    const test = await conn.domainLookupByName('test');
    const held = daemon.driver.hold();
    const controller = new AbortController();
    const creating = test.snapshotCreateXML(snapshotXml('kept'), 0, { signal: controller.signal });
    await held.entered;
    controller.abort();
    await conn.getVersion();
    held.release();
    expect((await creating).name).toBe('kept');
    const sent = conn.requestsSent;
    await expect(test.snapshotCreateXML(snapshotXml('never'), 0, { signal: controller.signal })).rejects.toBeInstanceOf(CallAbortedError);
    expect(conn.requestsSent).toBe(sent);
    expect((await test.listAllSnapshots()).map((s) => s.name)).toEqual(['kept']);
  });

  it('takes $/cancelRequest only as a notification: as a request it is an unknown method, and a cancel for no running call changes nothing', async () => {
    await start();
    const raw = await openRaw(daemon.server.wsAddress, { headers: tokenHeaders(daemon.server.wsAddress) });
    try {
      await raw.result('ConnectOpen', { uri: 'test:///default' });
      const asRequest = await raw.call('$/cancelRequest', { id: 1 });
      expect(asRequest.kind === 'message' && (asRequest.json as { error: { code: number } }).error.code).toBe(JsonRpcErrorCode.MethodNotFound);
      for (const params of [{ id: 999 }, { id: 'nope' }, { id: { nested: true } }, null, 'text', [1]]) {
        raw.sendText(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params }));
      }
      expect(await raw.result('ConnectGetVersion', {})).toEqual(expect.any(Number));
    } finally {
      raw.close();
    }
  });
});
