// Headless Chromium for the web console tests: launched as test/browser does, each tab recording page errors, console errors and CSP reports.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

export { CHROMIUM, hasChromium, launchChromium } from '../helpers/chromium.js';

/** The built console (`npm run build` builds it), found as virtwired finds it: through @virtwire/web's package. */
export const WEB_ROOT = join(dirname(createRequire(import.meta.url).resolve('@virtwire/web/package.json')), 'dist');

/** A tab and everything that went wrong in it: uncaught errors, console errors (CSP violations are logged there too). */
export interface ConsoleTab {
  page: Page;
  problems: string[];
}

/** Opens a tab (phone-sized when asked) that records problems. */
export async function openTab(browser: Browser, viewport = { width: 1100, height: 900 }): Promise<ConsoleTab> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}
