// The web console follows the daemon's events: changes made by vwsh appear through an event, with only the calls that event asks for, and after a daemon restart the console registers its callbacks again.
import { confinementPolicy, type ConnectionUri, type DriverConnection, type HypervisorDriver } from '@virtwire/server';
import { TestDriver } from '@virtwire/server/testing';
import type { Browser, Page, WebSocket } from 'playwright-core';
import { pino } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { vwsh } from '../cli/helpers/vwsh-transcript.js';
import { FIXTURE_NODES, startTestDaemon, TEST_TOKEN, type TestDaemon } from '../helpers/virtwired.js';
import { hasChromium, launchChromium, openTab, WEB_ROOT, type ConsoleTab } from './console-browser.js';

/** The test driver as a driver without events would be: its connections have no event bus (registering is VIR_ERR_NO_SUPPORT). */
class NoEventsTestDriver implements HypervisorDriver {
  readonly scheme = 'test';
  private readonly inner = new TestDriver({
    log: pino({ level: 'silent' }),
    stateDir: '/nonexistent',
    confinement: confinementPolicy({ nodeFileRoots: [FIXTURE_NODES] }),
  });

  async open(uri: ConnectionUri): Promise<DriverConnection> {
    const c = await this.inner.open(uri);
    return { capabilities: c.capabilities, uri: c.uri, methods: c.methods, ...(c.jobScope ? { jobScope: c.jobScope } : {}), close: () => c.close() };
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** The JSON-RPC methods a page sends, read off its WebSockets as Chromium writes them. */
class SentCalls {
  methods: string[] = [];

  constructor(page: Page) {
    page.on('websocket', (ws: WebSocket) => {
      ws.on('framesent', ({ payload }) => {
        const message = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8')) as { method?: string };
        if (message.method) this.methods.push(message.method);
      });
    });
  }

  /** How many times `method` was sent since the last take. */
  count(method: string): number {
    return this.methods.filter((m) => m === method).length;
  }

  /**
   * Which methods were sent since the last take, each once and sorted (concurrent fetches interleave;
   * events of one call that reach the page far apart may cost a second fetch), and forgets them.
   */
  take(): string[] {
    const taken = [...new Set(this.methods)].sort();
    this.methods = [];
    return taken;
  }

  /**
   * {@link take} once every method of `expected` was sent, or after 10 s: the page may show what a
   * test waits for before its last fetch leaves (on a loaded machine it did, once), and a call sent
   * too many still shows in the result.
   */
  async takeOnce(expected: readonly string[]): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    while (!expected.every((m) => this.methods.includes(m)) && Date.now() < deadline) await sleep(20);
    return this.take();
  }
}

describe.skipIf(!hasChromium)('the web console follows daemon events', () => {
  let browser: Browser;
  let tab: ConsoleTab | undefined;

  beforeAll(async () => {
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
  });

  /** Opens the console on `server`'s domain `test`, its snapshots listed, calls recorded from the start. */
  async function openTestDomain(server: TestDaemon): Promise<{ page: Page; sent: SentCalls }> {
    tab = await openTab(browser);
    const { page } = tab;
    const sent = new SentCalls(page);
    await page.goto(`${server.wsAddress.replace(/^ws:/, 'http:')}/#token=${encodeURIComponent(TEST_TOKEN)}`);
    await page.getByRole('link', { name: 'test', exact: true }).click();
    await page.getByRole('heading', { name: 'Domain test' }).waitFor();
    await page.getByText('No snapshots.').waitFor();
    expect(await page.getByTestId('live-mode').textContent()).toBe('live');
    return { page, sent };
  }

  /** What one vwsh snapshot makes the open domain page fetch: its definition (an event may change it) and the one new snapshot's XML; the current snapshot comes with the event. */
  const AFTER_SNAPSHOT_CREATED = [
    'DomainGetState',
    'DomainGetXMLDesc',
    'DomainIsPersistent',
    'DomainListAllSnapshots',
    'DomainLookupByName',
    'DomainSnapshotGetXMLDesc',
  ];
  /** What a lifecycle event makes the page read: its state and definition, not the snapshots. */
  const AFTER_LIFECYCLE = ['DomainGetState', 'DomainGetXMLDesc', 'DomainIsPersistent', 'DomainLookupByName'];
  /** What a revert makes it read: the domain anew (libvirt's test driver restarts it), the list, and which snapshot is current. */
  const AFTER_REVERT = [
    'DomainGetState',
    'DomainGetXMLDesc',
    'DomainHasCurrentSnapshot',
    'DomainIsPersistent',
    'DomainListAllSnapshots',
    'DomainLookupByName',
    'DomainSnapshotCurrent',
  ];

  it('shows a vwsh snapshot and suspend through events, fetching only what each event says changed, and polls nothing', async () => {
    await using server = await startTestDaemon({ web: { root: WEB_ROOT } });
    const { page, sent } = await openTestDomain(server);
    const registered = sent.methods.filter((m) => m === 'ConnectDomainEventRegisterAny');
    sent.take();
    expect(registered).toHaveLength(2);

    // A vwsh command that changes nothing: the open page sends nothing while it runs (a polling page would have polled).
    const listed = await vwsh(['-c', server.uri(), 'list --all']);
    expect(listed.stdout).toContain('test');
    const more = await vwsh(['-c', server.uri(), 'dominfo test']);
    expect(more.stdout).toContain('running');
    expect(sent.take()).toEqual([]);

    const made = await vwsh(['-c', server.uri(), 'snapshot-create-as test from-vwsh --description "made elsewhere"']);
    expect(made.stdout).toContain('Domain snapshot from-vwsh created');
    await page.locator('li[aria-current="true"][data-snapshot="from-vwsh"]').waitFor();
    await page.locator('li[data-snapshot="from-vwsh"] .snapshot-description', { hasText: 'made elsewhere' }).waitFor();
    expect(await sent.takeOnce(AFTER_SNAPSHOT_CREATED)).toEqual(AFTER_SNAPSHOT_CREATED);

    // A second snapshot: only its own XML is read (the first one's is remembered).
    await vwsh(['-c', server.uri(), 'snapshot-create-as test second']);
    await page.locator('li[aria-current="true"][data-snapshot="second"]').waitFor();
    expect(sent.count('DomainSnapshotGetXMLDesc')).toBe(1);
    expect(await sent.takeOnce(AFTER_SNAPSHOT_CREATED)).toEqual(AFTER_SNAPSHOT_CREATED);

    // Another current snapshot: virsh's snapshot-current redefines it (REDEFINE|CURRENT), a 'created' event, so its XML is read again.
    await vwsh(['-c', server.uri(), 'snapshot-current test from-vwsh']);
    await page.locator('li[aria-current="true"][data-snapshot="from-vwsh"]').waitFor();
    expect(await sent.takeOnce(AFTER_SNAPSHOT_CREATED)).toEqual(AFTER_SNAPSHOT_CREATED);

    // A lifecycle event: the page's state and definition, not the snapshots.
    await vwsh(['-c', server.uri(), 'suspend test']);
    await page.getByTestId('domain-state').filter({ hasText: 'paused' }).waitFor();
    expect(await sent.takeOnce(AFTER_LIFECYCLE)).toEqual(AFTER_LIFECYCLE);

    // A revert: libvirt 9.0's test driver stops and starts the domain (a new id), so the page reads its state and
    // definition and watches the tree anew: the list, and whether and which snapshot is current.
    await vwsh(['-c', server.uri(), 'snapshot-revert test second']);
    await page.getByTestId('domain-state').filter({ hasText: 'running' }).waitFor();
    await page.locator('li[aria-current="true"][data-snapshot="second"]').waitFor();
    expect(await sent.takeOnce(AFTER_REVERT)).toEqual(AFTER_REVERT);

    // Deleting a parent: its child gets a new parent, so only the child's XML is read again.
    await vwsh(['-c', server.uri(), 'snapshot-delete test from-vwsh']);
    await page.locator('li[data-snapshot="from-vwsh"]').waitFor({ state: 'detached' });
    await page.locator('li[data-snapshot="second"][data-depth="0"]').waitFor();
    expect(sent.count('DomainSnapshotGetXMLDesc')).toBe(1);
    expect(await sent.takeOnce(AFTER_SNAPSHOT_CREATED)).toEqual(AFTER_SNAPSHOT_CREATED);
  }, 60_000);

  it('shows a failed snapshot attempt beside the tree from its failed event, with the per-disk report', async () => {
    // A node file's host is private to its connection (as in libvirt's test driver), so the attempt is made by this page's form;
    // what the tree shows comes from the daemon's failed event, not from the form's error.
    await using server = await startTestDaemon({ web: { root: WEB_ROOT } });
    tab = await openTab(browser);
    const { page } = tab;
    const sent = new SentCalls(page);
    await page.goto(
      `${server.wsAddress.replace(/^ws:/, 'http:')}/#token=${encodeURIComponent(TEST_TOKEN)}&uri=${encodeURIComponent(`test://${FIXTURE_NODES}two-disks.xml`)}`,
    );
    await page.getByRole('link', { name: 'vm2', exact: true }).click();
    await page.getByText('No snapshots.').waitFor();
    expect(await page.getByTestId('failed-snapshot').count()).toBe(0);
    await page.getByLabel('disks only').check();
    await page.getByLabel('New image for vdb').fill('/ro/vdb-overlay.qcow2');
    await page.getByLabel('Name', { exact: true }).fill('doomed');
    sent.take();
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    const alert = page.locator('form.create-snapshot').getByRole('alert');
    await alert.waitFor();
    const report = page.getByTestId('failed-snapshot').getByRole('status');
    await report.waitFor();
    expect(await report.locator('strong').textContent()).toBe('Snapshot doomed failed: ');
    expect(await report.locator('.error-message').textContent()).toBe(await alert.locator('.error-message').textContent());
    expect(await report.locator('.error-code').textContent()).toBe(await alert.locator('.error-code').textContent());
    const disks = (where: typeof report) =>
      where.locator('table.disk-report tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
    expect(await disks(report)).toEqual(await disks(alert));
    expect((await disks(report)).map((row) => row[0])).toEqual(['vda', 'vdb']);
    // Only the create call, the job it started (asked once), and the page's definition (a failure may touch the disks): the tree asked nothing.
    expect(sent.take()).toEqual([
      'DomainGetJobStats',
      'DomainGetState',
      'DomainGetXMLDesc',
      'DomainIsPersistent',
      'DomainLookupByName',
      'DomainSnapshotCreateXML',
    ]);
  }, 60_000);

  it("registers its callbacks again after the daemon restarts, and follows the new daemon's events", async () => {
    const first = await startTestDaemon({ web: { root: WEB_ROOT } });
    const port = Number(new URL(first.wsAddress).port);
    let second: TestDaemon | undefined;
    try {
      const { page, sent } = await openTestDomain(first);
      sent.take();
      await first.close();
      await page.getByRole('status').filter({ hasText: 'Connection to the daemon lost; reconnecting…' }).waitFor();
      second = await startTestDaemon({ web: { root: WEB_ROOT }, listeners: [{ kind: 'tcp', host: '127.0.0.1', port }] });
      await page.getByRole('status').filter({ hasText: 'Reconnected; everything shown was fetched again.' }).waitFor({ timeout: 20_000 });
      await page.getByText('No snapshots.').waitFor();
      expect(sent.methods.filter((m) => m === 'ConnectDomainEventRegisterAny')).toHaveLength(2);
      expect(sent.take()).toContain('DomainListAllSnapshots');
      expect(await page.getByTestId('live-mode').textContent()).toBe('live');

      const made = await vwsh(['-c', second.uri(), 'snapshot-create-as test after-restart']);
      expect(made.stdout).toContain('Domain snapshot after-restart created');
      await page.locator('li[aria-current="true"][data-snapshot="after-restart"]').waitFor();
      expect(await sent.takeOnce(AFTER_SNAPSHOT_CREATED)).toEqual(AFTER_SNAPSHOT_CREATED);
      // While the daemon was away, Chromium logged each refused reconnection attempt; nothing else may have gone wrong.
      tab!.problems.splice(0, tab!.problems.length, ...tab!.problems.filter((p) => !/WebSocket connection to '.*' failed/.test(p)));
    } finally {
      await second?.close();
      await first.close().catch(() => {});
    }
  }, 60_000);

  it('polls, and says so, where the driver sends no events', async () => {
    await using server = await startTestDaemon({ web: { root: WEB_ROOT } }, [new NoEventsTestDriver()]);
    tab = await openTab(browser);
    const { page } = tab;
    await page.goto(`${server.wsAddress.replace(/^ws:/, 'http:')}/#token=${encodeURIComponent(TEST_TOKEN)}`);
    await page.getByRole('link', { name: 'test', exact: true }).click();
    await page.getByText('No snapshots.').waitFor();
    expect(await page.getByTestId('live-mode').textContent()).toBe('polling');
    expect(await page.getByTestId('polling-note').textContent()).toContain('virConnectDomainEventRegisterAny');
    await vwsh(['-c', server.uri(), 'snapshot-create-as test polled']);
    await page.locator('li[aria-current="true"][data-snapshot="polled"]').waitFor({ timeout: 10_000 });
  }, 60_000);
});
