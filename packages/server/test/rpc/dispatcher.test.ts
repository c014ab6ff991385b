// In-process unit tests of the dispatcher: one request through the pipeline (open, permission, params, flags, request keys, notifications) with the real test driver, no socket.
import { ErrorNumber, JsonRpcErrorCode } from '@virtwire/protocol';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TestDriver } from '../../src/drivers/test-driver/test-driver.js';
import { Dispatcher } from '../../src/rpc/dispatcher.js';
import type { Session } from '../../src/rpc/session.js';
import { confinementPolicy } from '../../src/storage/confinement-policy.js';

const log = pino({ level: 'silent' });

function setup(readOnly = false) {
  const dispatcher = new Dispatcher([new TestDriver({ log, stateDir: '/nonexistent', confinement: confinementPolicy({}) })]);
  const session: Session = { id: 'c1', readOnly, driver: null, opening: false, closed: false, log, principal: 'unit' };
  let id = 0;
  /** Sends one request (a notification with `notify`) and returns the reply. */
  const send = async (method: string, params?: unknown, notify = false) =>
    dispatcher.answer({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }), ...(notify ? {} : { id: ++id }) }, session);
  const errorOf = (reply: JSONRPCResponse | null) => (reply && 'error' in reply ? reply.error : undefined);
  const resultOf = (reply: JSONRPCResponse | null) => (reply && 'result' in reply ? reply.result : undefined);
  return { dispatcher, session, send, errorOf, resultOf };
}

describe('Dispatcher', () => {
  it('refuses driver calls before ConnectOpen, then serves them with the driver ConnectOpen chose', async () => {
    const { send, errorOf, resultOf } = setup();
    expect(errorOf(await send('DomainLookupByName', { name: 'test' }))).toMatchObject({
      code: ErrorNumber.InternalError,
      message: 'internal error: connection not open',
    });
    expect(resultOf(await send('ConnectOpen', { uri: 'test:///default' }))).toMatchObject({ uri: 'test:///default', readOnly: false });
    expect(resultOf(await send('DomainLookupByName', { name: 'test' }))).toMatchObject({ name: 'test', id: 1 });
    // a second ConnectOpen on the same session is refused
    expect(errorOf(await send('ConnectOpen', { uri: 'test:///default' }))).toMatchObject({ message: 'internal error: connection already open' });
  });

  it('answers unknown methods with -32601, and notifications (no id) with nothing, $/cancelRequest included', async () => {
    const { send, errorOf } = setup();
    expect(errorOf(await send('NoSuchMethod', {}))).toMatchObject({ code: JsonRpcErrorCode.MethodNotFound });
    expect(await send('NoSuchMethod', {}, true)).toBeNull();
    expect(await send('$/cancelRequest', { id: 1 }, true)).toBeNull();
    expect(errorOf(await send('$/cancelRequest', { id: 1 }))).toMatchObject({ code: JsonRpcErrorCode.MethodNotFound });
    await send('ConnectOpen', { uri: 'test:///default' });
    expect(await send('ConnectGetVersion', {}, true)).toBeNull();
  });

  it('checks params by the method schema (-32602) before anything runs', async () => {
    const { send, errorOf } = setup();
    await send('ConnectOpen', { uri: 'test:///default' });
    expect(errorOf(await send('DomainLookupByName', { name: 'test', extra: 1 }))).toMatchObject({ code: JsonRpcErrorCode.InvalidParams });
    expect(errorOf(await send('DomainLookupByName', {}))).toMatchObject({ code: JsonRpcErrorCode.InvalidParams });
    expect(errorOf(await send('DomainSnapshotNum', { domain: { name: 'test', uuid: 'not-a-uuid', id: 1 }, flags: -1 }))).toMatchObject({
      code: JsonRpcErrorCode.InvalidParams,
    });
  });

  it('refuses a write to a read-only session, and flags outside the driver mask with libvirt words', async () => {
    const ro = setup(true);
    await ro.send('ConnectOpen', { uri: 'test:///default' });
    const domain = ro.resultOf(await ro.send('DomainLookupByName', { name: 'test' }));
    expect(ro.errorOf(await ro.send('DomainSuspend', { domain }))).toMatchObject({
      code: ErrorNumber.OperationDenied,
      message: 'operation forbidden: read only access prevents virDomainSuspend',
    });
    const rw = setup();
    await rw.send('ConnectOpen', { uri: 'test:///default' });
    expect(rw.errorOf(await rw.send('DomainSnapshotNum', { domain, flags: 1 << 30 }))).toMatchObject({
      code: ErrorNumber.InvalidArg,
      message: 'unsupported flags (0x40000000) in function testDomainSnapshotNum', // virCheckFlags' words, without the usual prefix
    });
  });

  it('runs a keyed call once: the same key and call answer the first outcome, another call under the key is refused', async () => {
    const { send, errorOf, resultOf } = setup();
    await send('ConnectOpen', { uri: 'test:///default' });
    const domain = resultOf(await send('DomainLookupByName', { name: 'test' }));
    const create = { domain, xml: '<domainsnapshot><name>k</name></domainsnapshot>', flags: 0, requestKey: 'unit-k' };
    const first = resultOf(await send('DomainSnapshotCreateXML', create));
    expect(resultOf(await send('DomainSnapshotCreateXML', create))).toEqual(first);
    expect(resultOf(await send('DomainSnapshotNum', { domain, flags: 0 }))).toBe(1);
    expect(errorOf(await send('DomainSnapshotCreateXML', { ...create, xml: '<domainsnapshot><name>other</name></domainsnapshot>' }))).toMatchObject({
      code: ErrorNumber.InvalidArg,
      message: "invalid argument: request key 'unit-k' was already used for another call",
    });
  });
});
