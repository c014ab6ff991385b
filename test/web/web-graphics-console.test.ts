// The web console's graphical console against a real QEMU guest with <graphics type='vnc'> (firmware screen, under TCG): noVNC loaded only when opened, a framebuffer drawn, strict CSP kept, hidden for a read-only token.
import { generateToken, tokenEntry } from '@virtwire/server';
import { connect, type Domain } from '@virtwire/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKEN } from '../helpers/virtwired.js';
import { hasQemu } from '../qemu/qemu-fixture.js';
import { useQemuDaemon } from '../qemu/qemu-daemon-fixture.js';
import { hasChromium, launchChromium, openTab, WEB_ROOT, type ConsoleTab } from './console-browser.js';

const RO_TOKEN = generateToken();

/** A guest with no disk: SeaBIOS draws its boot screen on the VGA display, which QEMU serves over VNC on a unix socket. */
function vncGuestXml(name: string, socket: string): string {
  return `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices><graphics type='vnc' socket='${socket}'/><video><model type='vga' primary='yes'/></video></devices></domain>`;
}

describe.skipIf(!hasChromium || !hasQemu)("the web console's graphical console on a real QEMU guest", () => {
  const qemu = useQemuDaemon({ daemon: { web: { root: WEB_ROOT }, tokens: [tokenEntry(RO_TOKEN, 'ro', 'viewer')] } });
  let browser: Browser;
  let dom: Domain;
  let tab: ConsoleTab | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    dom = await qemu.conn.domainDefineXML(vncGuestXml('screen', `${qemu.images}/vnc.sock`));
    await dom.create();
  }, 60_000);

  afterEach(async () => {
    const problems = tab?.problems ?? [];
    await tab?.page.close();
    tab = undefined;
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    await dom?.destroy().catch(() => undefined);
    await browser?.close();
  });

  const open = async (token: string): Promise<{ page: Page; requested: string[] }> => {
    tab = await openTab(browser);
    const { page } = tab;
    const requested: string[] = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    const origin = qemu.server.wsAddress.replace(/^ws:/, 'http:');
    await page.goto(`${origin}/#token=${encodeURIComponent(token)}&uri=${encodeURIComponent('qemu:///session')}`);
    // Every CSP violation in the page, whatever Chromium logs.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.getByRole('link', { name: 'screen', exact: true }).click();
    await page.getByRole('heading', { name: 'Domain screen' }).waitFor();
    return { page, requested };
  };

  it('loads noVNC only when opened and draws the guest firmware screen in its canvas, under the strict CSP', async () => {
    const { page, requested } = await open(TEST_TOKEN);
    await page.getByRole('heading', { name: 'Graphical console' }).waitFor();
    // The serial console section is there too (the guest has no serial device: opening it would fail), noVNC is not yet.
    expect(requested.filter((path) => path.includes('graphics-display'))).toEqual([]);

    const connected = page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const host = document.querySelector('.display-host')!;
          new MutationObserver(() => host.querySelector('canvas') && resolve('canvas')).observe(host, { childList: true, subtree: true });
        }),
    );
    await page.getByRole('button', { name: 'Open graphical console' }).click();
    expect(await connected).toBe('canvas');
    // noVNC came only now, as a file of this origin.
    expect(requested.filter((path) => /^\/assets\/graphics-display-[\w-]+\.js$/.test(path))).toHaveLength(1);
    await page.getByRole('button', { name: 'Close graphical console' }).waitFor();

    // The framebuffer arrives: the canvas takes the guest's resolution and shows non-black pixels (SeaBIOS's text).
    const canvas = page.getByRole('img', { name: 'Graphical console of screen' });
    await page.waitForFunction(
      () => {
        const c = document.querySelector<HTMLCanvasElement>('.display-host canvas');
        if (!c || c.width < 320 || c.height < 200) return false;
        const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! + pixels[i + 1]! + pixels[i + 2]! > 96) return true;
        return false;
      },
      undefined,
      { timeout: 60_000 },
    );
    const size = await canvas.evaluate((c: HTMLCanvasElement) => ({ width: c.width, height: c.height }));
    expect(size.width).toBeGreaterThanOrEqual(640);
    expect(size.height).toBeGreaterThanOrEqual(400);
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
    expect(await page.evaluate(() => document.querySelectorAll('style, [style*="url(data"]').length)).toBe(0);

    // At phone width the display scales down with the page; the page itself is no wider than the screen.
    // noVNC rescales from a ResizeObserver, which runs with the next rendered frame: wait for it rather than read at once
    // (a loaded machine delays that frame; CI once read the old 800 px).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(
      () => {
        const c = document.querySelector<HTMLCanvasElement>('.display-host canvas');
        return c !== null && c.getBoundingClientRect().width <= 390;
      },
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    expect(await canvas.evaluate((c: HTMLCanvasElement) => c.getBoundingClientRect().width)).toBeLessThanOrEqual(390);

    // Closing ends the session; it can be opened again.
    await page.getByRole('button', { name: 'Close graphical console' }).click();
    await page.getByRole('button', { name: 'Open graphical console' }).click();
    await page.getByRole('button', { name: 'Close graphical console' }).waitFor();
    await page.waitForFunction(() => (document.querySelector<HTMLCanvasElement>('.display-host canvas')?.width ?? 0) >= 640, undefined, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Close graphical console' }).click();
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  }, 120_000);

  it('is not offered to a read-only token (the daemon refuses virDomainOpenGraphics to it)', async () => {
    const { page, requested } = await open(RO_TOKEN);
    await page.getByTestId('domain-state').filter({ hasText: 'running' }).waitFor();
    await page.getByRole('heading', { name: 'Disks' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Graphical console' }).count()).toBe(0);
    expect(requested.filter((path) => path.includes('graphics-display'))).toEqual([]);
    // The daemon's refusal itself, as a script with that token gets it.
    const conn = await connect(qemu.server.qemuUri, { token: RO_TOKEN });
    try {
      const ro = await conn.domainLookupByName('screen');
      const refused = await ro.openGraphics().then(
        () => 'opened',
        (e: Error) => e.message,
      );
      expect(refused).toMatch(/read only access prevents virDomainOpenGraphics/);
    } finally {
      await conn.close();
    }
  }, 60_000);
});
