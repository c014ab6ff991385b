// virtwired's command line: parse options, start the daemon, stop cleanly on SIGINT/SIGTERM.
import { DEFAULT_TCP_PORT, localSocketPaths } from '@virtwire/protocol';
import { Command, InvalidArgumentError } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import { DEFAULT_LIMITS, type ListenerSpec } from './daemon-options.js';

function parseListen(value: string, previous: string[]): string[] {
  if (!/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(value)) throw new InvalidArgumentError('expected HOST:PORT');
  return [...previous, value];
}

function parseCount(value: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

function toTcp(value: string): ListenerSpec {
  const at = value.lastIndexOf(':');
  return { kind: 'tcp', host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
}

const uid = process.getuid?.() ?? 1000;
const sockets = localSocketPaths({ runtimeDirOverride: process.env.VIRTWIRE_RUNTIME_DIR, xdgRuntimeDir: process.env.XDG_RUNTIME_DIR, uid });
const defaultStateDir = uid === 0 ? '/var/lib/virtwire' : join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'virtwire');

const program = new Command('virtwired')
  .description('virtwire daemon: libvirt-compatible VM management over JSON-RPC 2.0 and WebSocket')
  .option('--listen <host:port>', `TCP listener, repeatable (default 127.0.0.1:${DEFAULT_TCP_PORT} when no listener is given)`, parseListen, [])
  .option('--unix <path>', `read-write unix socket (default ${sockets.readWrite})`)
  .option('--unix-ro <path>', `read-only unix socket (default ${sockets.readOnly})`)
  .option('--no-unix', 'do not listen on unix sockets')
  .option('--state-dir <dir>', 'state directory', defaultStateDir)
  .option('--node-dir <dir>', 'directory test-driver node files may be read from, repeatable', (v: string, p: string[]) => [...p, v], [])
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
  .option('--job-wait-ms <ms>', `longest wait for a domain's state-change lock (default ${DEFAULT_LIMITS.jobWaitMs})`, parseCount)
  .option('--max-queued-jobs <n>', `most state-changing calls queued on one domain (default ${DEFAULT_LIMITS.maxQueuedJobsPerDomain})`, parseCount)
  .parse();

const options = program.opts<{
  listen: string[];
  unix: string | boolean;
  unixRo?: string;
  stateDir: string;
  nodeDir: string[];
  logLevel: string;
  jobWaitMs?: number;
  maxQueuedJobs?: number;
}>();

const listeners: ListenerSpec[] = options.listen.map(toTcp);
if (options.unix !== false) {
  listeners.push({ kind: 'unix', path: typeof options.unix === 'string' ? options.unix : sockets.readWrite, readOnly: false });
  listeners.push({ kind: 'unix', path: options.unixRo ?? sockets.readOnly, readOnly: true });
}
if (options.listen.length === 0 && process.argv.every((a) => !a.startsWith('--unix'))) {
  listeners.unshift({ kind: 'tcp', host: '127.0.0.1', port: DEFAULT_TCP_PORT });
}

process.umask(0o077);
const daemon = await startDaemon({
  listeners,
  stateDir: options.stateDir,
  nodeFileRoots: options.nodeDir,
  logLevel: options.logLevel,
  limits: {
    ...(options.jobWaitMs !== undefined ? { jobWaitMs: options.jobWaitMs } : {}),
    ...(options.maxQueuedJobs !== undefined ? { maxQueuedJobsPerDomain: options.maxQueuedJobs } : {}),
  },
}).catch((error: unknown) => {
  process.stderr.write(`virtwired: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    daemon.log.info({ signal }, 'stopping');
    void daemon.close().then(() => process.exit(0));
  });
}
