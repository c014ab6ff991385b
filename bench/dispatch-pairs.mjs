#!/usr/bin/env node
// In-process cost of snapshot create + delete pairs through the dispatcher and the test driver (no sockets).
//
// Usage: npm run build && node bench/dispatch-pairs.mjs [PAIRS]   (add --cpu-prof to node for a profile)
// Isolates the daemon's own JavaScript per call from the transport; the full picture is `npm run bench`.
import { pino } from 'pino';
import { Dispatcher, TestDriver } from '@virtwire/server/testing';

const pairs = Number(process.argv[2] ?? 20000);
const log = pino({ level: 'silent' });
const driver = new TestDriver({ log, stateDir: '/nonexistent', nodeFileRoots: [], storageRoots: [] });
const dispatcher = new Dispatcher([driver]);
const session = { id: 'c1', readOnly: false, driver: null, log };
const call = (method, params) => dispatcher.call(method, params, session);

await call('ConnectOpen', { uri: 'test:///default', flags: 0 });
const domain = await call('DomainLookupByName', { name: 'test' });
const run = async (count, prefix) => {
  for (let k = 0; k < count; k++) {
    const snapshot = await call('DomainSnapshotCreateXML', { domain, xml: `<domainsnapshot><name>${prefix}${k}</name></domainsnapshot>`, flags: 128 });
    await call('DomainSnapshotDelete', { snapshot, flags: 0 });
  }
};
await run(2000, 'w');
const start = performance.now();
await run(pairs, 'm');
const us = ((performance.now() - start) * 1000) / pairs;
process.stdout.write(`${JSON.stringify({ pairs, usPerPair: Number(us.toFixed(1)) })}\n`);
