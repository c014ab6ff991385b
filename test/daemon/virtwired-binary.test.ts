// The virtwired binary as a user meets it: --version, --help, a start that cannot listen, and its log on a terminal.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, spawnVirtwired, VIRTWIRED_BIN } from '../helpers/daemon-process.js';

const run = promisify(execFile);

let dir: string;
/** An environment whose home, config, state and runtime directories are all fresh, under `dir`. */
const freshEnvironment = () => ({
  ...process.env,
  HOME: join(dir, 'home'),
  XDG_CONFIG_HOME: join(dir, 'config'),
  XDG_STATE_HOME: join(dir, 'state-home'),
  VIRTWIRE_RUNTIME_DIR: join(dir, 'run'),
  VIRTWIRE_STATE_DIR: join(dir, 'state'),
});

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'virtwired-binary-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `virtwired args...` to completion; resolves with its output and exit code. */
async function virtwired(args: string[], env: NodeJS.ProcessEnv = freshEnvironment()) {
  try {
    const { stdout, stderr } = await run(process.execPath, [VIRTWIRED_BIN, ...args], { env });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('virtwired --version and --help', () => {
  it('prints its version with --version and -V', async () => {
    for (const flag of ['--version', '-V']) expect(await virtwired([flag])).toEqual({ stdout: 'virtwired (virtwire) 0.1.0\n', stderr: '', code: 0 });
  });

  it('names each default once, the repeatable options included', async () => {
    const { stdout } = await virtwired(['--help']);
    const options = stdout.split(/\n(?= {2}-)/).filter((entry) => entry.startsWith('  --'));
    expect(options.length).toBeGreaterThan(30);
    for (const entry of options) expect(entry.match(/default/g)?.length ?? 0, entry).toBeLessThanOrEqual(1);
    for (const repeatable of ['--listen', '--allow-origin', '--storage-root', '--node-dir']) {
      const entry = options.find((o) => o.startsWith(`  ${repeatable} `))!.replace(/\s+/g, ' ');
      expect(entry).toMatch(/repeatable.*\(default: [^)]+\)/);
    }
  });

  it('names the URIs it serves and the paths it uses', async () => {
    const { stdout } = await virtwired(['--help']);
    for (const uri of ['test:///default', 'test:///DIR/node.xml', 'qemu:///session', 'test+ws://127.0.0.1:16520/default']) expect(stdout).toContain(uri);
    expect(stdout).toContain(join(dir, 'run', 'virtwired-sock'));
    expect(stdout).toContain(join(dir, 'config', 'virtwire', 'token'));
    expect(stdout).toContain(`state           ${join(dir, 'state')}`);
  });
});

describe('a start that cannot listen', () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => taken.close());

  it('fails with EADDRINUSE and leaves no state directory, token file or client token behind', async () => {
    const stateDir = join(dir, 'never-created-state');
    const result = await virtwired(['--listen', `127.0.0.1:${port}`, '--state-dir', stateDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('EADDRINUSE');
    expect(existsSync(stateDir)).toBe(false);
    expect(existsSync(join(dir, 'config', 'virtwire', 'token'))).toBe(false);
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });

  it('stops cleanly on SIGTERM even right after it said it was listening', async () => {
    const daemon = await spawnVirtwired(['--listen', '127.0.0.1:0', '--no-unix', '--state-dir', join(dir, 'state-quick-stop')], { env: freshEnvironment() });
    expect(await daemon.stop()).toBe(0);
  });
});

describe('its log', () => {
  const startArgs = (name: string) => ['--listen', '127.0.0.1:0', '--no-unix', '--no-local-token', '--state-dir', join(dir, name)];

  it('is JSON lines when stderr is not a terminal', async () => {
    const daemon = await spawnVirtwired(startArgs('state-json'), { env: freshEnvironment() });
    await daemon.stop();
    const lines = daemon.stderr().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
  });

  it('is readable lines with --log-format pretty, and refuses an unknown format', async () => {
    const env = freshEnvironment();
    const child = spawn(process.execPath, [VIRTWIRED_BIN, ...startArgs('state-pretty'), '--log-format', 'pretty'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const text = await readUntil(child, /virtwired listening/);
    child.kill('SIGTERM');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: virtwired listening/m);
    expect(text).not.toMatch(/^\{/m);
    expect(await virtwired([...startArgs('state-bad'), '--log-format', 'xml'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("expected 'json' or 'pretty'"),
    });
  });

  it.skipIf(!existsSync('/usr/bin/script'))('is readable lines by itself when stderr is a terminal (under script(1))', async () => {
    const command = [process.execPath, VIRTWIRED_BIN, ...startArgs('state-tty')].map((w) => `'${w}'`).join(' ');
    const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], { env: freshEnvironment(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const text = await readUntil(child, /virtwired listening/, 'stdout');
    process.kill(-child.pid!, 'SIGTERM');
    expect(text).toMatch(/INFO.*virtwired listening/);
    expect(text).not.toContain('{"level"');
  });
});

/** Collects a child's output until `pattern` appears; rejects if the child exits first. */
function readUntil(child: ReturnType<typeof spawn>, pattern: RegExp, stream: 'stdout' | 'stderr' = 'stderr'): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child[stream]!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (pattern.test(text)) resolve(text);
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before ${pattern}: ${text}`)));
  });
}
