#!/usr/bin/env node
// The graphical console screenshot for packages/web/README: a QEMU guest with <graphics type='vnc'> and no disk (its firmware screen) started by virtwired's qemu driver, shown by noVNC in the web console in headless Chromium.
//
// npm run build && node scripts/web-graphics-screenshot.mjs   (writes packages/web/docs/graphics-console.png; needs QEMU)
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@virtwire/client';
import { generateToken, startDaemon, tokenEntry } from '@virtwire/server';
import { chromium } from 'playwright-core';
import { WEB_ROOT } from './web-console-session.mjs';
/* global document -- the function given to page.waitForFunction runs in the browser */

const OUT = fileURLToPath(new URL('../packages/web/docs/graphics-console.png', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'virtwire-graphics-'));
const token = generateToken();
const runtimeDir = join(dir, 'run');
const images = join(dir, 'images');
mkdirSync(runtimeDir);
mkdirSync(images);
const daemon = await startDaemon({
  listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
  stateDir: join(dir, 'state'),
  tokens: [tokenEntry(token, 'rw', 'console')],
  web: { root: WEB_ROOT },
  qemu: { runtimeDir, storageRoots: [images] },
  logLevel: 'silent',
});
const address = daemon.addresses[0];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
const conn = await connect(`qemu+${address}/session`, { token });
try {
  const dom = await conn.domainDefineXML(`<domain type='qemu'><name>screen</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices><graphics type='vnc' socket='${images}/vnc.sock'/><video><model type='vga' primary='yes'/></video></devices></domain>`);
  await dom.create();
  const page = await browser.newPage({ viewport: { width: 1100, height: 1100 }, colorScheme: 'light' });
  await page.goto(`${address.replace(/^ws:/, 'http:')}/#token=${encodeURIComponent(token)}&uri=${encodeURIComponent('qemu:///session')}`);
  await page.getByRole('link', { name: 'screen', exact: true }).click();
  await page.getByRole('button', { name: 'Open graphical console' }).click();
  // SeaBIOS gives up on booting (no disk) after a few seconds under TCG; wait for its last words.
  await page.waitForFunction(() => (document.querySelector('.display-host canvas')?.width ?? 0) >= 640, undefined, { timeout: 60_000 });
  await page.waitForTimeout(8_000);
  await page.locator('section.graphics-console').screenshot({ path: OUT });
  console.log(`screenshot written to ${OUT}`);
  await dom.destroy();
} finally {
  await conn.close();
  await browser.close();
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
}
