// A real virtwired with the web console and headless Chromium, for the screenshot script and the first-load bench.
import { generateToken, startDaemon, tokenEntry } from '@virtwire/server';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** The test driver's node files (two-disks.xml has a read-only storage fault under /ro). */
export const FIXTURE_NODES = fileURLToPath(new URL('../test/fixtures/nodes/', import.meta.url));

/** The built console, found as virtwired finds it. */
export const WEB_ROOT = join(dirname(createRequire(import.meta.url).resolve('@virtwire/web/package.json')), 'dist');

/** Starts virtwired (loopback TCP, web console, one read-write token) and Chromium; `close()` stops both. */
export async function startConsoleSession() {
  const dir = mkdtempSync(join(tmpdir(), 'virtwire-web-'));
  const token = generateToken();
  const daemon = await startDaemon({
    listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
    stateDir: join(dir, 'state'),
    nodeFileRoots: [FIXTURE_NODES],
    tokens: [tokenEntry(token, 'rw', 'console')],
    web: { root: WEB_ROOT },
    logLevel: 'silent',
  });
  const origin = daemon.addresses[0].replace(/^ws:/, 'http:');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
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
  return {
    origin,
    token,
    browser,
    /** The console's address with the token (and a driver URI) in the fragment. */
    link: (driverUri) => `${origin}/#token=${encodeURIComponent(token)}${driverUri ? `&uri=${encodeURIComponent(driverUri)}` : ''}`,
    async close() {
      await browser.close();
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
