// Runs the real virtwired binary as a child process (binary, crash and memory tests): build, spawn, find its addresses, read its RSS, stop it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The daemon's entry point, as installed (`bin/virtwired.js`, which runs the bundle in `dist/bundle`). */
export const VIRTWIRED_BIN = fileURLToPath(new URL('../../packages/server/bin/virtwired.js', import.meta.url));

let built = false;
/**
 * Brings the compiled packages and the binaries' bundles up to date with `npm run build` (a no-op
 * when nothing changed), once per test process, so the binary under test is this source tree.
 */
export function assertBuilt(): void {
  if (built) return;
  built = true;
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'pipe' });
}

/** A running virtwired process. */
export interface SpawnedDaemon {
  readonly child: ChildProcess;
  /** Where it listens, from its "virtwired listening" log line. */
  readonly addresses: string[];
  /** The first `ws://127.0.0.1:PORT` address (empty when it listens on none). */
  readonly wsAddress: string;
  /** Every line it wrote to stderr so far (pino JSON unless told otherwise). */
  readonly log: string[];
  /** Everything it wrote to stderr so far, as one text. */
  stderr(): string;
  /** Resident set size from /proc/<pid>/status, in bytes. */
  rss(): number;
  /** Resolves with the signal (or exit code) once the process ended. */
  readonly exited: Promise<NodeJS.Signals | number | null>;
  /** SIGTERM, then resolves once it ended. */
  stop(): Promise<NodeJS.Signals | number | null>;
}

/** Options of {@link spawnVirtwired}. */
export interface SpawnOptions {
  /** The whole environment of the process (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Rejects (and kills it) when it has not logged its addresses by then; default 60 s. */
  timeoutMs?: number;
  /** Gets the process at once (to kill it during its start-up). */
  onSpawn?: (child: ChildProcess) => void;
  /** Another virtwired entry point to run (a copy of the installed bin); default {@link VIRTWIRED_BIN}. */
  bin?: string;
  /** Node's own options, before the entry point (e.g. `-r` a module that records what is loaded). */
  nodeArgs?: string[];
  /** Its working directory (default: this process's). */
  cwd?: string;
}

/**
 * Starts `virtwired ARGS` exactly as given and resolves once it logged that it listens. Rejects with
 * its stderr tail if it exits first or takes longer than `timeoutMs`.
 */
export function spawnVirtwired(args: string[], options: SpawnOptions = {}): Promise<SpawnedDaemon> {
  assertBuilt();
  const { env = process.env, timeoutMs = 60_000, onSpawn, bin = VIRTWIRED_BIN, nodeArgs = [], cwd } = options;
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'], ...(cwd ? { cwd } : {}) });
  onSpawn?.(child);
  const log: string[] = [];
  let text = '';
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return new Promise((resolve, reject) => {
    let partial = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`virtwired did not start within ${timeoutMs} ms:\n${log.slice(-10).join('\n')}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        log.push(line);
        if (!line.includes('virtwired listening')) continue;
        clearTimeout(timer);
        const addresses = (JSON.parse(line) as { addresses: string[] }).addresses;
        resolve({
          child,
          addresses,
          wsAddress: addresses.find((a) => a.startsWith('ws://')) ?? '',
          log,
          stderr: () => text,
          rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
          exited,
          async stop() {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`virtwired exited (${String(how)}) before listening:\n${text.split('\n').slice(-10).join('\n')}`));
    });
  });
}

/**
 * Starts virtwired on loopback only (ephemeral port, no unix sockets, JSON log at info) with `args`
 * and `env` added to this process's environment: the crash tests' daemon.
 */
export function spawnDaemon(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  onSpawn?: (child: ChildProcess) => void,
): Promise<SpawnedDaemon> {
  return spawnVirtwired(['--listen', '127.0.0.1:0', '--no-unix', '--log-level', 'info', ...args], {
    env: { ...process.env, ...env },
    timeoutMs,
    ...(onSpawn ? { onSpawn } : {}),
  });
}
