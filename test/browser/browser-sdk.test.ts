// The SDK's core in a real headless Chromium: bundled for the browser, talking to a real virtwired over WebSocket.
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

describe.skipIf(!hasChromium)('the SDK in headless Chromium', () => {
  let web: Server;
  let origin: string;
  let server: TestDaemon;
  let browser: Browser;

  beforeAll(async () => {
    const sdk = await bundleClientCore();
    expect(sdk.has('/sdk.js')).toBe(true);
    for (const code of sdk.values()) expect(code).not.toMatch(/from ['"](node:|ws['"])/);
    web = createServer((request, response) => {
      const code = sdk.get(request.url ?? '');
      if (code !== undefined) response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
      else response.writeHead(200, { 'content-type': 'text/html' }).end(page);
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    server = await startTestDaemon({ allowedOrigins: [origin] });
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

  async function openPage() {
    const tab = await browser.newPage();
    await tab.goto(origin);
    await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    return tab;
  }

  it('connects, looks up a domain and takes an atomic snapshot', async () => {
    const tab = await openPage();
    const result = await tab.evaluate(async ({ uri, token }) => {
      const { connect, DomainSnapshotCreateFlags } = (window as unknown as TestWindow).sdk;
      const conn = await connect(uri, { token });
      const dom = await conn.domainLookupByName('test');
      const snap = await dom.snapshotCreateXML('<domainsnapshot><name>from-browser</name></domainsnapshot>', DomainSnapshotCreateFlags.Atomic);
      const xml = await snap.getXMLDesc();
      const version = await conn.getVersion();
      await conn.close();
      return { name: snap.name, version, hasState: xml.includes('<state>running</state>') };
    }, { uri: server.uri(), token: TEST_TOKEN });
    expect(result).toEqual({ name: 'from-browser', version: 2, hasState: true });
    await tab.close();
  });

  it('refuses locally what the driver cannot honour, with the daemon\'s error and nothing sent', async () => {
    const tab = await openPage();
    const result = await tab.evaluate(async ({ uri, token }) => {
      const { connect, DomainSnapshotCreateFlags: F } = (window as unknown as TestWindow).sdk;
      const conn = await connect(uri, { token });
      const dom = await conn.domainLookupByName('vm2');
      const before = conn.requestsSent;
      const xml = `<domainsnapshot><disks><disk name='vda' snapshot='external'/><disk name='vdb' snapshot='external'/></disks></domainsnapshot>`;
      const error = (await dom.snapshotCreateXML(xml, F.DiskOnly | F.Atomic).then(
        () => ({ code: 0, domain: 0, message: 'created' }),
        (e: unknown) => e,
      )) as { code: number; domain: number; message: string };
      const sent = conn.requestsSent - before;
      await conn.close();
      return { code: error.code, domain: error.domain, message: error.message, sent };
    }, { uri: server.nodeUri('two-disks.xml', 'atomic=none'), token: TEST_TOKEN });
    expect(result).toEqual({ code: 67, domain: 12, message: 'unsupported configuration: atomic live snapshot of multiple disks is unsupported', sent: 0 });
    await tab.close();
  });

  it('fails pending calls with a typed error when the daemon goes away', async () => {
    const tab = await openPage();
    const other = await startTestDaemon({ allowedOrigins: [origin] });
    const pending = tab.evaluate(async ({ uri, token }) => {
      const { connect, ConnectionClosedError } = (window as unknown as TestWindow).sdk;
      const conn = await connect(uri, { token });
      (window as unknown as TestWindow).connected = true;
      const error = await new Promise((resolve) => {
        const loop = (): Promise<void> => conn.getVersion().then(loop, resolve);
        loop();
      });
      return { closed: ConnectionClosedError.isInstance(error), code: (error as { code: number }).code };
    }, { uri: other.uri(), token: TEST_TOKEN });
    await tab.waitForFunction(() => (window as unknown as { connected?: boolean }).connected === true);
    await other.close();
    expect(await pending).toEqual({ closed: true, code: 39 });
    await tab.close();
  });

  it('is refused by the daemon when the page\'s origin is not allowed', async () => {
    const strict = await startTestDaemon();
    const tab = await openPage();
    const failed = await tab.evaluate(async ({ uri, token }) => {
      const { connect } = (window as unknown as TestWindow).sdk;
      return connect(uri, { token }).then(
        () => false,
        () => true,
      );
    }, { uri: strict.uri(), token: TEST_TOKEN });
    expect(failed).toBe(true);
    expect(strict.daemon.connectionCount()).toBe(0);
    await strict.close();
    await tab.close();
  });
});
