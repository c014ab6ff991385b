#!/usr/bin/env node
// Benchmark: listing 10,000 and 100,000 snapshots and create+delete pairs per second, test driver, daemon in its own process.
// Run after `npm run build`:  node bench/snapshot-list.mjs [--max 100000]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@virtwire/client';
import { benchTokenArgs } from './lib/bench-token.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const maxIndex = process.argv.indexOf('--max');
const MAX = maxIndex > 0 ? Number(process.argv[maxIndex + 1]) : 100_000;
const CHECKPOINTS = [10_000, 100_000].filter((n) => n <= MAX);
const PIPELINE = 512;

/** Starts virtwired on an ephemeral loopback port and resolves to its ws:// address. */
function startDaemon(stateDir) {
  const child = spawn(
    process.execPath,
    [
      join(root, 'packages/server/bin/virtwired.js'),
      '--listen',
      '127.0.0.1:0',
      '--no-unix',
      '--state-dir',
      stateDir,
      ...benchTokenArgs(stateDir),
      '--log-level',
      'info',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stderr.on('data', (chunk) => {
      buffered += chunk;
      for (const line of buffered.split('\n')) {
        try {
          const record = JSON.parse(line);
          if (record.addresses) {
            child.stderr.removeAllListeners('data');
            child.stderr.resume();
            resolve({ child, address: record.addresses.find((a) => a.startsWith('ws://')) });
          }
        } catch {
          // partial line
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`virtwired exited with ${code}`)));
  });
}

const rssMiB = (pid) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
};
const name = (i) => `s-${String(i).padStart(6, '0')}`;
const xml = (i) => `<domainsnapshot><name>${name(i)}</name></domainsnapshot>`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(fn) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** Creates snapshots from..to-1 with PIPELINE calls in flight; returns creates per second. */
async function createRange(dom, from, to) {
  const { ms } = await timed(async () => {
    for (let start = from; start < to; start += PIPELINE) {
      const batch = [];
      for (let i = start; i < Math.min(to, start + PIPELINE); i++) batch.push(dom.snapshotCreateXML(xml(i)));
      await Promise.all(batch);
    }
  });
  return ((to - from) / ms) * 1000;
}

/** Lists every snapshot `rounds` times; returns the median time and the JSON size of one answer. */
async function listAll(dom, rounds) {
  const times = [];
  let bytes = 0;
  for (let r = 0; r < rounds; r++) {
    const { value, ms } = await timed(() => dom.connection.call('DomainListAllSnapshots', { domain: dom.ref, flags: 0 }));
    times.push(ms);
    bytes = Buffer.byteLength(JSON.stringify(value));
  }
  return { ms: median(times), bytes };
}

/** Sequential create+delete pairs (each call waits for the previous answer); returns pairs per second. */
async function pairs(dom, count, tag) {
  const { ms } = await timed(async () => {
    for (let i = 0; i < count; i++) {
      const snapshot = await dom.snapshotCreateXML(`<domainsnapshot><name>pair-${tag}-${i}</name></domainsnapshot>`);
      await snapshot.delete();
    }
  });
  return (count / ms) * 1000;
}

/** The same pairs, PIPELINE calls in flight; returns pairs per second. */
async function pipelinedPairs(dom, count, tag) {
  const { ms } = await timed(async () => {
    for (let start = 0; start < count; start += PIPELINE / 2) {
      const batch = [];
      for (let i = start; i < Math.min(count, start + PIPELINE / 2); i++) {
        const snapshotName = `pipe-${tag}-${i}`;
        batch.push(dom.snapshotCreateXML(`<domainsnapshot><name>${snapshotName}</name></domainsnapshot>`));
        batch.push(dom.connection.call('DomainSnapshotDelete', { snapshot: { name: snapshotName, domain: dom.ref }, flags: 0 }));
      }
      await Promise.all(batch);
    }
  });
  return (count / ms) * 1000;
}

const stateDir = mkdtempSync(join(tmpdir(), 'virtwire-bench-'));
const { child, address } = await startDaemon(stateDir);
const rows = [];
try {
  const conn = await connect(`test+ws://${address.slice('ws://'.length)}/default`);
  const dom = await conn.domainLookupByName('test');
  let created = 0;
  for (const target of CHECKPOINTS) {
    const createRate = await createRange(dom, created, target);
    created = target;
    const list = await listAll(dom, target >= 100_000 ? 3 : 5);
    const sequential = await pairs(dom, 2_000, target);
    const pipelined = await pipelinedPairs(dom, 10_000, target);
    rows.push({ snapshots: target, createRate, list, sequential, pipelined, rss: rssMiB(child.pid) });
  }
  // Several full lists in flight at once: do the answers arrive? (The daemon drops a client once 16 MiB of
  // answers wait unread; an answer is always written when less than that waits.)
  const concurrent = [];
  for (const inFlight of [2, 4]) {
    const probe = await connect(`test+ws://${address.slice('ws://'.length)}/default`);
    const probeDom = await probe.domainLookupByName('test');
    const settled = await Promise.allSettled(Array.from({ length: inFlight }, () => probe.call('DomainListAllSnapshots', { domain: probeDom.ref, flags: 0 })));
    const ok = settled.filter((r) => r.status === 'fulfilled').length;
    const failure = settled.find((r) => r.status === 'rejected');
    concurrent.push(`${inFlight} at once: ${ok} answered${failure ? `, then ${failure.reason.message}` : ''}`);
    await probe.close();
  }
  await conn.close();

  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; daemon and client in separate processes over ws://127.0.0.1`);
  console.log('');
  console.log(
    '| snapshots | creates/s (512 in flight) | full list: time | full list: JSON size | create+delete pairs/s, one at a time | pairs/s, 512 calls in flight | daemon RSS |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${fmt(row.snapshots)} | ${fmt(row.createRate)} | ${row.list.ms.toFixed(0)} ms | ${(row.list.bytes / 1024 / 1024).toFixed(1)} MiB | ${fmt(row.sequential)} | ${fmt(row.pipelined)} | ${row.rss} MiB |`,
    );
  }
  console.log('');
  console.log(`Full lists of ${fmt(created)} requested on one connection, ${concurrent.join('; ')}.`);
} finally {
  child.kill('SIGTERM');
  rmSync(stateDir, { recursive: true, force: true });
}
