// The SDK's events in a real headless Chromium: the browser bundle subscribes, iterates and listens to a real virtwired.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { loadSdk, serveSdkPage, type SdkPage, type TestWindow } from './sdk-page.js';

describe.skipIf(!hasChromium)('SDK events in headless Chromium', () => {
  let web: SdkPage;
  let origin: string;
  let server: TestDaemon;
  let browser: Browser;

  beforeAll(async () => {
    web = await serveSdkPage();
    origin = web.origin;
    server = await startTestDaemon({ allowedOrigins: [origin] });
    await server.keepDefaultHost();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await web?.close();
  });

  it('gets lifecycle events through an EventTarget listener and snapshot events through an async iterator', async () => {
    const tab = await browser.newPage();
    await loadSdk(tab, origin);
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
});
