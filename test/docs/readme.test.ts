// README's examples, extracted and run in order as written against a fresh daemon started with README's `npm start`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/daemon-process.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(REPO, 'README.md'), 'utf8');

/** The fenced blocks of `language` in README's section `title`, in order. */
function blocks(title: string, language: string): string[] {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start, `README section "${title}"`).toBeGreaterThan(0);
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

/** A console block as `$ command` lines, each with the output shown under it. */
function session(block: string): Array<{ command: string; output: string }> {
  return block
    .split(/^\$ /m)
    .slice(1)
    .map((part) => {
      const newline = part.indexOf('\n');
      return { command: part.slice(0, newline), output: part.slice(newline + 1) };
    });
}

/** Creation times differ from run to run; the README shows one. */
const timeless = (text: string) => text.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}/g, 'YYYY-MM-DD hh:mm:ss +0000');

/**
 * README's daemon listens on the fixed port 16520. Where it can, the test gives it a network
 * namespace of its own (root, unshare and ip), so the commands run exactly as written; elsewhere
 * README's port is replaced by a free one in every command.
 */
function canUseNamespace(): boolean {
  try {
    execFileSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const namespaced = canUseNamespace();
const port = namespaced ? 16520 : 17520 + (process.pid % 20_000);
const adapt = (text: string) => (namespaced ? text : text.replaceAll('16520', String(port)));

let dir: string;
let env: NodeJS.ProcessEnv;
let daemon: ChildProcess;
let daemonLog = '';

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(REPO, '.readme-'));
  const home = mkdtempSync(join(tmpdir(), 'virtwire-readme-'));
  env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_STATE_HOME: join(home, 'state'),
    VIRTWIRE_RUNTIME_DIR: join(home, 'run'),
    VIRTWIRE_STATE_DIR: join(home, 'state'),
    TZ: 'UTC',
    npm_config_update_notifier: 'false',
  };
  delete env.VIRTWIRE_TOKEN;
  delete env.VIRTWIRE_DEFAULT_URI;
  // README's first command line: `npm install && npm start`. The install is this checkout's own; start as written.
  const [install, start] = blocks('Two commands', 'sh')[0]!.split('\n')[0]!.replace(/#.*/, '').trim().split(' && ');
  expect([install, start]).toEqual(['npm install', 'npm start']);
  const argv = namespaced ? ['unshare', '-n', 'sh', '-c', `ip link set lo up && exec ${start}`] : ['sh', '-c', `exec ${start} -- --listen 127.0.0.1:${port}`];
  daemon = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  await new Promise<void>((resolve, reject) => {
    daemon.stderr!.on('data', (chunk: Buffer) => {
      daemonLog += chunk.toString();
      if (daemonLog.includes('virtwired listening')) resolve();
    });
    daemon.once('exit', (code) => reject(new Error(`npm start exited (${code}): ${daemonLog}`)));
  });
}, 120_000);

afterAll(async () => {
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    process.kill(-daemon.pid!, 'SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
  if (env?.HOME) rmSync(env.HOME, { recursive: true, force: true });
});

/** Runs one README command line as a shell would, stdout and stderr interleaved as a terminal shows them. */
function shell(command: string): Promise<string> {
  const line = `{ ${adapt(command)} ; } 2>&1`;
  // Later commands join the daemon's network namespace, if it has one of its own.
  const argv = namespaced ? ['nsenter', '-t', String(daemon.pid), '-n', 'sh', '-c', line] : ['sh', '-c', line];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => resolve(output));
  });
}

describe("README's examples, in order", () => {
  it('has the two commands, and npm start runs virtwired with the test driver', () => {
    expect(
      blocks('Two commands', 'sh')[0]!
        .split('\n')
        .map((line) => line.replace(/#.*/, '').trim())
        .filter(Boolean),
    ).toEqual(['npm install && npm start', 'npm test']);
    expect(daemonLog).toMatch(/read-write token 'local' created in/);
  });

  it('the first vwsh session prints what README shows', async () => {
    const [console] = blocks('A first vwsh session', 'console');
    const steps = session(console!);
    expect(steps.length).toBe(3);
    for (const { command, output } of steps) expect(timeless(await shell(command)), command).toBe(timeless(output));
  }, 60_000);

  it('"From code" runs as written after the session, saved as README says', async () => {
    const [code] = blocks('From code', 'js');
    expect(README).toContain('save this as `first-snapshot.mjs`');
    writeFileSync(join(dir, 'first-snapshot.mjs'), code!);
    const [console] = blocks('From code', 'console');
    for (const { command, output } of session(console!)) expect(await shell(command), command).toBe(output);
  }, 60_000);
});
