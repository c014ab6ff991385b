// The web console's running-job view against real QEMU (TCG): a snapshot job held at a step before its commit point is shown, and Cancel aborts it (virDomainAbortJob), nothing changed.
import { DomainSnapshotCreateFlags as Create, ErrorNumber } from '@virtwire/client';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKEN } from '../helpers/virtwired.js';
import { domainXml, failure, hasQemu, target } from '../qemu/qemu-fixture.js';
import { useQemuDaemon } from '../qemu/qemu-daemon-fixture.js';
import { hasChromium, launchChromium, openTab } from './console-browser.js';
import { WEB_ROOT } from './console-browser.js';

const markers = mkdtempSync(join(tmpdir(), 'virtwire-web-job-'));
const PAUSE = join(markers, 'before-transaction');
// Read by the qemu driver when this file's daemon starts (in this process): the live external snapshot waits before its transaction while the marker exists.
process.env.VIRTWIRE_FAILPOINTS = `qemu.snapshot-create.live-external.before-transaction=pause:${PAUSE}`;

describe.skipIf(!hasChromium || !hasQemu)("the web console's running job, on real QEMU", () => {
  const qemu = useQemuDaemon({ daemon: { web: { root: WEB_ROOT } } });
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(markers, { recursive: true, force: true });
  });

  it("shows a snapshot job another client started, and cancels it: aborted in libvirt's words, nothing changed", async () => {
    const { conn, box, images } = qemu;
    const disks = await Promise.all([0, 1].map((i) => box.image(join(images, `job-${target(i)}.qcow2`), 8 * 1024 * 1024)));
    const dom = await conn.domainDefineXML(
      domainXml(
        'jobs',
        disks.map((path, i) => ({ target: target(i), path })),
      ),
    );
    await dom.create();
    const imagesBefore = readdirSync(images).sort();
    const overlays = [0, 1].map((i) => `<disk name='${target(i)}' snapshot='external'><source file='${join(images, `job-${target(i)}.s1`)}'/></disk>`).join('');
    const creating = failure(
      dom.snapshotCreateXML(`<domainsnapshot><name>s1</name><disks>${overlays}</disks></domainsnapshot>`, Create.DiskOnly | Create.Atomic),
    );
    while (!existsSync(PAUSE)) await sleep(10);

    const tab = await openTab(browser);
    const { page, problems } = tab;
    // The page's DomainAbortJob answered (read off its WebSocket): the abort was honoured while the step waited.
    const aborted = new Promise<unknown>((resolve) => {
      page.on('websocket', (ws) => {
        const ids = new Set<unknown>();
        ws.on('framesent', ({ payload }) => {
          const message = JSON.parse(String(payload)) as { id?: unknown; method?: string };
          if (message.method === 'DomainAbortJob') ids.add(message.id);
        });
        ws.on('framereceived', ({ payload }) => {
          const message = JSON.parse(String(payload)) as { id?: unknown; result?: unknown; error?: unknown };
          if (ids.has(message.id)) resolve(message.error ?? message.result);
        });
      });
    });
    try {
      await page.goto(
        `${qemu.server.wsAddress.replace(/^ws:/, 'http:')}/#token=${encodeURIComponent(TEST_TOKEN)}&uri=${encodeURIComponent('qemu:///session')}`,
      );
      await page.getByRole('link', { name: 'jobs', exact: true }).click();
      const job = page.getByTestId('job');
      await job.waitFor();
      expect(await job.textContent()).toMatch(/^Snapshot job running for \d+ s\./);
      await page.getByRole('button', { name: 'Cancel job' }).click();
      // Honoured while the step waits (the answer is null); then the step is released and the job stops there.
      expect(await aborted).toBeNull();
      rmSync(PAUSE);
      const error = await creating;
      expect([error.code, error.message]).toEqual([ErrorNumber.OperationAborted, 'operation aborted: snapshot job: canceled by client']);
      await job.waitFor({ state: 'detached' });
      expect(await page.getByRole('alert').count()).toBe(0);
      // The failed event reached the page too: the same words, with the per-disk report (every disk rolled back or untouched).
      const report = page.getByTestId('failed-snapshot').getByRole('status');
      await report.waitFor();
      expect(await report.locator('.error-message').textContent()).toBe('operation aborted: snapshot job: canceled by client');
      expect(await dom.snapshotNum()).toBe(0);
      expect(readdirSync(images).sort()).toEqual(imagesBefore);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await dom.destroy().catch(() => undefined);
    }
  }, 120_000);
});
