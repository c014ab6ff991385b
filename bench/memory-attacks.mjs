#!/usr/bin/env node
// The two memory attacks of issue 10 and their variants against the real virtwired binary: daemon RSS, and the worst wait of a well-behaved client on another connection.
//
// Usage: npm run build && node bench/memory-attacks.mjs [--seconds 5] [--snapshots 6000]
// Writes a table to stdout (and bench/results/memory-attacks.md). Opt-in: it takes about a minute.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 5);
const SNAPSHOTS = arg('snapshots', 6000);
const NAME_LENGTH = 200; // the longest name the name policy accepts

function nodeFile(count) {
  const name = (i) => `s${i}-`.padEnd(NAME_LENGTH, 'x');
  const snapshots = Array.from(
    { length: count },
    (_, i) =>
      `<test:domainsnapshot><name>${name(i)}</name><state>shutoff</state><creationTime>${1_600_000_000 + i}</creationTime><active>0</active></test:domainsnapshot>`,
  ).join('\n');
  return `<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><domain type='test'><name>big</name><uuid>0b1c2d3e-4f50-4a6b-9c8d-7e6f5a4b3c2d</uuid><memory unit='KiB'>1048576</memory><os><type>hvm</type></os><test:runstate>5</test:runstate>${snapshots}</domain></node>`;
}

async function startDaemon(dir) {
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'packages/server/bin/virtwired.js'),
      '--unix',
      join(dir, 'sock'),
      '--unix-ro',
      join(dir, 'sock-ro'),
      '--state-dir',
      join(dir, 'state'),
      '--node-dir',
      join(dir, 'nodes'),
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  for (let i = 0; i < 200; i++) {
    try {
      readFileSync(`/proc/${child.pid}/status`);
      const probe = await open(join(dir, 'sock'));
      probe.terminate();
      return { child, stderr: () => stderr, rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) * 1024 };
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`virtwired did not start: ${stderr}`);
}

function open(socketPath) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws+unix://${socketPath}:/`, ['virtwire.v1'], { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** A well-behaved client: one call at a time, as fast as answers come, recording the worst wait (runs in its own process). */
async function runClient(socketPath) {
  const ws = await open(socketPath);
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const reply = JSON.parse(data.toString());
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  const call = (method, params) =>
    new Promise((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method, params }));
    });
  await call('ConnectOpen', { uri: 'test:///default' });
  let worst = 0;
  let started = performance.now();
  let inCall = false;
  process.on('message', (message) => {
    // A call still waiting counts with the time it has waited so far.
    const current = inCall ? performance.now() - started : 0;
    process.send({ worst: Math.max(worst, current) });
    worst = 0;
    if (message === 'stop') process.exit(0);
  });
  process.send('ready');
  for (;;) {
    started = performance.now();
    inCall = true;
    await call('ConnectGetVersion', {});
    inCall = false;
    worst = Math.max(worst, performance.now() - started);
    await sleep(5);
  }
}

/** Starts the well-behaved client in a process of its own, so the attackers' work here cannot delay it. */
async function wellBehaved(socketPath) {
  const child = fork(fileURLToPath(import.meta.url), ['--client', socketPath]);
  await new Promise((resolve) => child.once('message', resolve));
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m.worst));
      child.send(message);
    });
  return { takeWorst: () => ask('take'), stop: () => ask('stop') };
}

/** Attack: connections on the read-only socket sending batches of 64 full snapshot lists, reading nothing (or reading). */
async function batchLists(dir, { connections, read }) {
  const attackers = [];
  for (let c = 0; c < connections; c++) {
    const ws = await open(join(dir, 'sock-ro'));
    await new Promise((resolve) => {
      ws.once('message', resolve);
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ConnectOpen', params: { uri: `test://${join(dir, 'nodes', 'big.xml')}` } }));
    });
    if (!read) ws._socket.pause();
    attackers.push(ws);
  }
  const domain = { name: 'big', uuid: '0b1c2d3e-4f50-4a6b-9c8d-7e6f5a4b3c2d', id: -1 };
  const batch = JSON.stringify(Array.from({ length: 64 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'DomainListAllSnapshots', params: { domain } })));
  return { attackers, fire: () => attackers.forEach((ws) => ws.readyState === ws.OPEN && ws.bufferedAmount < 4e6 && ws.send(batch)) };
}

/** Attack: connections flooding app-level PING frames, reading nothing (or reading). */
async function pingFlood(dir, { connections, read }) {
  const attackers = [];
  for (let c = 0; c < connections; c++) {
    const ws = await open(join(dir, 'sock-ro'));
    if (!read) ws._socket.pause();
    attackers.push(ws);
  }
  return {
    attackers,
    fire: () =>
      attackers.forEach((ws) => {
        for (let i = 0; i < 2000 && ws.readyState === ws.OPEN && ws.bufferedAmount < 4e6; i++) ws.send('PING');
      }),
  };
}

const VARIANTS = [
  ['batch of 64 full snapshot lists, not reading', batchLists, { connections: 1, read: false }],
  ['batch of 64 full snapshot lists, reading', batchLists, { connections: 1, read: true }],
  ['batch of 64 full snapshot lists, 8 connections not reading', batchLists, { connections: 8, read: false }],
  ['PING flood, not reading', pingFlood, { connections: 1, read: false }],
  ['PING flood, reading', pingFlood, { connections: 1, read: true }],
  ['PING flood, 8 connections not reading', pingFlood, { connections: 8, read: false }],
];

if (process.argv[2] === '--client') {
  await runClient(process.argv[3]);
}

const dir = mkdtempSync(join(tmpdir(), 'vw-memory-'));
mkdirSync(join(dir, 'nodes'));
writeFileSync(join(dir, 'nodes', 'big.xml'), nodeFile(SNAPSHOTS));
const rows = [];
try {
  for (const [label, attack, options] of VARIANTS) {
    const daemon = await startDaemon(dir);
    const good = await wellBehaved(join(dir, 'sock'));
    await sleep(500);
    const baseline = daemon.rss();
    await good.takeWorst();
    const { attackers, fire } = await attack(dir, options);
    let peak = baseline;
    const until = performance.now() + SECONDS * 1000;
    while (performance.now() < until) {
      fire();
      peak = Math.max(peak, daemon.rss());
      await sleep(20);
    }
    const during = await good.takeWorst();
    const dropped = attackers.filter((ws) => ws.readyState !== ws.OPEN).length;
    for (const ws of attackers) ws.terminate();
    const after = performance.now() + 3000;
    while (performance.now() < after) {
      peak = Math.max(peak, daemon.rss());
      await sleep(50);
    }
    const afterWait = await good.takeWorst();
    await good.stop();
    rows.push({ label, baseline, peak, during, afterWait, dropped, attackers: attackers.length });
    daemon.child.kill('SIGTERM');
    await new Promise((resolve) => daemon.child.once('exit', resolve));
    rmSync(join(dir, 'state'), { recursive: true, force: true });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const mib = (b) => (b / 1024 / 1024).toFixed(0);
const lines = [
  `virtwired under memory attacks (${SECONDS} s each, ${SNAPSHOTS} snapshots of ${NAME_LENGTH}-character names, default bounds; ${new Date().toISOString().slice(0, 10)}, node ${process.version})`,
  '',
  '| attack | RSS before | RSS peak | over | other client worst wait during | after | attackers closed |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${mib(r.baseline)} MiB | ${mib(r.peak)} MiB | +${mib(r.peak - r.baseline)} MiB | ${r.during.toFixed(0)} ms | ${r.afterWait.toFixed(0)} ms | ${r.dropped}/${r.attackers} |`,
  ),
  '',
];
process.stdout.write(lines.join('\n'));
mkdirSync(join(REPO, 'bench/results'), { recursive: true });
writeFileSync(join(REPO, 'bench/results/memory-attacks.md'), lines.join('\n'));
