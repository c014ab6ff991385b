#!/usr/bin/env node
// The web console with 1,000 domains and a tree of 10,000 snapshots in headless Chromium: time to show them, main-thread long tasks while idle, and a click's response.
//
// npm run build && node bench/web-scale.mjs [--domains N] [--snapshots N]   (prints Markdown; writes bench/results/web-scale.md)
import { connect } from '@virtwire/client';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startConsoleSession } from '../scripts/web-console-session.mjs';
/* global window, document, MutationObserver, PerformanceObserver, requestAnimationFrame -- the functions given to the page run in the browser */

const { values: argv } = parseArgs({ options: { domains: { type: 'string' }, snapshots: { type: 'string' } } });
const DOMAINS = Number(argv.domains ?? 1_000);
const SNAPSHOTS = Number(argv.snapshots ?? 10_000);
const OUT = fileURLToPath(new URL('./results/web-scale.md', import.meta.url));
const IDLE_MS = 10_000;

const session = await startConsoleSession();
const rows = [];
try {
  // This connection holds test:///default for the whole run, so the page sees the same host.
  const conn = await connect(`test+ws://${new URL(session.origin).host}/default`, { token: session.token });
  let t = performance.now();
  for (let i = 0; i < DOMAINS - 1; i++) {
    await conn.domainDefineXML(`<domain type='test'><name>vm-${String(i).padStart(4, '0')}</name><memory>65536</memory><os><type>hvm</type></os></domain>`);
  }
  const test = await conn.domainLookupByName('test');
  // A tree, not a chain: every 100th snapshot is taken after reverting to the 50th before it.
  const names = [];
  for (let i = 0; i < SNAPSHOTS; i++) {
    if (i > 0 && i % 100 === 0) await (await test.snapshotLookupByName(names[i - 50])).revert();
    const snap = await test.snapshotCreateXML(`<domainsnapshot><name>s${i}</name></domainsnapshot>`);
    names.push(snap.name);
  }
  console.error(`set-up: ${DOMAINS} domains, ${SNAPSHOTS} snapshots in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const page = await session.browser.newPage({ viewport: { width: 1100, height: 800 } });
  await page.addInitScript(
    ({ domains, snapshots }) => {
      window.__marks = {};
      window.__longTasks = [];
      new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => ({ start: e.startTime, duration: e.duration })))).observe({
        type: 'longtask',
        buffered: true,
      });
      new MutationObserver(() => {
        if (window.__marks.list === undefined && document.querySelectorAll('tr[data-domain]').length === domains) window.__marks.list = performance.now();
        if (window.__marks.tree === undefined && document.querySelectorAll('li[data-snapshot]').length === snapshots) window.__marks.tree = performance.now();
      }).observe(document, { childList: true, subtree: true });
    },
    { domains: DOMAINS, snapshots: SNAPSHOTS },
  );
  // Every JSON-RPC call the page sends, read off its WebSockets.
  let pageCalls = 0;
  page.on('websocket', (ws) => ws.on('framesent', () => pageCalls++));
  await page.goto(session.link());
  await page.waitForFunction(() => window.__marks.list !== undefined, undefined, { timeout: 120_000 });
  rows.push([`Domain list of ${DOMAINS} shown, ms after navigation start`, (await page.evaluate(() => window.__marks.list)).toFixed(0)]);

  t = await page.evaluate(() => performance.now());
  await page.getByRole('link', { name: 'test', exact: true }).click();
  await page
    .waitForFunction(() => window.__marks.tree !== undefined, undefined, { timeout: 180_000 })
    .catch(async (error) => {
      console.error(
        await page.evaluate(() => [document.querySelectorAll('li[data-snapshot]').length, document.querySelector('main')?.innerText.slice(0, 2000)]),
      );
      throw error;
    });
  rows.push([
    `Snapshot tree of ${SNAPSHOTS} shown, ms after the click on the domain`,
    (await page.evaluate((start) => window.__marks.tree - start, t)).toFixed(0),
  ]);

  // Idle with the page open: how much of the main thread do long tasks take, and how many calls does the page send (events: none; polling: a few a round)?
  const idleFrom = await page.evaluate(() => performance.now());
  const callsBefore = pageCalls;
  await page.waitForTimeout(IDLE_MS);
  rows.push([
    `Calls the page sent during ${IDLE_MS / 1000} s idle on the tree page (it follows events; a polling page would send a few a round)`,
    String(pageCalls - callsBefore),
  ]);
  const idle = await page.evaluate((from) => window.__longTasks.filter((task) => task.start >= from), idleFrom);
  rows.push([
    `Long tasks (> 50 ms) during ${IDLE_MS / 1000} s idle on the tree page: count / longest ms / total ms`,
    `${idle.length} / ${Math.max(0, ...idle.map((x) => x.duration)).toFixed(0)} / ${idle.reduce((a, x) => a + x.duration, 0).toFixed(0)}`,
  ]);

  // A click's response on the big page, measured inside it: open one snapshot's actions, until the panel is painted (median of 5).
  const clicks = [];
  for (let i = 0; i < 5; i++) {
    const name = names[SNAPSHOTS - 1 - i * 7];
    clicks.push(
      await page.evaluate(async (snapshot) => {
        const item = document.querySelector(`li[data-snapshot="${snapshot}"]`);
        const start = performance.now();
        item.querySelector('button').click();
        await new Promise((resolve) => {
          const check = () => (item.querySelector('.snapshot-actions') ? resolve() : requestAnimationFrame(check));
          check();
        });
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
        return performance.now() - start;
      }, name),
    );
  }
  clicks.sort((a, b) => a - b);
  rows.push(['Click on a snapshot\'s "Revert / delete…" until its panel is painted, ms (median of 5, measured in the page)', clicks[2].toFixed(0)]);
  const requests = conn.requestsSent;
  await conn.close();
  void requests;
} finally {
  await session.close();
}

const lines = [
  '# Web console at scale',
  '',
  `Command: \`npm run build && node bench/web-scale.mjs --domains ${DOMAINS} --snapshots ${SNAPSHOTS}\` on ${new Date().toISOString().slice(0, 10)}; headless Chromium against virtwired (test driver) on loopback; 1-minute load average ${loadavg()[0].toFixed(1)} at the end (2 CPUs shared with other work).`,
  '',
  '| figure | value |',
  '| --- | --- |',
  ...rows.map(([figure, value]) => `| ${figure} | ${value} |`),
  '',
];
writeFileSync(OUT, lines.join('\n'));
console.log(lines.join('\n'));
