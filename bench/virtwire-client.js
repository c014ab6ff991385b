#!/usr/bin/env node
// virtwire's side of the benchmark: runs one workload through the SDK and prints its figures as JSON.
//
// Usage: node bench/virtwire-client.js '{"workload": "roundtrip", "uri": "test+ws://127.0.0.1:PORT/default", ...}'
// Every workload mirrors one in libvirt-client.py, call for call.
import { connect as sdkConnect, nodeWebSocketWith } from '@virtwire/client';
import { readFileSync } from 'node:fs';
import { threadsCpuNanos } from './lib/processes.js';

const ATOMIC = 128;
const snapshotXml = (name) => `<domainsnapshot><name>${name}</name></domainsnapshot>`;
const seconds = (start) => (performance.now() - start) / 1000;

/**
 * A bare JSON-RPC 2.0 client over one WebSocket, with only what a workload calls: it shows what the
 * daemon costs without the SDK's local checks (spec.client === 'wire').
 */
async function wireConnect(uri) {
  const match = /^test\+ws:\/\/([^/]+)(\/[^?]*)/.exec(uri);
  const ws = nodeWebSocketWith({ authorization: `Bearer ${process.env.VIRTWIRE_TOKEN}` })(`ws://${match[1]}`, ['virtwire.v1']);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  const pending = new Map();
  let nextId = 1;
  ws.onmessage = (event) => {
    const reply = JSON.parse(event.data);
    const call = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error) call.reject(new Error(reply.error.message));
    else call.resolve(reply.result);
  };
  const call = (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  const opened = await call('ConnectOpen', { uri: `test://${match[2]}`, flags: 0 });
  const domainLookupByName = async (name) => {
    const ref = await call('DomainLookupByName', { name });
    return { ref, connection: { call } };
  };
  return { capabilities: opened.capabilities, call, getVersion: () => call('ConnectGetVersion', {}), domainLookupByName, close: async () => ws.close() };
}

/** Opens a connection with the SDK, or with the bare client when `spec.client` is `wire`. */
const connectFor = (spec) =>
  spec.client === 'wire' ? wireConnect : (uri) => sdkConnect(uri, spec.pollMaxUs === undefined ? {} : { pollMaxUs: spec.pollMaxUs });

/** The daemon's counters bench/call-path.mjs reads: CPU µs, read and write syscalls, and the times its main thread slept. */
function daemonCounters(pid) {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (text, name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)[1]);
  return {
    cpuUs: threadsCpuNanos(pid) / 1000,
    reads: field(io, 'syscr'),
    writes: field(io, 'syscw'),
    sleeps: field(readFileSync(`/proc/${pid}/status`, 'utf8'), 'voluntary_ctxt_switches'),
  };
}

/**
 * CPU time from now on: this process's, and the daemon's when `spec.daemonPid` names it (bench/call-path.mjs).
 * `end(calls)` gives per call: `cpuUsPerCall` (this client) and the daemon's CPU µs, syscalls and sleeps.
 */
function cpuAtStart(spec) {
  const cpu = process.cpuUsage();
  const daemonBefore = spec.daemonPid === undefined ? undefined : daemonCounters(spec.daemonPid);
  return {
    end(calls) {
      const { user, system } = process.cpuUsage(cpu);
      const result = { cpuUsPerCall: (user + system) / calls };
      if (daemonBefore === undefined) return result;
      const after = daemonCounters(spec.daemonPid);
      const per = (name) => (after[name] - daemonBefore[name]) / calls;
      return {
        ...result,
        daemonCpuUsPerCall: per('cpuUs'),
        daemonReadsPerCall: per('reads'),
        daemonWritesPerCall: per('writes'),
        daemonSleepsPerCall: per('sleeps'),
      };
    },
  };
}

async function roundtrip(spec) {
  const conn = await connectFor(spec)(spec.uri);
  for (let i = 0; i < (spec.warmup ?? 3000); i++) await conn.getVersion();
  const cpu = cpuAtStart(spec);
  const start = performance.now();
  for (let i = 0; i < spec.calls; i++) await conn.getVersion();
  const elapsed = seconds(start);
  const used = cpu.end(spec.calls);
  await conn.close();
  return { perCallUs: (elapsed / spec.calls) * 1e6, ...used };
}

/** `inFlight` loops share one connection, each with one call outstanding at a time. */
async function throughput(spec) {
  const conn = await sdkConnect(spec.uri, spec.pollMaxUs === undefined ? {} : { pollMaxUs: spec.pollMaxUs });
  for (let i = 0; i < (spec.warmup ?? 3000); i++) await conn.getVersion();
  const perLoop = Math.floor(spec.calls / spec.inFlight);
  const loop = async () => {
    for (let i = 0; i < perLoop; i++) await conn.getVersion();
  };
  const cpu = cpuAtStart(spec);
  const start = performance.now();
  await Promise.all(Array.from({ length: spec.inFlight }, loop));
  const elapsed = seconds(start);
  const used = cpu.end(perLoop * spec.inFlight);
  await conn.close();
  return { callsPerSec: (perLoop * spec.inFlight) / elapsed, ...used };
}

/** Each client (own connection) creates `perClient` snapshots, deleting each at once when `delete` and the driver can. */
async function createDelete(spec) {
  const conns = await Promise.all(Array.from({ length: spec.clients }, () => connectFor(spec)(spec.uri)));
  if (spec.delete && !('DomainSnapshotDelete' in conns[0].capabilities.methods)) {
    await Promise.all(conns.map((c) => c.close()));
    return { error: 'the driver does not implement DomainSnapshotDelete' };
  }
  const domains = await Promise.all(conns.map((c) => c.domainLookupByName(spec.domain)));
  const client = async (dom, i, prefix, count) => {
    for (let k = 0; k < count; k++) {
      const snapshot = await dom.connection.call('DomainSnapshotCreateXML', { domain: dom.ref, xml: snapshotXml(`${prefix}-${i}-${k}`), flags: ATOMIC });
      if (spec.delete) await dom.connection.call('DomainSnapshotDelete', { snapshot, flags: 0 });
    }
  };
  await client(domains[0], 0, `${spec.prefix}w`, spec.warmup ?? 3000);
  const start = performance.now();
  await Promise.all(domains.map((dom, i) => client(dom, i, spec.prefix, spec.perClient)));
  const elapsed = seconds(start);
  await Promise.all(conns.map((c) => c.close()));
  return { perSec: (spec.perClient * spec.clients) / elapsed };
}

/** Gives a fresh domain `count` snapshots, 64 calls in flight (setup, not measured). */
async function populate(spec) {
  const conn = await sdkConnect(spec.uri);
  const dom = await conn.domainDefineXML(spec.domainXml);
  await dom.create();
  let next = 0;
  const loop = async () => {
    while (next < spec.count) {
      const k = next++;
      await conn.call('DomainSnapshotCreateXML', { domain: dom.ref, xml: snapshotXml(`${spec.prefix}${k}`), flags: 0 });
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: 64 }, loop));
  const elapsed = seconds(start);
  const snapshots = await dom.snapshotNum();
  await conn.close();
  return { seconds: elapsed, snapshots };
}

async function list(spec) {
  const conn = await sdkConnect(spec.uri);
  const dom = await conn.domainLookupByName(spec.domain);
  for (let i = 0; i < (spec.warmup ?? 5); i++) await dom.listAllSnapshots();
  const times = [];
  for (let i = 0; i < spec.repeats; i++) {
    const start = performance.now();
    const snapshots = await dom.listAllSnapshots();
    times.push(performance.now() - start);
    if (snapshots.length !== spec.expect) return { error: `listed ${snapshots.length} of ${spec.expect}` };
  }
  await conn.close();
  return { msPerList: times };
}

async function lookup(spec) {
  const conn = await sdkConnect(spec.uri);
  const dom = await conn.domainLookupByName(spec.domain);
  const names = Array.from({ length: spec.calls }, (_, k) => `${spec.prefix}${(k * 7919) % spec.count}`);
  for (let k = 0; k < (spec.warmup ?? 3000); k++) await dom.snapshotLookupByName(names[k % names.length]);
  const start = performance.now();
  for (const name of names) await dom.snapshotLookupByName(name);
  const elapsed = seconds(start);
  await conn.close();
  return { perCallUs: (elapsed / names.length) * 1e6 };
}

/** Opens `count` idle connections (50 at a time), says so, and holds them until stdin closes. */
async function connections(spec) {
  const conns = [];
  try {
    while (conns.length < spec.count) {
      const batch = Math.min(50, spec.count - conns.length);
      conns.push(...(await Promise.all(Array.from({ length: batch }, () => sdkConnect(spec.uri)))));
    }
    process.stdout.write(JSON.stringify({ opened: conns.length }) + '\n');
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error?.message ?? error), opened: conns.length }) + '\n');
  }
  await new Promise((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.resume();
  });
  await Promise.all(conns.map((c) => c.close()));
  return undefined;
}

const workloads = { roundtrip, throughput, createDelete, populate, list, lookup, connections };
const spec = JSON.parse(process.argv[2]);
const result = await workloads[spec.workload](spec);
if (result !== undefined) process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);
