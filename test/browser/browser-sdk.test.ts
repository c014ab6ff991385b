// The SDK's core in a real headless Chromium: bundled for the browser, talking to a real virtwired over WebSocket.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { loadSdk, serveSdkPage, type SdkPage, type TestWindow } from './sdk-page.js';

describe.skipIf(!hasChromium)('the SDK in headless Chromium', () => {
  let web: SdkPage;
  let origin: string;
  let server: TestDaemon;
  let browser: Browser;

  beforeAll(async () => {
    web = await serveSdkPage();
    expect(web.bundle.has('/sdk.js')).toBe(true);
    for (const code of web.bundle.values()) expect(code).not.toMatch(/from ['"](node:|ws['"])/);
    origin = web.origin;
    server = await startTestDaemon({ allowedOrigins: [origin] });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await web?.close();
  });

  async function openPage() {
    const tab = await browser.newPage();
    await loadSdk(tab, origin);
    return tab;
  }

  it('connects, looks up a domain and takes an atomic snapshot', async () => {
    const tab = await openPage();
    const result = await tab.evaluate(
      async ({ uri, token }) => {
        const { connect, DomainSnapshotCreateFlags } = (window as unknown as TestWindow).sdk;
        const conn = await connect(uri, { token });
        const dom = await conn.domainLookupByName('test');
        const snap = await dom.snapshotCreateXML('<domainsnapshot><name>from-browser</name></domainsnapshot>', DomainSnapshotCreateFlags.Atomic);
        const xml = await snap.getXMLDesc();
        const version = await conn.getVersion();
        await conn.close();
        return { name: snap.name, version, hasState: xml.includes('<state>running</state>') };
      },
      { uri: server.uri(), token: TEST_TOKEN },
    );
    expect(result).toEqual({ name: 'from-browser', version: 2, hasState: true });
    await tab.close();
  });

  it("refuses locally what the driver cannot honour, with the daemon's error and nothing sent", async () => {
    const tab = await openPage();
    const result = await tab.evaluate(
      async ({ uri, token }) => {
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
      },
      { uri: server.nodeUri('two-disks.xml', 'atomic=none'), token: TEST_TOKEN },
    );
    expect(result).toEqual({ code: 67, domain: 12, message: 'unsupported configuration: atomic live snapshot of multiple disks is unsupported', sent: 0 });
    await tab.close();
  });

  it('fails pending calls with a typed error when the daemon goes away', async () => {
    const tab = await openPage();
    const other = await startTestDaemon({ allowedOrigins: [origin] });
    const pending = tab.evaluate(
      async ({ uri, token }) => {
        const { connect, ConnectionClosedError } = (window as unknown as TestWindow).sdk;
        const conn = await connect(uri, { token });
        (window as unknown as TestWindow).connected = true;
        const error = await new Promise((resolve) => {
          const loop = (): Promise<void> => conn.getVersion().then(loop, resolve);
          loop();
        });
        return { closed: ConnectionClosedError.isInstance(error), code: (error as { code: number }).code };
      },
      { uri: other.uri(), token: TEST_TOKEN },
    );
    await tab.waitForFunction(() => (window as unknown as { connected?: boolean }).connected === true);
    await other.close();
    expect(await pending).toEqual({ closed: true, code: 39 });
    await tab.close();
  });

  it("is refused by the daemon when the page's origin is not allowed", async () => {
    const strict = await startTestDaemon();
    const tab = await openPage();
    const failed = await tab.evaluate(
      async ({ uri, token }) => {
        const { connect } = (window as unknown as TestWindow).sdk;
        return connect(uri, { token }).then(
          () => false,
          () => true,
        );
      },
      { uri: strict.uri(), token: TEST_TOKEN },
    );
    expect(failed).toBe(true);
    expect(strict.daemon.connectionCount()).toBe(0);
    await strict.close();
    await tab.close();
  });
});
