#!/usr/bin/env node
// Records libvirt 9.0's behaviour into test/conformance/corpus/: virsh transcripts, raw-flag calls, domain XML, events.
//
// Usage (as root or a user; libvirtd, virsh and python3-libvirt installed):
//   node test/conformance/record/record.mjs [virsh|raw|qemu|events ...]
// With no argument every part is recorded. See README.md in this directory.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalise, normaliseValue, uuidsIn } from '../normalise.js';
import { pythonEventCases, virshEventCases } from './cases/event-cases.mjs';
import { qemuDefinitions } from './cases/qemu-definitions.mjs';
import { rawCases } from './cases/raw-cases.mjs';
import { virshCases } from './cases/virsh-cases.mjs';
import { libvirtVersion, startLibvirtd } from './libvirt-daemon.mjs';
import { copyNodeFiles, startWaiter } from './libvirt-hosts.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = join(here, '..', 'corpus');
const PYTHON = '/usr/bin/python3';
const HELPER = join(here, 'libvirt-calls.py');
/** uuid of test:///default's domain: fixed by libvirt. */
const DEFAULT_UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TZ: 'UTC', LC_ALL: 'C', HOME: '/nonexistent', EDITOR: 'true', VISUAL: 'true' };

const parts = new Set(process.argv.slice(2));
const wanted = (part) => parts.size === 0 || parts.has(part);

const libvirtd = await startLibvirtd();
try {
  const { nodesDir, nodeTexts } = copyNodeFiles(libvirtd.dir);
  const filesRoot = join(libvirtd.dir, 'files');
  mkdirSync(filesRoot, { mode: 0o755 });
  const stableUuids = [DEFAULT_UUID, ...uuidsIn(...nodeTexts)];
  const hostUri = (host, scheme = 'test') => libvirtd.uri(scheme, host === 'default' ? '/default' : host.startsWith('/') ? host : join(nodesDir, host));
  const context = (filesDir, ...inputs) => ({
    paths: { ...(filesDir ? { [filesDir]: '@FILES@' } : {}), [nodesDir]: '@NODES@' },
    stableUuids: [...stableUuids, ...uuidsIn(...inputs)],
    hostname: hostname(),
  });
  const meta = { libvirt: libvirtVersion(), recordedWith: 'test/conformance/record/record.mjs' };
  const write = (name, value) => {
    mkdirSync(corpusDir, { recursive: true });
    writeFileSync(join(corpusDir, name), `${JSON.stringify(value, null, 1)}\n`);
    console.log(`wrote ${name}`);
  };

  /** Writes a case's files in its own directory; returns the directory. */
  const caseFiles = (id, files = {}) => {
    const dir = join(filesRoot, id.replace(/[^a-z0-9]+/gi, '-'));
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 });
    return dir;
  };

  if (wanted('virsh')) {
    const seen = new Set();
    const out = [];
    const waiter = startWaiter(ENV);
    for (const c of virshCases) {
      if (c.host === 'default') await waiter.fresh(hostUri('default'));
      if (seen.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
      seen.add(c.id);
      const dir = caseFiles(c.id, c.files);
      const argv = c.argv.map((a) => a.replaceAll('@FILES@', dir).replaceAll('@SOCKET@', libvirtd.socket));
      const full = c.host === null ? argv : ['-c', hostUri(c.host), ...argv];
      const run = spawnSync('virsh', full, { env: ENV, input: c.stdin ?? '', encoding: 'utf8', timeout: 30_000 });
      const ctx = context(dir, ...c.argv, ...Object.values(c.files ?? {}));
      out.push({
        id: c.id,
        host: c.host,
        argv: c.argv,
        ...(c.files ? { files: c.files } : {}),
        ...(c.stdin !== undefined ? { stdin: c.stdin } : {}),
        stdout: normalise(run.stdout, ctx),
        stderr: normalise(run.stderr, ctx),
        code: run.status,
      });
    }
    waiter.stop();
    write('virsh.json', { ...meta, cases: out });
  }

  const python = (mode, cases) => {
    const input = cases.map((c) => ({ id: c.id, uri: hostUri(c.host, c.scheme), steps: c.steps }));
    const run = spawnSync(PYTHON, [HELPER, mode], { input: JSON.stringify(input), encoding: 'utf8', env: ENV, maxBuffer: 256 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`libvirt-calls.py ${mode} failed: ${run.stderr}`);
    return JSON.parse(run.stdout);
  };

  if (wanted('raw')) {
    const results = python('calls', rawCases);
    const out = rawCases.map((c, i) => {
      const steps = results[i].steps.map((step, s) => cpuTimeFree(c.steps[s][0], step));
      return { id: c.id, host: c.host, steps: c.steps, outcomes: normaliseValue(steps, context(null, JSON.stringify(c.steps))) };
    });
    write('raw-calls.json', { ...meta, cases: out });
  }

  if (wanted('qemu')) {
    const cases = qemuDefinitions.map((d) => ({
      id: d.id,
      host: '/session',
      scheme: 'qemu',
      steps: [
        ['virDomainDefineXMLFlags', '', d.xml, d.validate ? 1 : 0],
        ...[0, 1, 2, 3].map((flags) => ['virDomainGetXMLDesc', nameOf(d.xml), flags]),
        ['virDomainUndefineFlags', nameOf(d.xml), 4],
      ],
    }));
    const results = python('calls', cases);
    const out = qemuDefinitions.map((d, i) => {
      const [define, ...rest] = results[i].steps;
      const ctx = context(null, d.xml);
      return {
        id: d.id,
        xml: d.xml,
        flags: d.validate ? 1 : 0,
        ...(define.error
          ? { error: normaliseValue(define.error, ctx) }
          : { formatted: Object.fromEntries(rest.slice(0, 4).map((s, f) => [f, normaliseValue(s.result ?? s.error, ctx)])) }),
      };
    });
    write('qemu-definitions.json', { ...meta, driver: 'qemu:///session', cases: out });
  }

  if (wanted('events')) {
    const results = python('events', pythonEventCases);
    const pythonOut = pythonEventCases.map((c, i) => ({
      id: c.id,
      host: c.host,
      steps: c.steps,
      outcomes: normaliseValue(results[i].steps, context(null, JSON.stringify(c.steps))),
    }));
    const virshOut = [];
    for (const c of virshEventCases) virshOut.push(await recordVirshEvents(c, hostUri('default'), caseFiles(c.id, c.files), context));
    write('events.json', { ...meta, python: pythonOut, virsh: virshOut });
  }
} finally {
  await libvirtd.stop();
}

/** The CPU time of virDomainGetInfo (index 4) is derived from the clock: recorded as a marker. */
function cpuTimeFree(op, step) {
  if (op === 'virDomainGetInfo' && Array.isArray(step.result)) return { result: step.result.map((v, i) => (i === 4 ? '@CPUTIME@' : v)) };
  return step;
}

function nameOf(xml) {
  return /<name>([^<]*)<\/name>/.exec(xml)?.[1] ?? '';
}

/** Runs `virsh event --all --loop` on `uri`, then each command with a second virsh, and splits what the listener printed per command. */
async function recordVirshEvents(c, uri, dir, context) {
  const listener = spawn('virsh', ['-c', uri, 'event', '--all', '--loop'], { env: ENV });
  let printed = '';
  listener.stdout.on('data', (chunk) => (printed += chunk));
  const exited = new Promise((resolve) => listener.on('exit', resolve));
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  await pause(1000);
  const steps = [];
  for (const command of c.commands) {
    const before = printed.length;
    const run = spawnSync('virsh', ['-c', uri, command.replaceAll('@FILES@', dir)], { env: ENV, encoding: 'utf8' });
    await pause(500);
    const ctx = context(dir, command, ...Object.values(c.files ?? {}));
    steps.push({
      command,
      stdout: normalise(run.stdout, ctx),
      stderr: normalise(run.stderr, ctx),
      code: run.status,
      events: normalise(printed.slice(before), ctx),
    });
  }
  listener.kill('SIGINT');
  const code = await exited;
  return { id: c.id, host: 'default', listener: ['event', '--all', '--loop'], files: c.files, steps, listenerExit: code };
}
