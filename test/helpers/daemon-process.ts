// Runs the real virtwired binary as a child process (for crash tests and benchmarks): start, find its address, wait for its death.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The daemon's entry point, as installed (`bin/virtwired.js`, which runs the compiled `dist/`). */
export const VIRTWIRED_BIN = fileURLToPath(new URL('../../packages/server/bin/virtwired.js', import.meta.url));

/** A running virtwired process. */
export interface DaemonProcess {
  child: ChildProcess;
  /** `ws://127.0.0.1:PORT`. */
  wsAddress: string;
  /** Every log line it wrote to stderr so far (pino JSON). */
  log: string[];
  /** Resolves with the signal (or exit code) once the process ended. */
  exited: Promise<NodeJS.Signals | number | null>;
}

/**
 * Spawns `node bin/virtwired.js` listening on 127.0.0.1 (ephemeral port, no unix sockets) with
 * `args` and `env` added, and resolves once it logged its address. Rejects with its stderr tail
 * if it exits first or takes longer than `timeoutMs`. `onSpawn` gets the process at once (to kill
 * it during its start-up).
 */
export function spawnDaemon(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000, onSpawn?: (child: ChildProcess) => void): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [VIRTWIRED_BIN, '--listen', '127.0.0.1:0', '--no-unix', '--log-level', 'info', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  onSpawn?.(child);
  const log: string[] = [];
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`virtwired did not start within ${timeoutMs} ms:\n${log.slice(-10).join('\n')}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        log.push(line);
        const match = /"addresses":\["(ws:\/\/[^"]+)"/.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve({ child, wsAddress: match[1], log, exited });
        }
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`virtwired exited (${String(how)}) before listening:\n${log.slice(-10).join('\n')}`));
    });
  });
}
