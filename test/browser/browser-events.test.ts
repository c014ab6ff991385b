// The SDK's events in a real headless Chromium: the browser bundle subscribes, iterates, listens and reconnects to a real virtwired.
import { connect } from '@virtwire/client';
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
    const result = await tab.evaluate(
      async ({ uri, token }) => {
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
      },
      { uri: server.uri(), token: TEST_TOKEN },
    );
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
    await loadSdk(tab, origin);
    await tab.evaluate(
      async ({ uri, token }) => {
        const { connect, DomainEventId } = (window as unknown as TestWindow).sdk;
        const conn = await connect(uri, { token, reconnect: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 400 } });
        const state = window as unknown as { heard: string[]; reconnected: number };
        state.heard = [];
        state.reconnected = 0;
        conn.onReconnect(() => state.reconnected++);
        await conn.on('lifecycle', (e) => {
          if (e.eventID === DomainEventId.Lifecycle) state.heard.push(`${e.seq}:${e.event}/${e.detail}`);
        });
      },
      { uri: first.uri(), token: TEST_TOKEN },
    );
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
