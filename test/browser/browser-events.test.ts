// The SDK's events in a real headless Chromium: the browser bundle subscribes, iterates, listens and reconnects to a real virtwired.
import { connect } from '@virtwire/client';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build, type Rollup } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[browser] ${CHROMIUM} is missing (Debian package chromium): browser tests skipped`);

/** What the test page puts on `window`: the bundled SDK, and flags the test waits for. */
interface TestWindow {
  sdk: typeof import('@virtwire/client/browser');
  ready?: boolean;
  connected?: boolean;
}

const source = (path: string) => fileURLToPath(new URL(`../../packages/${path}`, import.meta.url));

/**
 * Bundles the client core (no Node entry point) as ES modules, as a web app's bundler would: the
 * entry `sdk.js`, and the chunks it imports on demand (the XML parser), by file name.
 */
async function bundleClientCore(): Promise<Map<string, string>> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    resolve: {
      alias: [
        { find: /^@virtwire\/protocol$/, replacement: source('protocol/src/index.ts') },
        { find: /^@virtwire\/protocol\/xml$/, replacement: source('protocol/src/xml.ts') },
        { find: /^@virtwire\/runtime$/, replacement: source('runtime/src/index.ts') },
      ],
    },
    build: {
      write: false,
      minify: false,
      lib: { entry: source('client/src/index.ts'), formats: ['es'], fileName: 'sdk' },
    },
  })) as Rollup.RollupOutput[];
  const chunks = output[0]!.output.filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
  return new Map(chunks.map((chunk) => [`/${chunk.fileName}`, chunk.code]));
}

const page = `<!doctype html><meta charset="utf-8"><title>virtwire</title>
<script type="module">
  import * as sdk from '/sdk.js';
  window.sdk = sdk;
  window.ready = true;
</script>`;

describe.skipIf(!hasChromium)('SDK events in headless Chromium', () => {
  let web: Server;
  let origin: string;
  let server: TestDaemon;
  let browser: Browser;

  beforeAll(async () => {
    const sdk = await bundleClientCore();
    web = createServer((request, response) => {
      const code = sdk.get(request.url ?? '');
      if (code !== undefined) response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
      else response.writeHead(200, { 'content-type': 'text/html' }).end(page);
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    server = await startTestDaemon({ allowedOrigins: [origin] });
    await server.keepDefaultHost();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (web) await new Promise((resolve) => web.close(resolve));
  });

  it('gets lifecycle events through an EventTarget listener and snapshot events through an async iterator', async () => {
    const tab = await browser.newPage();
    await tab.goto(origin);
    await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const result = await tab.evaluate(async ({ uri, token }) => {
      const { connect, DomainEventId } = (window as unknown as TestWindow).sdk;
      const conn = await connect(uri, { token });
      const dom = await conn.domainLookupByName('test');
      const lifecycle = await conn.domainEventRegisterAny(DomainEventId.Lifecycle, dom);
      const heard: string[] = [];
      lifecycle.addEventListener('event', (event) => {
        const detail = (event as InstanceType<TestWindow['sdk']['DomainEventMessage']>).detail;
        if (detail.eventID === DomainEventId.Lifecycle) heard.push(`${detail.seq}:${detail.event}/${detail.detail}`);
      });
      const snapshots = await conn.on('snapshot', () => undefined);
      const iterator = snapshots[Symbol.asyncIterator]();
      await dom.suspend();
      await dom.resume();
      const snap = await dom.snapshotCreateXML('<domainsnapshot><name>from-browser</name></domainsnapshot>');
      await snap.delete();
      const actions: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { value } = await iterator.next();
        if (value && value.eventID === DomainEventId.Snapshot) actions.push(`${value.seq}:${value.action} ${value.snapshot}`);
      }
      await lifecycle.close();
      await dom.suspend();
      await dom.resume();
      await conn.getVersion();
      const ended = iterator.next();
      await conn.close();
      return { heard, actions, ended: (await ended).done };
    }, { uri: server.uri(), token: TEST_TOKEN });
    expect(result).toEqual({
      heard: ['1:3/0', '2:4/0'],
      actions: ['3:created from-browser', '4:current-changed from-browser', '5:deleted from-browser', '6:current-changed null'],
      ended: true,
    });
    await tab.close();
  });

  it('reconnects after a daemon restart: the subscription is back and the page is told to refetch', async () => {
    const first = await startTestDaemon({ allowedOrigins: [origin] });
    const port = Number(new URL(first.wsAddress).port);
    const tab = await browser.newPage();
    await tab.goto(origin);
    await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    await tab.evaluate(async ({ uri, token }) => {
      const { connect, DomainEventId } = (window as unknown as TestWindow).sdk;
      const conn = await connect(uri, { token, reconnect: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 400 } });
      const state = window as unknown as { heard: string[]; reconnected: number };
      state.heard = [];
      state.reconnected = 0;
      conn.onReconnect(() => state.reconnected++);
      await conn.on('lifecycle', (e) => {
        if (e.eventID === DomainEventId.Lifecycle) state.heard.push(`${e.seq}:${e.event}/${e.detail}`);
      });
    }, { uri: first.uri(), token: TEST_TOKEN });
    await first.close();
    const second = await startTestDaemon({ allowedOrigins: [origin], listeners: [{ kind: 'tcp', host: '127.0.0.1', port }] });
    try {
      await tab.waitForFunction(() => (window as unknown as { reconnected: number }).reconnected === 1, undefined, { timeout: 20_000 });
      const actor = await connect(second.uri());
      const test = await actor.domainLookupByName('test');
      await test.suspend();
      await test.resume();
      await tab.waitForFunction(() => (window as unknown as { heard: string[] }).heard.length === 2, undefined, { timeout: 20_000 });
      expect(await tab.evaluate(() => (window as unknown as { heard: string[] }).heard)).toEqual(['1:3/0', '2:4/0']);
      await actor.close();
    } finally {
      await tab.close();
      await second.close();
    }
  });
});
