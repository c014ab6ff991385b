#!/usr/bin/env node
// The serial console screenshot for packages/web/README: the real test guest (test/guest) booted by virtwired's qemu driver, its console opened in the web console in headless Chromium.
//
// npm run build && node scripts/web-serial-screenshot.mjs   (writes packages/web/docs/serial-console.png; needs QEMU and the guest's packages)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@virtwire/client';
import { generateToken, startDaemon, tokenEntry } from '@virtwire/server';
import { chromium } from 'playwright-core';
import { WEB_ROOT } from './web-console-session.mjs';

const OUT = fileURLToPath(new URL('../packages/web/docs/serial-console.png', import.meta.url));
const imageDir = execFileSync('bash', [fileURLToPath(new URL('../test/guest/build-guest.sh', import.meta.url))], { encoding: 'utf8' }).trim();
const image = JSON.parse(readFileSync(join(imageDir, 'manifest.json'), 'utf8'));

const dir = mkdtempSync(join(tmpdir(), 'virtwire-serial-'));
const token = generateToken();
const runtimeDir = join(dir, 'run');
mkdirSync(runtimeDir);
const daemon = await startDaemon({
  listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
  stateDir: join(dir, 'state'),
  tokens: [tokenEntry(token, 'rw', 'console')],
  web: { root: WEB_ROOT },
  qemu: { runtimeDir, storageRoots: [imageDir] },
  logLevel: 'silent',
});
const address = daemon.addresses[0];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
const conn = await connect(`qemu+${address.replace(/^ws:\/\//, 'ws://')}/session`, { token });
try {
  const dom = await conn.domainDefineXML(`<domain type='qemu'>
  <name>guest</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><kernel>${image.vmlinux ?? image.kernel}</kernel><initrd>${image.initrd}</initrd><cmdline>console=ttyS0 quiet panic=-1</cmdline></os>
  <features><acpi/></features>
  <cpu mode='maximum'/>
  <devices>
    <interface type='user'><model type='virtio'/><rom enabled='no'/></interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>`);
  await dom.create();
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, colorScheme: 'light' });
  await page.goto(`${address.replace(/^ws:/, 'http:')}/#token=${encodeURIComponent(token)}&uri=${encodeURIComponent('qemu:///session')}`);
  await page.getByRole('link', { name: 'guest', exact: true }).click();
  await page.getByRole('button', { name: 'Open serial console' }).click();
  const rows = page.locator('.xterm-rows');
  await rows.waitFor();
  await page.getByRole('textbox', { name: 'Serial console of guest' }).focus();
  // Enter until the shell answers (the guest boots in seconds under TCG), then the banner and a command.
  for (let i = 0; i < 120 && !(await rows.textContent()).includes('virtwire-guest#'); i++) {
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1_000);
  }
  await page.keyboard.type('clear; banner; uname -sr\n');
  await rows.filter({ hasText: /virtwire-guest ready:.*Linux/ }).waitFor({ timeout: 30_000 });
  await page.locator('section.serial-console').screenshot({ path: OUT });
  console.log(`screenshot written to ${OUT}`);
  await dom.destroy();
} finally {
  await conn.close();
  await browser.close();
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
}
