// Runs the real virtwired binary for tests about the binary (memory, first start): spawn, find its addresses, read its RSS.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The installed entry point (`bin` of @virtwire/server). */
export const VIRTWIRED_BIN = join(REPO, 'packages/server/bin/virtwired.js');

/**
 * Brings the compiled packages and the binaries' bundles up to date with `npm run build` (a no-op
 * when nothing changed), so the binary under test is this source tree and not an older build.
 */
let built = false;
export function assertBuilt(): void {
  if (built) return;
  built = true;
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'pipe' });
}

/** A running virtwired process. */
export interface SpawnedDaemon {
  readonly child: ChildProcess;
  readonly addresses: string[];
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Resident set size from /proc/<pid>/status, in bytes. */
  rss(): number;
  stop(): Promise<number | null>;
}

/** Starts `virtwired args...` with `env`, and resolves once it logged its listening addresses. */
export function spawnVirtwired(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<SpawnedDaemon> {
  assertBuilt();
  const child = spawn(process.execPath, [VIRTWIRED_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let listening = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (listening) return;
      for (const line of stderr.split('\n')) {
        if (!line.includes('virtwired listening')) continue;
        listening = true;
        const addresses = (JSON.parse(line) as { addresses: string[] }).addresses;
        resolve({
          child,
          addresses,
          stderr: () => stderr,
          rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
          async stop() {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`virtwired exited (${code}) before listening: ${stderr}`)));
  });
}
