#!/usr/bin/env node
// Screenshots of the web console's main views for its README, from a real virtwired on the test driver in headless Chromium.
//
// npm run build && node scripts/web-screenshots.mjs   (writes packages/web/docs/*.png)
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FIXTURE_NODES, startConsoleSession } from './web-console-session.mjs';

const OUT = fileURLToPath(new URL('../packages/web/docs/', import.meta.url));
mkdirSync(OUT, { recursive: true });
const session = await startConsoleSession();
try {
  const page = await session.browser.newPage({ viewport: { width: 1100, height: 760 }, colorScheme: 'light' });
  await page.goto(session.link());
  await page.locator('tr[data-domain="test"]').waitFor();
  await page.screenshot({ path: `${OUT}home.png`, fullPage: true });

  // A small tree: base, then two branches from it.
  await page.getByRole('link', { name: 'test', exact: true }).click();
  const create = async (name, description) => {
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Description').fill(description);
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    await page.locator(`li[data-snapshot="${name}"]`).waitFor();
  };
  await create('base', 'fresh install');
  await create('upgrade', 'after the upgrade');
  await page.getByRole('button', { name: 'Actions for snapshot base' }).click();
  await page.getByRole('button', { name: 'Revert to base' }).click();
  await page.locator('li[aria-current="true"][data-snapshot="base"]').waitFor();
  await page.getByRole('button', { name: 'Actions for snapshot base' }).click();
  await create('experiment', 'trying something');
  await page.screenshot({ path: `${OUT}domain.png`, fullPage: true });

  // ATOMIC refused by a driver without group snapshots, with libvirt's reason.
  const atomicPage = await session.browser.newPage({ viewport: { width: 1100, height: 760 }, colorScheme: 'light' });
  await atomicPage.goto(session.link(`test://${FIXTURE_NODES}two-disks.xml?atomic=none`));
  await atomicPage.getByRole('link', { name: 'vm2', exact: true }).click();
  await atomicPage.getByLabel('disks only').check();
  await atomicPage.locator('.atomic-reason').waitFor();
  await atomicPage.locator('form.create-snapshot').screenshot({ path: `${OUT}atomic-refused.png` });

  // A snapshot that failed on one disk: the per-disk report.
  const failPage = await session.browser.newPage({ viewport: { width: 1100, height: 760 }, colorScheme: 'light' });
  await failPage.goto(session.link(`test://${FIXTURE_NODES}two-disks.xml`));
  await failPage.getByRole('link', { name: 'vm2', exact: true }).click();
  await failPage.getByLabel('disks only').check();
  await failPage.getByLabel('New image for vdb').fill('/ro/vdb-overlay.qcow2');
  await failPage.getByLabel('Name', { exact: true }).fill('doomed');
  await failPage.getByRole('button', { name: 'Create snapshot' }).click();
  await failPage.locator('form.create-snapshot .disk-report').waitFor();
  await failPage.locator('form.create-snapshot').screenshot({ path: `${OUT}disk-report.png` });

  // Phone width, dark scheme.
  const phone = await session.browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  await phone.goto(session.link());
  await phone.getByRole('link', { name: 'test', exact: true }).click();
  await phone.locator('li[data-snapshot="experiment"]').waitFor();
  await phone.screenshot({ path: `${OUT}phone.png` });
  console.log(`screenshots written to ${OUT}`);
} finally {
  await session.close();
}
