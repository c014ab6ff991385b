// Starts the real built virtwired for the benchmark on a loopback port and measures its start-up to first answer.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@virtwire/client';
import { benchTokenArgs } from './bench-token.js';
import { pinned, sleep } from './processes.js';
import { serviceEnvironment } from './service-environment.js';

/** The daemon to measure: this tree's build, or another one named by $VIRTWIRED_BIN. */
const BIN = process.env.VIRTWIRED_BIN ?? fileURLToPath(new URL('../../packages/server/bin/virtwired.js', import.meta.url));

/** A free loopback TCP port. */
function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether this virtwired accepts `option` (options other branches add, such as `--storage-root`). */
export function virtwiredAccepts(option) {
  return execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' }).includes(option);
}

/** Polls until `uri` answers ConnectGetVersion; resolves with Date.now() of the answer. */
async function firstAnswer(uri, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const conn = await connect(uri);
      await conn.getVersion();
      const at = Date.now();
      await conn.close();
      return at;
    } catch {
      await sleep(2);
    }
  }
  throw new Error(`virtwired at ${uri} did not answer`);
}

/**
 * Spawns `node packages/server/bin/virtwired.js --listen 127.0.0.1:PORT --no-unix` with a fresh state
 * directory (or, `withUnixSocket`, also a unix socket there); resolves once it answers over TCP, with
 * its URIs, pid, start-up time, its log lines (with a `logLevel` other than silent) and a stop function.
 * `env` is the daemon's environment: this process's by default, or with `'service'` the one libvirtd
 * gets (serviceEnvironment: nothing inherited, a home of its own).
 */
export async function startVirtwired({ cpus, extraArgs = [], withUnixSocket = false, logLevel = 'silent', nodeArgs = [], env: envOption = process.env } = {}) {
  const port = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), 'virtwired-bench-'));
  const env = envOption === 'service' ? serviceEnvironment(stateDir) : envOption;
  const unix = join(stateDir, 'sock');
  const listeners = withUnixSocket ? ['--unix', unix, '--unix-ro', `${unix}-ro`] : ['--no-unix'];
  // Every client of the bench comes from 127.0.0.1: raise the per-address and handshake budgets so that the
  // idle-connections figure can open its 1,000 sockets (the other limits stay at their defaults).
  const admission = ['--max-connections-per-address', '5000', '--max-connections-per-principal', '5000', '--max-pending-connections', '1000'];
  const args = [
    ...nodeArgs,
    BIN,
    '--listen',
    `127.0.0.1:${port}`,
    ...listeners,
    '--state-dir',
    stateDir,
    ...benchTokenArgs(stateDir),
    ...admission,
    '--log-level',
    logLevel,
    ...extraArgs,
  ];
  const [cmd, argv] = pinned(cpus, process.execPath, args);
  const spawnedAt = Date.now();
  // a daemon that logs (logLevel other than silent) writes its JSON lines to stderr: kept in `log`
  const log = [];
  const child = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', logLevel === 'silent' ? 'inherit' : 'pipe'] });
  if (child.stderr) {
    let partial = '';
    child.stderr.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      log.push(...lines);
    });
  }
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const uri = `test+ws://127.0.0.1:${port}/default`;
  const answeredAt = await firstAnswer(uri);
  return {
    name: 'virtwired',
    uri,
    unixUri: withUnixSocket ? `test+unix:///default?socket=${unix}` : undefined,
    pid: child.pid,
    log,
    startupMs: answeredAt - spawnedAt,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
