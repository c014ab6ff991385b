// The real entry points: `npx virtwired` and `npx vwsh` as separate processes, over TCP and the local unix socket.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect, type Connection } from '@virtwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** A port nobody listens on right now: bind port 0, note it, let it go. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on `port` (the daemon finished starting). */
async function listening(port: number, daemon: ChildProcess, log: () => string): Promise<void> {
  for (;;) {
    if (daemon.exitCode !== null) throw new Error(`virtwired exited: ${log()}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connectTcp(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `npx vwsh ARGS` and returns what it printed and its exit status. */
async function npxVwsh(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', 'vwsh', ...args], { cwd: ROOT, env: { ...process.env, TZ: 'UTC', ...env } });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

let dir: string;
let daemon: ChildProcess;
let port: number;
let daemonLog = '';
/** Holds test:///default open: its host lives only while a connection is (as in libvirt), and these runs build on each other. */
let keeper: Connection;

beforeAll(async () => {
  await run('npm', ['run', '--silent', 'build'], { cwd: ROOT });
  expect(existsSync(join(ROOT, 'packages/cli/dist/bundle/vwsh.cjs'))).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'vwsh-binary-'));
  port = await freePort();
  daemon = spawn(
    'npx',
    [
      '--no-install',
      'virtwired',
      '--listen',
      `127.0.0.1:${port}`,
      '--unix',
      join(dir, 'virtwired-sock'),
      '--unix-ro',
      join(dir, 'virtwired-sock-ro'),
      '--state-dir',
      join(dir, 'state'),
      '--log-level',
      'warn',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  daemon.stdout!.on('data', (d: Buffer) => (daemonLog += d.toString()));
  daemon.stderr!.on('data', (d: Buffer) => (daemonLog += d.toString()));
  await listening(port, daemon, () => daemonLog);
  // Bound is not ready: until its drivers are initialized the daemon answers upgrades 503.
  for (let attempt = 0; ; attempt++) {
    try {
      keeper = await connect(`test+ws://127.0.0.1:${port}/default`);
      break;
    } catch (error) {
      if (attempt >= 200 || !String((error as Error).message).includes('503')) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}, 120_000);

afterAll(async () => {
  await keeper?.close();
  if (daemon?.pid !== undefined && daemon.exitCode === null) {
    const exited = new Promise((r) => daemon.once('exit', r));
    process.kill(-daemon.pid, 'SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the vwsh binary against the virtwired binary', () => {
  it("runs a ;-chain given as one argument over TCP, printing virsh's output", async () => {
    const t = await npxVwsh([
      '-c',
      `test+ws://127.0.0.1:${port}/default`,
      'list --all ; snapshot-create-as test s1 "first snap" --atomic ; snapshot-list test --name ; snapshot-create-as test s1',
    ]);
    expect(t.stdout).toBe(' Id   Name   State\n----------------------\n 1    test   running\n\nDomain snapshot s1 created\ns1\n\n\n');
    expect(t.stderr).toBe('error: operation failed: domain moment s1 already exists\n');
    expect(t.code).toBe(1);
  });

  it('runs one command given as separate arguments, quietly, on $VIRTWIRE_DEFAULT_URI', async () => {
    const t = await npxVwsh(['-q', 'snapshot-info', 'test', 's1'], { VIRTWIRE_DEFAULT_URI: `test+ws://127.0.0.1:${port}/default` });
    expect(t.stderr).toBe('');
    expect(t.stdout).toContain('Name:           s1\nDomain:         test\nCurrent:        yes\n');
    expect(t.code).toBe(0);
  });

  it("without -c reaches the local daemon's unix socket, and its read-only socket with -r", async () => {
    const t = await npxVwsh(['domstate test --reason ; snapshot-current test --name'], { VIRTWIRE_RUNTIME_DIR: dir });
    expect(t).toEqual({ stdout: 'running (unknown)\n\ns1\n', stderr: '', code: 0 });
    const ro = await npxVwsh(['-r', 'snapshot-create-as test s2; snapshot-list test --name'], { VIRTWIRE_RUNTIME_DIR: dir });
    expect(ro).toEqual({ stdout: '\ns1\n\n', stderr: 'error: operation forbidden: read only access prevents virDomainSnapshotCreateXML\n', code: 0 });
  });

  it("exits 1 with virsh's two lines when no daemon listens, and on a syntax error runs nothing", async () => {
    const none = await npxVwsh(['list'], { VIRTWIRE_RUNTIME_DIR: join(dir, 'nowhere') });
    expect(none).toEqual({
      stdout: '',
      stderr: `error: failed to connect to the hypervisor\nerror: Failed to connect socket to '${join(dir, 'nowhere', 'virtwired-sock')}': No such file or directory\n`,
      code: 1,
    });
    const syntax = await npxVwsh(['-c', `test+ws://127.0.0.1:${port}/default`, 'snapshot-create-as test s3; snapshot-list test --bogus']);
    expect(syntax).toEqual({ stdout: '', stderr: "error: command 'snapshot-list' doesn't support option --bogus\n", code: 1 });
  });

  it('writes the whole of an output larger than a pipe holds to a reader that starts late, then exits', async () => {
    const once = await npxVwsh(['help'], { VIRTWIRE_RUNTIME_DIR: join(dir, 'nowhere') });
    const child = spawn(process.execPath, [join(ROOT, 'packages/cli/bin/vwsh.js'), Array(40).fill('help').join(' ; ')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pause();
    const chunks: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    await new Promise((r) => setTimeout(r, 300));
    child.stdout!.resume();
    expect(await exited).toBe(0);
    expect(once.stdout.length * 40).toBeGreaterThan(65_536);
    expect(Buffer.concat(chunks).toString()).toBe(once.stdout.repeat(40));
  });

  it('prints help and its version without a daemon', async () => {
    const help = await npxVwsh(['help', 'snapshot-create-as'], { VIRTWIRE_RUNTIME_DIR: join(dir, 'nowhere') });
    expect(help.stdout).toMatch(
      /^ {2}NAME\n {4}snapshot-create-as - Create a snapshot from a set of args\n\n {2}SYNOPSIS\n {4}snapshot-create-as <domain> \[--name <string>\]/,
    );
    expect(help.code).toBe(0);
    const version = await npxVwsh(['--version']);
    expect(version).toEqual({ stdout: '0.1.0\n', stderr: '', code: 0 });
  });
});
