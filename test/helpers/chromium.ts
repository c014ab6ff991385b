// Debian's Chromium for the browser tests (SDK and web console): where it is, and launched headless with the flags this machine needs.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's `chromium` package. */
export const CHROMIUM = '/usr/bin/chromium';

/** False where the package is missing: the browser tests are skipped, and say so. */
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[browser] ${CHROMIUM} is missing (Debian package chromium): browser tests skipped`);

/** Headless, without the background networking a closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
