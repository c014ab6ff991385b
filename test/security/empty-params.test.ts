// Params over a real daemon: empty params of a method that takes none skip zod, and everything else is still checked by the method's schema, with the same errors.
import { JsonRpcErrorCode } from '@virtwire/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, openRaw, resultOf, unixUrl, type RawClient } from '../helpers/raw-client.js';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

describe('params of methods that take none', () => {
  let server: TestDaemon;
  let client: RawClient;
  beforeAll(async () => {
    server = await startTestDaemon();
    client = await openRaw(unixUrl(server.socket));
    resultOf(await client.call('ConnectOpen', { uri: 'test:///default' }));
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('answers empty and absent params', async () => {
    expect(resultOf(await client.call('ConnectGetVersion', {}))).toBe(2);
    expect(resultOf(await client.call('ConnectGetVersion'))).toBe(2);
    client.sendText('{"jsonrpc":"2.0","id":"raw","method":"ConnectGetVersion","params":{}}');
    expect(resultOf(await client.next())).toBe(2);
  });

  it('refuses any member, a hostile __proto__ or an empty key included, with the schema own message', async () => {
    const refused = async (text: string) => {
      client.sendText(text);
      return errorOf(await client.next());
    };
    const invalid = (key: string) => ({ code: JsonRpcErrorCode.InvalidParams, message: `Invalid params: Unrecognized key: "${key}"` });
    expect(await refused('{"jsonrpc":"2.0","id":1,"method":"ConnectGetVersion","params":{"x":1}}')).toMatchObject(invalid('x'));
    expect(await refused('{"jsonrpc":"2.0","id":2,"method":"ConnectGetVersion","params":{"__proto__":{"x":1}}}')).toMatchObject(invalid('__proto__'));
    expect(await refused('{"jsonrpc":"2.0","id":3,"method":"ConnectGetVersion","params":{"":1}}')).toMatchObject(invalid(''));
    expect(await refused('{"jsonrpc":"2.0","id":4,"method":"ConnectGetURI","params":{"flags":0}}')).toMatchObject(invalid('flags'));
    expect(await refused('{"jsonrpc":"2.0","id":5,"method":"ConnectGetVersion","params":[]}')).toMatchObject({
      code: JsonRpcErrorCode.InvalidParams,
      message: 'Invalid params: params must be given by name',
    });
    expect(await refused('{"jsonrpc":"2.0","id":6,"method":"ConnectGetVersion","params":null}')).toMatchObject({
      code: JsonRpcErrorCode.InvalidRequest,
      message: 'Invalid Request: params must be an object',
    });
  });

  it('still runs the schema on empty params of methods that need members or give defaults', async () => {
    expect(errorOf(await client.call('DomainLookupByName', {}))).toMatchObject({
      code: JsonRpcErrorCode.InvalidParams,
      message: 'Invalid params: name: Invalid input: expected string, received undefined',
    });
    // flags default to 0: the driver sees them and lists every domain
    expect(resultOf(await client.call('ConnectListAllDomains', {}))).toEqual([expect.objectContaining({ name: 'test' })]);
  });
});
