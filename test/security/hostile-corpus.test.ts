// The hostile corpora against a real daemon: each case gets its documented error or close code, and the daemon stays healthy.
import { generateToken, tokenEntry } from '@virtwire/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { loadJsonRpcCases, loadXmlCases, runJsonRpcCase, runXmlCase, type XmlTarget } from './support/hostile-corpus.js';
import { prepareHostileStorage, type HostileStorage } from './support/hostile-storage.js';
import { openRaw, resultOf, unixUrl, type RawClient } from '../helpers/raw-client.js';

const jsonRpcCases = loadJsonRpcCases();
const xmlCases = loadXmlCases();
const readOnlyToken = generateToken();

describe('the hostile corpora', () => {
  let server: TestDaemon;
  let storage: HostileStorage;
  let target: XmlTarget;
  let health: RawClient;
  let listingBefore: string[];

  beforeAll(async () => {
    storage = prepareHostileStorage();
    listingBefore = storage.listing();
    server = await startTestDaemon({
      tokens: [tokenEntry(readOnlyToken, 'ro', 'viewer')],
      storageRoots: [storage.root],
      nodeFileRoots: [storage.nodeDir],
    });
    target = {
      tcpUrl: server.wsAddress,
      token: TEST_TOKEN,
      readOnlyToken,
      readOnlySocket: server.readOnlySocket,
      nodeUri: `test://${storage.nodeFile}`,
      vars: storage.vars,
    };
    health = await openRaw(unixUrl(server.socket));
    resultOf(await health.call('ConnectOpen', { uri: 'test:///default' }));
  });
  afterAll(async () => {
    health?.close();
    await server?.close();
    storage?.remove();
  });

  async function healthy(): Promise<void> {
    expect(resultOf(await health.call('ConnectGetVersion', {}))).toBe(2);
  }

  it(`has at least 150 JSON-RPC cases and 100 XML cases`, () => {
    expect(jsonRpcCases.length).toBeGreaterThanOrEqual(150);
    expect(xmlCases.length).toBeGreaterThanOrEqual(100);
  });

  it('answers every JSON-RPC case as documented, and a health call after each', async () => {
    const failures: string[] = [];
    for (const c of jsonRpcCases) {
      await runJsonRpcCase(target, c).catch((error: Error) => failures.push(error.message));
      await healthy();
    }
    expect(failures).toEqual([]);
  });

  it('answers every XML case as documented, and a health call after each', async () => {
    const failures: string[] = [];
    for (const c of xmlCases) {
      await runXmlCase(target, c).catch((error: Error) => failures.push(error.message));
      await healthy();
    }
    expect(failures).toEqual([]);
  });

  it('created no file anywhere in the storage tree, and left Object.prototype alone', () => {
    expect(storage.listing()).toEqual(listingBefore);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(server.daemon.connectionCount()).toBe(1);
  });
});
