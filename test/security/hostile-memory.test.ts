// The real virtwired binary under ten passes of the hostile corpora: every answer as documented, RSS bounded, no file created.
import { generateToken, tokenEntry, formatTokenLine } from '@virtwire/server';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJsonRpcCases, loadXmlCases, runJsonRpcCase, runXmlCase, type XmlTarget } from './support/hostile-corpus.js';
import { prepareHostileStorage, type HostileStorage } from './support/hostile-storage.js';
import { openRaw, resultOf, unixUrl, type RawClient } from '../helpers/raw-client.js';
import { spawnVirtwired, type SpawnedDaemon } from '../helpers/daemon-process.js';

/** Measured passes, after one warm-up pass that sets the baseline. */
const PASSES = Number(process.env.HOSTILE_PASSES ?? 10);
const MIB = 1024 * 1024;
/** Cases run at once; each has its own connection. */
const CONCURRENCY = 8;

async function inParallel<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

describe('the virtwired binary under the hostile corpora', () => {
  let storage: HostileStorage;
  let daemon: SpawnedDaemon;
  let target: XmlTarget;
  let health: RawClient;
  const token = generateToken();
  const readOnlyToken = generateToken();

  beforeAll(async () => {
    storage = prepareHostileStorage();
    const tokenFile = join(storage.top, 'tokens');
    writeFileSync(tokenFile, `${formatTokenLine(tokenEntry(token, 'rw', 'admin'))}\n${formatTokenLine(tokenEntry(readOnlyToken, 'ro', 'viewer'))}\n`, {
      mode: 0o600,
    });
    const socket = join(storage.top, 'sock');
    daemon = await spawnVirtwired([
      '--listen',
      '127.0.0.1:0',
      '--unix',
      socket,
      '--unix-ro',
      `${socket}-ro`,
      '--state-dir',
      join(storage.top, 'state'),
      '--token-file',
      tokenFile,
      '--no-local-token',
      '--storage-root',
      storage.root,
      '--node-dir',
      storage.nodeDir,
      '--log-level',
      'info',
    ]);
    target = {
      tcpUrl: daemon.addresses.find((a) => a.startsWith('ws://'))!,
      token,
      readOnlyToken,
      readOnlySocket: `${socket}-ro`,
      nodeUri: `test://${storage.nodeFile}`,
      vars: storage.vars,
    };
    health = await openRaw(unixUrl(socket));
    resultOf(await health.call('ConnectOpen', { uri: 'test:///default' }));
  });
  afterAll(async () => {
    health?.close();
    if (daemon) expect(await daemon.stop()).toBe(0);
    storage?.remove();
  });

  it(`answers ${PASSES} passes of every case as documented, with RSS within baseline + 64 MiB and no file created`, async () => {
    const jsonRpcCases = loadJsonRpcCases();
    const xmlCases = loadXmlCases();
    const listing = storage.listing();
    const failures: string[] = [];
    const pass = async () => {
      await inParallel(jsonRpcCases, (c) => runJsonRpcCase(target, c).catch((e: Error) => void failures.push(e.message)));
      await inParallel(xmlCases, (c) => runXmlCase(target, c).catch((e: Error) => void failures.push(e.message)));
      expect(resultOf(await health.call('ConnectGetVersion', {}))).toBe(2);
    };
    const atStart = daemon.rss();
    await pass();
    const baseline = daemon.rss();
    const samples: number[] = [];
    for (let i = 0; i < PASSES; i++) {
      await pass();
      samples.push(daemon.rss());
    }
    const mib = (n: number) => (n / MIB).toFixed(1);
    console.info(
      `virtwired RSS: ${mib(atStart)} MiB at start, baseline ${mib(baseline)} MiB after a warm-up pass; ` +
        `after each of ${PASSES} passes ${samples.map(mib).join(', ')} MiB (${jsonRpcCases.length + xmlCases.length} cases per pass, ${CONCURRENCY} at once)`,
    );
    expect(failures.slice(0, 10)).toEqual([]);
    expect(Math.max(...samples)).toBeLessThanOrEqual(baseline + 64 * MIB);
    expect(storage.listing()).toEqual(listing);
    expect(daemon.child.exitCode).toBeNull();
  }, 300_000);
});
