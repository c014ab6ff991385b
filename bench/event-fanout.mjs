#!/usr/bin/env node
// Event fan-out: delivery latency and create+delete pairs/s with 0, 1, 100 and 1,000 subscribers on one daemon (unix socket, test driver).
//
// Usage: npm run build && node bench/event-fanout.mjs [PAIRS]   (default 300 pairs per row)
// Each subscriber is a bare WebSocket registered for virtwire's snapshot events; one actor makes
// snapshot create+delete pairs one after the other. Latency: from the actor sending a create to a
// subscriber receiving its `created` event (so it includes the call itself), over every subscriber
// and event. Prints one JSON line per row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startDaemon } from '@virtwire/server';

const PAIRS = Number(process.argv[2] ?? 300);
const dir = mkdtempSync(join(tmpdir(), 'virtwire-fanout-'));
const socket = join(dir, 'sock');
const daemon = await startDaemon({
  listeners: [{ kind: 'unix', path: socket, readOnly: false }],
  stateDir: join(dir, 'state'),
  logLevel: 'silent',
  limits: { maxConnections: 5000, maxConnectionsPerPrincipal: 5000, maxPendingConnections: 200, maxPendingPerPeer: 200 },
});

/** A bare JSON-RPC client on the unix socket. */
async function client(onNotification) {
  const ws = new WebSocket(`ws+unix://${socket}:/`, ['virtwire.v1'], { perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const waiting = new Map();
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.id !== undefined) {
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
    } else onNotification?.(message.params);
  });
  const call = (method, params) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      waiting.set(n, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method, params }));
    });
  await call('ConnectOpen', { uri: 'test:///default', flags: 0 });
  return { call, close: () => ws.close() };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const actor = await client();
const domain = await actor.call('DomainLookupByName', { name: 'test' });
const sentAt = new Map();
const subscribers = [];
const latencies = [];
let received = 0;

async function addSubscribers(total) {
  while (subscribers.length < total) {
    const batch = Math.min(50, total - subscribers.length);
    const opened = await Promise.all(
      Array.from({ length: batch }, () =>
        client((event) => {
          received++;
          if (event.action === 'created') latencies.push(performance.now() - sentAt.get(event.snapshot));
        }),
      ),
    );
    for (const c of opened) await c.call('ConnectDomainEventRegisterAny', { eventID: 1000, domain: null });
    subscribers.push(...opened);
  }
}

async function row(count) {
  await addSubscribers(count);
  const pairs = async (n, prefix) => {
    for (let k = 0; k < n; k++) {
      const name = `${prefix}${k}`;
      sentAt.set(name, performance.now());
      const snapshot = await actor.call('DomainSnapshotCreateXML', { domain, xml: `<domainsnapshot><name>${name}</name></domainsnapshot>`, flags: 0 });
      await actor.call('DomainSnapshotDelete', { snapshot, flags: 0 });
    }
  };
  await pairs(Math.min(50, PAIRS), `warm${count}-`);
  // every event of the warm-up reaches every subscriber before the measured pairs start
  await Promise.all(subscribers.map((s) => s.call('ConnectGetVersion', {})));
  latencies.length = 0;
  received = 0;
  const start = performance.now();
  await pairs(PAIRS, `run${count}-`);
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(subscribers.map((s) => s.call('ConnectGetVersion', {})));
  const expected = PAIRS * 4 * subscribers.length; // created, current-changed, deleted, current-changed
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    subscribers: subscribers.length,
    pairs: PAIRS,
    pairsPerSecond: Math.round(PAIRS / seconds),
    eventsDelivered: received,
    eventsExpected: expected,
    latencyP50Ms: sorted.length ? Number(percentile(sorted, 50).toFixed(2)) : null,
    latencyP99Ms: sorted.length ? Number(percentile(sorted, 99).toFixed(2)) : null,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

try {
  for (const count of [0, 1, 100, 1000]) await row(count);
} finally {
  for (const s of subscribers) s.close();
  actor.close();
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
}
