#!/usr/bin/env node
// The web console's first load in headless Chromium against a real virtwired: bytes on the wire (gzip), and time to an interactive domain list.
//
// npm run build && node bench/web-first-load.mjs [--runs N]   (prints Markdown; writes bench/results/web-first-load.md)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startConsoleSession, WEB_ROOT } from '../scripts/web-console-session.mjs';
/* global window, document, MutationObserver -- the functions given to page.addInitScript and page.evaluate run in the browser */

const { values: argv } = parseArgs({ options: { runs: { type: 'string' } } });
const RUNS = Number(argv.runs ?? 9);
const OUT = fileURLToPath(new URL('./results/web-first-load.md', import.meta.url));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** The files of the build, raw and gzipped (-9, as virtwired serves them). */
function buildSizes() {
  const files = ['index.html', ...readdirSync(join(WEB_ROOT, 'assets')).map((name) => `assets/${name}`)];
  return files.map((file) => {
    const body = readFileSync(join(WEB_ROOT, file));
    return { file, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
}

const session = await startConsoleSession();
const loads = [];
/** Every path the first loads fetched: the lazy chunks (XML, xterm.js, noVNC) must not be among them. */
const fetched = new Set();
try {
  for (let run = 0; run < RUNS; run++) {
    // A fresh context each run: nothing cached, nothing in sessionStorage.
    const context = await session.browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    // Records, inside the page, when the first domain row is in the DOM (CDP-injected, so outside the page's CSP).
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('tr[data-domain]')) {
          window.__domainListAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const requests = new Map();
    let bytes = 0;
    cdp.on('Network.requestWillBeSent', (e) => {
      requests.set(e.requestId, e.request.url);
      fetched.add(new URL(e.request.url).pathname);
    });
    cdp.on('Network.loadingFinished', (e) => {
      if (requests.has(e.requestId)) bytes += e.encodedDataLength;
    });
    await page.goto(session.link());
    await page.waitForFunction(() => window.__domainListAt !== undefined);
    const timing = await page.evaluate(() => ({ list: window.__domainListAt, dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd }));
    loads.push({ ...timing, bytes, requests: requests.size });
    await context.close();
  }
} finally {
  await session.close();
}

const sizes = buildSizes();
// The XML parser comes with the first domain page, xterm.js only when a serial console is opened, noVNC only when a graphical console is.
const LAZY = /\/(xml|serial-terminal|graphics-display)-/;
const initial = sizes.filter((s) => !LAZY.test(s.file));
const lazyFetched = [...fetched].filter((path) => LAZY.test(path));
if (lazyFetched.length > 0) throw new Error(`the first load fetched lazy chunks: ${lazyFetched.join(', ')}`);
const lines = [
  '# Web console: first load',
  '',
  `Command: \`npm run build && node bench/web-first-load.mjs --runs ${RUNS}\` on ${new Date().toISOString().slice(0, 10)}; headless Chromium (/usr/bin/chromium) against virtwired (test driver) on loopback, a fresh browser context per run (cache disabled), 1-minute load average ${loadavg()[0].toFixed(1)} when it ended.`,
  '',
  '| figure | median | min | max |',
  '| --- | --- | --- | --- |',
  `| HTTP bytes on the wire, first load (headers included; the WebSocket is not counted) | ${kib(median(loads.map((l) => l.bytes)))} | ${kib(Math.min(...loads.map((l) => l.bytes)))} | ${kib(Math.max(...loads.map((l) => l.bytes)))} |`,
  `| HTTP requests | ${median(loads.map((l) => l.requests))} | ${Math.min(...loads.map((l) => l.requests))} | ${Math.max(...loads.map((l) => l.requests))} |`,
  `| DOMContentLoaded, ms after navigation start | ${median(loads.map((l) => l.dcl)).toFixed(0)} | ${Math.min(...loads.map((l) => l.dcl)).toFixed(0)} | ${Math.max(...loads.map((l) => l.dcl)).toFixed(0)} |`,
  `| Domain list shown (connected, token sent, domains and states fetched), ms after navigation start | ${median(loads.map((l) => l.list)).toFixed(0)} | ${Math.min(...loads.map((l) => l.list)).toFixed(0)} | ${Math.max(...loads.map((l) => l.list)).toFixed(0)} |`,
  '',
  'The build, file by file (gzip -9, as virtwired serves it to clients that accept gzip):',
  '',
  '| file | bytes | gzip |',
  '| --- | --- | --- |',
  ...sizes.map((s) => `| ${s.file} | ${s.raw} | ${s.gzip} |`),
  `| everything but the XML chunks (loaded on the domain page), the serial terminal (xterm.js) and the graphical display (noVNC; each loaded when its console opens) | ${initial.reduce((a, s) => a + s.raw, 0)} | ${initial.reduce((a, s) => a + s.gzip, 0)} |`,
  '',
  `Fetched by the first loads: ${[...fetched].sort().join(', ')} (none of the lazy chunks).`,
  '',
];
writeFileSync(OUT, lines.join('\n'));
console.log(lines.join('\n'));
