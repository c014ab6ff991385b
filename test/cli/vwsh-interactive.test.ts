// vwsh without a command: interactive on a pseudo-terminal (prompt, completion, history), and a script piped to it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/virtwired.js';

const VWSH = fileURLToPath(new URL('../../packages/cli/bin/vwsh.js', import.meta.url));
const PTY = fileURLToPath(new URL('./helpers/pty-session.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

let server: TestDaemon;
let cache: string;
beforeAll(async () => {
  server = await startTestDaemon();
  cache = mkdtempSync(join(tmpdir(), 'vwsh-interactive-'));
});
afterAll(async () => {
  await server.close();
  rmSync(cache, { recursive: true, force: true });
});

const env = () => ({ ...process.env, TZ: 'UTC', XDG_CACHE_HOME: cache, VIRTWIRE_RUNTIME_DIR: '/nonexistent/vwsh', TERM: 'xterm' });

/** Runs a program and collects its output (asynchronously: the daemon under test lives in this process). */
function run(command: string, args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ stdout, stderr, code }));
    child.stdin.end(input ?? '');
  });
}

/** Runs vwsh with `input` on a pipe and collects what it printed. */
const piped = (input: string) => run(process.execPath, [VWSH, '-c', server.uri()], input);

describe('vwsh interactive', () => {
  it('runs a piped script line by line as virsh does: banner, echoed prompts, errors that do not stop it, quit', async () => {
    const t = await piped('list\nbogus\nsnapshot-create-as test s1 ; snapshot-list test --name\nquit\nlist --all\n');
    expect(t.stderr).toBe("error: unknown command: 'bogus'\n");
    expect(t.stdout).toBe(
      "Welcome to vwsh, the virtualization interactive terminal.\n\nType:  'help' for help with commands\n       'quit' to quit\n\n" +
        'vwsh # list\n Id   Name   State\n----------------------\n 1    test   running\n\n' +
        'vwsh # bogus\n' +
        'vwsh # snapshot-create-as test s1 ; snapshot-list test --name\nDomain snapshot s1 created\ns1\n\n' +
        'vwsh # quit\n\n',
    );
    expect(t.code).toBe(0);
  });

  it('prompts on a terminal, completes commands and options from the command table, and keeps a history', async () => {
    const session = await run(PYTHON, [
      PTY,
      JSON.stringify({
        argv: [process.execPath, VWSH, '-c', server.uri()],
        steps: [
          { waitFor: 'vwsh # ', send: 'li\t' },
          { waitFor: 'list', send: '--al\t' },
          { waitFor: '--all', send: '\r' },
          { waitFor: 'vwsh # ', send: 'domstate test --reason\r' },
          { waitFor: 'vwsh # ', send: '\x1b[A\x1b[A\r' },
          { waitFor: 'vwsh # ', send: 'quit\r' },
        ],
        timeout: 25,
      }),
    ]);
    expect(session.code, session.stderr).toBe(0);
    const { output, status } = JSON.parse(session.stdout) as { output: string; status: number };
    expect(status).toBe(0);
    expect(output).toContain('Welcome to vwsh, the virtualization interactive terminal.');
    // `li<TAB>` became `list `, `--al<TAB>` became `--all `: the table ran twice (the second time from history).
    expect(output).toContain('list --all');
    expect(output.match(/ 1 {4}test {3}running/g)?.length).toBe(2);
    expect(output).toContain('running (unknown)');
    const history = readFileSync(join(cache, 'vwsh', 'history'), 'utf8')
      .split('\n')
      .filter(Boolean);
    expect(history).toEqual(['list --all ', 'domstate test --reason', 'list --all ', 'quit']);
  });
});
