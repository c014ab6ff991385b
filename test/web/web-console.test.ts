// The web console in headless Chromium against a real virtwired on the test driver: login, read-only, snapshots, ATOMIC, live changes from vwsh.
import { generateToken, tokenEntry } from '@virtwire/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { vwsh } from '../cli/helpers/vwsh-transcript.js';
import { FIXTURE_NODES, startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { hasChromium, launchChromium, openTab, WEB_ROOT, type ConsoleTab } from './console-browser.js';

const RO_TOKEN = generateToken();

describe.skipIf(!hasChromium)('the web console in Chromium', () => {
  let server: TestDaemon;
  let origin: string;
  let browser: Browser;
  let tab: ConsoleTab | undefined;

  beforeAll(async () => {
    server = await startTestDaemon({ web: { root: WEB_ROOT }, tokens: [tokenEntry(RO_TOKEN, 'ro', 'dashboard')] });
    origin = server.wsAddress.replace(/^ws:/, 'http:');
    browser = await launchChromium();
  }, 60_000);

  afterEach(async () => {
    const problems = tab?.problems ?? [];
    await tab?.page.close();
    tab = undefined;
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens the console with the token in the fragment, as a link would. */
  async function openWithFragment(token: string, driverUri?: string, viewport?: { width: number; height: number }): Promise<Page> {
    tab = await openTab(browser, viewport);
    await tab.page.goto(`${origin}/#token=${encodeURIComponent(token)}${driverUri ? `&uri=${encodeURIComponent(driverUri)}` : ''}`);
    await tab.page.getByRole('heading', { name: 'Domains' }).waitFor();
    return tab.page;
  }

  async function openDomain(page: Page, name: string): Promise<void> {
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name: `Domain ${name}` }).waitFor();
  }

  const snapshotItem = (page: Page, name: string) => page.locator(`li[data-snapshot="${name}"]`);

  it('logs in with a typed token, keeps it in sessionStorage only, and shows host and domains', async () => {
    tab = await openTab(browser);
    const { page } = tab;
    const response = await page.goto(origin);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByLabel('Token').fill('vw1_not-a-token');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('alert').waitFor();
    // The daemon refused the upgrade (401): the console says it could not connect and stays on the form.
    expect(await page.getByRole('alert').textContent()).toContain('Could not connect');
    tab.problems.length = 0; // Chromium logs the refused WebSocket handshake as a console error.
    await page.getByLabel('Token').fill(TEST_TOKEN);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Domains' }).waitFor();
    await page.locator('tr[data-domain="test"]').waitFor();
    expect(await page.locator('tr[data-domain="test"] td.state').textContent()).toBe('running');
    expect(await page.getByTestId('driver').textContent()).toBe('test');
    expect(await page.getByTestId('version').textContent()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await page.getByTestId('access').textContent()).toBe('read-write');
    const stored = await page.evaluate(() => ({ session: sessionStorage.getItem('virtwire.token'), local: localStorage.length, cookies: document.cookie }));
    expect(stored).toEqual({ session: expect.any(String), local: 0, cookies: '' });
    expect(stored.session).toBe(TEST_TOKEN);
  });

  it('logs in from #token=..., which leaves the address bar at once', async () => {
    const page = await openWithFragment(TEST_TOKEN);
    expect(page.url()).toBe(`${origin}/#/`);
    expect(page.url()).not.toContain(TEST_TOKEN);
    expect(await page.evaluate(() => sessionStorage.getItem('virtwire.token'))).toBe(TEST_TOKEN);
    // A reload in the same tab stays logged in (sessionStorage), without the token in the URL.
    await page.reload();
    await page.getByRole('heading', { name: 'Domains' }).waitFor();
  });

  it('gives a read-only token a read-only console: no actions at all', async () => {
    const page = await openWithFragment(RO_TOKEN);
    expect(await page.getByTestId('read-only').textContent()).toBe('read-only');
    expect(await page.getByTestId('access').textContent()).toBe('read-only');
    await openDomain(page, 'test');
    await page.getByRole('heading', { name: /^Snapshots/ }).waitFor();
    await page.getByRole('heading', { name: 'Disks' }).waitFor();
    expect(await page.getByRole('group', { name: 'Domain actions' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Take a snapshot' }).count()).toBe(0);
    expect(await page.getByRole('button').allTextContents()).toEqual(['Log out']);
  });

  it('creates, reverts and deletes snapshots; the tree marks the current one', async () => {
    const page = await openWithFragment(TEST_TOKEN);
    await openDomain(page, 'test');
    const create = async (name: string, description = '') => {
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Description').fill(description);
      expect(await page.getByRole('checkbox', { name: /Atomic: every disk/ }).isChecked()).toBe(true);
      await page.getByRole('button', { name: 'Create snapshot' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Snapshot ${name} created atomically.` })
        .waitFor();
      await snapshotItem(page, name).waitFor();
    };
    await create('s1', 'before the upgrade');
    await create('s2');
    await create('s3');
    // s2 and s3 are children of s1 and s2; s3 is current.
    expect(
      await page.locator('li[data-snapshot]').evaluateAll((items) => items.map((li) => [li.getAttribute('data-snapshot'), li.getAttribute('data-depth')])),
    ).toEqual([
      ['s1', '0'],
      ['s2', '1'],
      ['s3', '2'],
    ]);
    expect(await page.locator('li[aria-current="true"]').getAttribute('data-snapshot')).toBe('s3');
    expect(await snapshotItem(page, 's1').locator('.snapshot-description').first().textContent()).toBe('before the upgrade');

    await page.getByRole('button', { name: 'Actions for snapshot s1' }).click();
    await page.getByRole('button', { name: 'Revert to s1' }).click();
    await page.getByRole('status').filter({ hasText: 'Reverted to s1.' }).waitFor();
    await page.locator('li[aria-current="true"][data-snapshot="s1"]').waitFor();

    // Children only: s2 and s3 go, s1 stays.
    const s1 = page.getByRole('group', { name: 'Snapshot s1' });
    await s1.getByLabel('its children only').check();
    await s1.getByRole('button', { name: 'Delete' }).click();
    await snapshotItem(page, 's2').waitFor({ state: 'detached' });
    expect(await snapshotItem(page, 's3').count()).toBe(0);
    expect(await snapshotItem(page, 's1').count()).toBe(1);

    // Metadata only, then with children: each really gone on the daemon too.
    await create('m1');
    await page.getByRole('button', { name: 'Actions for snapshot m1' }).click();
    const m1 = page.getByRole('group', { name: 'Snapshot m1' });
    await m1.getByLabel('metadata only').check();
    await m1.getByRole('button', { name: 'Delete' }).click();
    await snapshotItem(page, 'm1').waitFor({ state: 'detached' });
    await page.getByRole('group', { name: 'Snapshot s1' }).getByLabel('with its children').check();
    await page.getByRole('group', { name: 'Snapshot s1' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No snapshots.').waitFor();
    const listed = await vwsh(['-c', server.uri(), 'snapshot-list test --name']);
    expect(listed.stdout.trim()).toBe('');
  });

  it('reverts a running domain to an inactive snapshot and starts it, as libvirt 9.0 asks no FORCE for it', async () => {
    const page = await openWithFragment(TEST_TOKEN);
    await openDomain(page, 'test');
    const actions = page.getByRole('group', { name: 'Domain actions' });
    await actions.getByRole('button', { name: 'Destroy' }).click();
    await page.getByTestId('domain-state').filter({ hasText: 'shut off' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('cold');
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    await snapshotItem(page, 'cold').waitFor();
    await actions.getByRole('button', { name: 'Start' }).click();
    await page.getByTestId('domain-state').filter({ hasText: 'running' }).waitFor();
    await page.getByRole('button', { name: 'Actions for snapshot cold' }).click();
    const cold = page.getByRole('group', { name: 'Snapshot cold' });
    await cold.getByLabel('Afterwards the domain is').selectOption('running');
    await cold.getByRole('button', { name: 'Revert to cold' }).click();
    await cold.getByRole('status').filter({ hasText: 'Reverted to cold.' }).waitFor();
    await page.getByTestId('domain-state').filter({ hasText: 'running' }).waitFor();
    await page.locator('li[aria-current="true"][data-snapshot="cold"]').waitFor();
  });

  it('explains the FORCE revert libvirt demands, retries with it, and offers it no more when libvirt still refuses', async () => {
    const page = await openWithFragment(TEST_TOKEN, `test://${FIXTURE_NODES}lifecycle.xml`);
    await openDomain(page, 'legacy');
    await page.getByRole('button', { name: 'Actions for snapshot old' }).click();
    const old = page.getByRole('group', { name: 'Snapshot old' });
    await old.getByRole('button', { name: 'Revert to old' }).click();
    const alert = old.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe("revert requires force: snapshot 'old' lacks domain 'legacy' rollback info (error 77)");
    expect(await old.getByRole('note').textContent()).toContain('VIR_DOMAIN_SNAPSHOT_REVERT_FORCE');
    await old.getByRole('button', { name: 'Revert with FORCE' }).click();
    await expect.poll(() => old.getByRole('note').count()).toBe(0);
    expect(await alert.textContent()).toBe("revert requires force: snapshot 'old' lacks domain 'legacy' rollback info (error 77)");
    await page.locator('li[aria-current="true"][data-snapshot="newer"]').waitFor();
  });

  it("disables ATOMIC with libvirt's reason where the driver cannot promise it, and only there", async () => {
    const page = await openWithFragment(TEST_TOKEN, `test://${FIXTURE_NODES}two-disks.xml?atomic=none`);
    await openDomain(page, 'vm2');
    const atomic = page.getByRole('checkbox', { name: /Atomic: every disk/ });
    await page.getByLabel('disks only').check();
    await expect.poll(() => atomic.isDisabled()).toBe(true);
    expect(await atomic.isChecked()).toBe(false);
    const reason = await page.locator('.atomic-reason').textContent();
    expect(reason).toBe('Not available for this request: unsupported configuration: atomic live snapshot of multiple disks is unsupported (error 67)');
    expect(await atomic.getAttribute('aria-describedby')).toBe('create-snapshot-atomic-reason');
    // One disk left out: a single-disk snapshot is atomic by nature, so ATOMIC comes back, checked.
    await page.getByLabel('vdb', { exact: true }).selectOption('no');
    await expect.poll(() => atomic.isDisabled()).toBe(false);
    expect(await atomic.isChecked()).toBe(true);
    await page.getByLabel('Name', { exact: true }).fill('one-disk');
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    await page.getByRole('status').filter({ hasText: 'Snapshot one-disk created atomically.' }).waitFor();
    // Both disks again, without ATOMIC (it cannot be asked for): the snapshot is taken, not atomically.
    await page.getByLabel('vdb', { exact: true }).selectOption('external');
    await expect.poll(() => atomic.isDisabled()).toBe(true);
    await page.getByLabel('Name', { exact: true }).fill('two-disks');
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    await page.getByRole('status').filter({ hasText: 'Snapshot two-disks created.' }).waitFor();
  });

  it("shows a failed snapshot's per-disk report, in libvirt's words with the error number", async () => {
    const page = await openWithFragment(TEST_TOKEN, `test://${FIXTURE_NODES}two-disks.xml`);
    await openDomain(page, 'vm2');
    await page.getByLabel('disks only').check();
    await page.getByLabel('New image for vdb').fill('/ro/vdb-overlay.qcow2');
    await page.getByLabel('Name', { exact: true }).fill('doomed');
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    const alert = page.locator('form.create-snapshot').getByRole('alert');
    await alert.waitFor();
    const daemon = await vwsh([
      '-c',
      `test://${FIXTURE_NODES}two-disks.xml`.replace('test://', `test+ws://${new URL(origin).host}`),
      'snapshot-create-as vm2 doomed --disk-only --atomic --diskspec vda,snapshot=external --diskspec vdb,snapshot=external,file=/ro/vdb-overlay.qcow2',
    ]);
    const message = daemon.stderr
      .replace(/^error: /, '')
      .trim()
      .split('\n')[0]!;
    expect(message.length).toBeGreaterThan(0);
    expect(await alert.locator('.error-message').textContent()).toBe(message);
    expect(await alert.locator('.error-code').textContent()).toMatch(/^ \(error \d+\)$/);
    const rows = await alert
      .locator('table.disk-report tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent).slice(0, 2)));
    expect(rows).toEqual([
      ['vda', 'rolled-back'],
      ['vdb', expect.stringMatching(/rolled-back|untouched/)],
    ]);
    expect(await alert.locator('table.disk-report tbody tr', { hasText: 'vdb' }).locator('td').nth(3).textContent()).not.toBe('');
    expect(await snapshotItem(page, 'doomed').count()).toBe(0);
  });

  it('says when the connection drops, reconnects by itself and fetches everything again', async () => {
    const first = await startTestDaemon({ web: { root: WEB_ROOT } });
    const port = Number(new URL(first.wsAddress).port);
    let second: TestDaemon | undefined;
    try {
      tab = await openTab(browser);
      const { page } = tab;
      await page.goto(`${first.wsAddress.replace(/^ws:/, 'http:')}/#token=${encodeURIComponent(TEST_TOKEN)}`);
      await page.locator('tr[data-domain="test"]').waitFor();
      // every file of the page loaded (the favicon comes after the page): only the WebSocket is cut
      await page.waitForLoadState('networkidle');
      await first.close();
      await page.getByRole('status').filter({ hasText: 'Connection to the daemon lost; reconnecting…' }).waitFor();
      second = await startTestDaemon({ web: { root: WEB_ROOT }, listeners: [{ kind: 'tcp', host: '127.0.0.1', port }] });
      await page.getByRole('status').filter({ hasText: 'Reconnected; everything shown was fetched again.' }).waitFor({ timeout: 20_000 });
      await page.locator('tr[data-domain="test"]').waitFor();
      // While the daemon was away, Chromium logged each refused reconnection attempt; nothing else may have gone wrong.
      tab.problems.splice(0, tab.problems.length, ...tab.problems.filter((p) => !/WebSocket connection to '.*' failed/.test(p)));
    } finally {
      await second?.close();
    }
  }, 60_000);

  it('shows what another browser did, without a reload', async () => {
    const page = await openWithFragment(TEST_TOKEN);
    await openDomain(page, 'test');
    const other = await openTab(browser);
    try {
      await other.page.goto(`${origin}/#token=${encodeURIComponent(TEST_TOKEN)}`);
      await other.page.getByRole('link', { name: 'test', exact: true }).click();
      await other.page.getByRole('group', { name: 'Domain actions' }).getByRole('button', { name: 'Suspend' }).click();
      await other.page.getByLabel('Name', { exact: true }).fill('from-the-other-tab');
      await other.page.getByRole('button', { name: 'Create snapshot' }).click();
      await other.page.getByRole('status').filter({ hasText: 'Snapshot from-the-other-tab created' }).waitFor();
      await snapshotItem(page, 'from-the-other-tab').waitFor({ timeout: 10_000 });
      await page.getByTestId('domain-state').filter({ hasText: 'paused' }).waitFor({ timeout: 10_000 });
      await page.getByRole('group', { name: 'Domain actions' }).getByRole('button', { name: 'Resume' }).waitFor();
      expect(other.problems).toEqual([]);
    } finally {
      await other.page.close();
    }
  });

  it('shows a snapshot made with vwsh while the page is open, without a reload', async () => {
    const page = await openWithFragment(TEST_TOKEN, undefined, { width: 390, height: 844 });
    await openDomain(page, 'test');
    await page.getByRole('heading', { name: /^Snapshots/ }).waitFor();
    expect(await snapshotItem(page, 'from-vwsh').count()).toBe(0);
    const made = await vwsh(['-c', server.uri(), 'snapshot-create-as test from-vwsh --description "made elsewhere"']);
    expect(made.stdout).toContain('Domain snapshot from-vwsh created');
    await snapshotItem(page, 'from-vwsh').waitFor({ timeout: 10_000 });
    await page.locator('li[aria-current="true"][data-snapshot="from-vwsh"]').waitFor();
    // Phone width: nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('saves the memory in a file of its own, LIVE, its disks external: the snapshot says so', async () => {
    const page = await openWithFragment(TEST_TOKEN);
    await openDomain(page, 'test');
    await page.getByLabel('Memory state').selectOption('external');
    expect(await page.getByLabel('vda', { exact: true }).locator('option').allTextContents()).toEqual(['external (new overlay)', 'not included']);
    await page.getByLabel('Memory file').fill('/guest/web-mem1.save');
    await page.getByRole('checkbox', { name: /Live: the guest keeps running/ }).check();
    await page.getByLabel('Name', { exact: true }).fill('web-mem1');
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    await page.getByRole('status').filter({ hasText: 'Snapshot web-mem1 created atomically.' }).waitFor();
    const xml = (await vwsh(['-c', server.uri(), 'snapshot-dumpxml test web-mem1'])).stdout;
    expect(xml).toContain("<memory snapshot='external' file='/guest/web-mem1.save'/>");
    expect(xml).toMatch(/<disk name='vda' snapshot='external' type='file'>/);
    expect(xml).toContain('<state>running</state>');
  });
});
