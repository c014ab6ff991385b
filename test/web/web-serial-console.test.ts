// The web console's serial console against a real qemu guest (the test guest, under TCG): xterm.js loaded only when opened, strict CSP kept, keys to the guest and its output back, FORCE take-over explained.
import { type ByteStream, type Domain } from '@virtwire/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDataDisk } from '../guest/data-disk.js';
import { consoleOver, guestDomainXml } from '../guest/driver-guest-domain.js';
import { guestImage, guestSkipReason } from '../guest/guest-image.js';
import { TEST_TOKEN } from '../helpers/virtwired.js';
import { hasQemu } from '../qemu/qemu-fixture.js';
import { useQemuDaemon } from '../qemu/qemu-daemon-fixture.js';
import { hasChromium, launchChromium, openTab, WEB_ROOT, type ConsoleTab } from './console-browser.js';

const BOOT_MS = 180_000;

describe.skipIf(!hasChromium || !hasQemu || guestSkipReason !== undefined)("the web console's serial console on a real guest", () => {
  const qemu = useQemuDaemon({ extraRoots: () => [guestImage().dir], daemon: { web: { root: WEB_ROOT } } });
  let browser: Browser;
  let dom: Domain;
  let held: ByteStream | undefined;
  let tab: ConsoleTab | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    const disk = await createDataDisk(`${qemu.images}/vda.qcow2`, { sizeMiB: 16, label: 'vda', files: { marker: 'from the host\n' } });
    dom = await qemu.conn.domainDefineXML(guestDomainXml('guest', disk));
    await dom.create();
    // Another client (this test, through the SDK) holds the console until the guest's shell answers.
    held = await dom.openConsole();
    const console = consoleOver(held);
    const poke = setInterval(() => console.write('\n'), 2_000);
    try {
      await console.waitFor(/virtwire-guest# /, BOOT_MS);
    } finally {
      clearInterval(poke);
    }
  }, BOOT_MS + 60_000);

  afterEach(async () => {
    const problems = tab?.problems ?? [];
    await tab?.page.close();
    tab = undefined;
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    held?.close();
    await dom?.destroy().catch(() => undefined);
    await browser?.close();
  });

  const rows = (page: Page) => page.getByRole('region', { name: 'Serial console of guest' }).locator('.xterm-rows');

  it('takes the console over from another session when asked, loads xterm.js only then, and talks to the guest both ways', async () => {
    tab = await openTab(browser);
    const { page } = tab;
    const requested: string[] = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    const origin = qemu.server.wsAddress.replace(/^ws:/, 'http:');
    await page.goto(`${origin}/#token=${encodeURIComponent(TEST_TOKEN)}&uri=${encodeURIComponent('qemu:///session')}`);
    await page.getByRole('link', { name: 'guest', exact: true }).click();
    await page.getByRole('heading', { name: 'Serial console' }).waitFor();
    expect(requested.filter((path) => path.includes('serial-terminal'))).toEqual([]);

    // The SDK session above holds the console: libvirt's refusal, and the take-over explained.
    await page.getByRole('button', { name: 'Open serial console' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('operation failed: Active console session exists for this domain');
    await page.getByRole('button', { name: 'Take it over' }).click();
    await rows(page).waitFor();
    expect((await held!.closed).code).toBe(1000);
    held = undefined;
    // xterm.js and its stylesheet came only now, as files of this origin.
    expect(requested.filter((path) => /^\/assets\/serial-terminal-[\w-]+\.(js|css)$/.test(path))).toHaveLength(2);

    // Keys typed in the page reach the guest's shell, whose output comes back into the terminal.
    await page.getByRole('textbox', { name: 'Serial console of guest' }).focus();
    await page.keyboard.type('echo $((6 * 7))-from-the-browser; cat /mnt/vda/marker\n');
    await rows(page).filter({ hasText: '42-from-the-browser' }).waitFor({ timeout: 30_000 });
    await rows(page).filter({ hasText: 'from the host' }).waitFor({ timeout: 30_000 });
    await page.keyboard.type('banner\n');
    await rows(page)
      .filter({ hasText: /virtwire-guest ready:.*ip=10\.0\.2\.15/ })
      .waitFor({ timeout: 30_000 });

    // xterm's own rules applied under the strict CSP: its stylesheet (the helper textarea off-screen) and the rules it writes at run time (cells inline-block).
    const styles = await page.evaluate(() => ({
      textarea: getComputedStyle(document.querySelector('.xterm-helper-textarea')!).position,
      cell: getComputedStyle(document.querySelector('.xterm-rows span')!).display,
      inlineStyleElements: document.querySelectorAll('style').length,
    }));
    expect(styles).toEqual({ textarea: 'absolute', cell: 'inline-block', inlineStyleElements: 0 });

    // At phone width the terminal scrolls sideways inside its region; the page itself is no wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);

    // Closing it frees the console for another client.
    await page.getByRole('button', { name: 'Close console' }).click();
    await rows(page).waitFor({ state: 'hidden' });
    held = await dom.openConsole();
  }, 120_000);
});
