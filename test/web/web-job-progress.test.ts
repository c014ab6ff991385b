// The web console's running-job view shows a QEMU job's data done and in all (a live merge held at "ready"), as a determinate progress bar.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { DomainSnapshotCreateFlags as Create } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKEN } from '../helpers/virtwired.js';
import { domainXml, guestWrite, hasQemu, inspect, MiB, target } from '../qemu/qemu-fixture.js';
import { useQemuDaemon } from '../qemu/qemu-daemon-fixture.js';
import { hasChromium, launchChromium, openTab, WEB_ROOT } from './console-browser.js';

const markers = mkdtempSync(join(tmpdir(), 'virtwire-web-progress-'));
const PAUSE = join(markers, 'commit-ready');
// Read by the qemu driver when this file's daemon starts (in this process): the merge of vda waits at "ready" while the marker exists.
process.env.VIRTWIRE_FAILPOINTS = `qemu.snapshot-delete.live-commit.ready.vda=pause:${PAUSE}`;

describe.skipIf(!hasChromium || !hasQemu)("the web console's job progress, on real QEMU", () => {
  const qemu = useQemuDaemon({ daemon: { web: { root: WEB_ROOT } } });
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(markers, { recursive: true, force: true });
  });

  it('shows the bytes a held snapshot delete merged, of its total, as the daemon reports them', async () => {
    const { conn, box, images } = qemu;
    const disk = await box.image(join(images, 'wp-vda.qcow2'), 8 * MiB);
    const dom = await conn.domainDefineXML(domainXml('progress', [{ target: target(0), path: disk }]));
    await dom.create();
    const overlay = join(images, 'wp-vda.s1');
    await dom.snapshotCreateXML(
      `<domainsnapshot><name>s1</name><disks><disk name='vda' snapshot='external'><source file='${overlay}'/></disk></disks></domainsnapshot>`,
      Create.DiskOnly | Create.Atomic,
    );
    const monitor = await inspect(qemu.runtimeDir, dom.uuid);
    await guestWrite(monitor, 'vda', 0x5a, '2M');
    monitor.close();
    const deleting = (await dom.snapshotLookupByName('s1')).delete();
    while (!existsSync(PAUSE)) await sleep(10);
    const stats = await conn.call('DomainGetJobStats', { domain: dom.ref, flags: 0 });
    const { data_processed: processed, data_total: total } = stats.params;
    expect(processed).toBeGreaterThanOrEqual(2 * MiB);

    const { page, problems } = await openTab(browser);
    try {
      await page.goto(
        `${qemu.server.wsAddress.replace(/^ws:/, 'http:')}/#token=${encodeURIComponent(TEST_TOKEN)}&uri=${encodeURIComponent('qemu:///session')}`,
      );
      await page.getByRole('link', { name: 'progress', exact: true }).click();
      const job = page.getByTestId('job');
      await job.waitFor();
      const mib = (bytes: unknown) => `${(Number(bytes) / MiB).toFixed(1)} MiB`;
      expect(await job.textContent()).toMatch(new RegExp(`^Snapshot delete job running for \\d+ s\\. ${mib(processed)} of ${mib(total)} done\\. $`));
      const bar = page.getByRole('progressbar', { name: 'Job progress' });
      expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual([String(processed), String(total)]);
      rmSync(PAUSE);
      await deleting;
      await job.waitFor({ state: 'detached' });
      expect(await dom.snapshotNum()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await dom.destroy().catch(() => undefined);
    }
  }, 120_000);
});
