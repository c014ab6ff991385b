// The bins load Node's TLS, HTTP, zlib, child-process and readline built-ins on first use (scripts/lazy-builtins.mjs), and a vwsh that loaded TLS late still trusts NODE_EXTRA_CA_CERTS.
import { generateToken, startDaemon, tokenEntry, type Daemon } from '@virtwire/server';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnVirtwired } from '../helpers/daemon-process.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTlsFixtures, type TlsFixtures } from '../security/support/tls-fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VWSH = join(ROOT, 'packages/cli/bin/vwsh.js');
const run = promisify(execFile);

let dir: string;
/** A module run before the bin (`node -r`): writes the built-ins the process loaded, as it exits, to $LOADED_BUILTINS_FILE. */
let recorder: string;

beforeAll(async () => {
  await run('npm', ['run', '--silent', 'build'], { cwd: ROOT });
  dir = mkdtempSync(join(tmpdir(), 'lazy-builtins-'));
  recorder = join(dir, 'record-builtins.cjs');
  writeFileSync(
    recorder,
    `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_BUILTINS_FILE, process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join('\\n')));\n`,
  );
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node -r recorder bin args` with `env` added; resolves with its output, status and the built-ins it loaded. */
async function runRecorded(bin: string, args: string[], env: Record<string, string | undefined> = {}) {
  const file = join(dir, `loaded-${Math.random().toString(36).slice(2)}`);
  const options = { cwd: tmpdir(), env: { ...process.env, ...env, LOADED_BUILTINS_FILE: file } };
  let result: { stdout: string; stderr: string; code: number };
  try {
    result = { ...(await run(process.execPath, ['-r', recorder, bin, ...args], options)), code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    result = { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
  return { ...result, loaded: readFileSync(file, 'utf8').split('\n') };
}

describe('vwsh', () => {
  it('prints its version without loading TLS, HTTP, zlib, child processes or readline', async () => {
    const { stdout, code, loaded } = await runRecorded(VWSH, ['--version']);
    expect({ stdout, code }).toEqual({ stdout: '0.1.0\n', code: 0 });
    expect(loaded).toContain('vm');
    // (net is loaded here by Node itself: the test reads vwsh's output through a pipe, which is a net.Socket.)
    for (const builtin of ['tls', 'https', 'http', 'zlib', 'child_process', 'readline']) expect(loaded, builtin).not.toContain(builtin);
  });

  describe('over wss:// to a daemon whose CA only NODE_EXTRA_CA_CERTS names', () => {
    let tls: TlsFixtures;
    let daemon: Daemon;
    let uri: string;
    const token = generateToken();
    beforeAll(async () => {
      tls = makeTlsFixtures();
      writeFileSync(join(dir, 'ca.pem'), tls.ca);
      daemon = await startDaemon({
        listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0, tls: { cert: tls.serverCert, key: tls.serverKey } }],
        stateDir: join(dir, 'state'),
        tokens: [tokenEntry(token, 'rw', 'admin')],
        logLevel: 'silent',
      });
      uri = `test+wss://127.0.0.1:${daemon.addresses[0]!.split(':').pop()}/default`;
    });
    afterAll(async () => {
      await daemon?.close();
    });

    it('connects, loading TLS only then, and trusts the CA', async () => {
      const listed = await runRecorded(VWSH, ['-c', uri, 'list', '--all'], { VIRTWIRE_TOKEN: token, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') });
      expect(listed.stderr).toBe('');
      expect(listed.stdout).toMatch(/^ 1 +test +running$/m);
      expect(listed.code).toBe(0);
      expect(listed.loaded).toContain('tls');
    });

    it('refuses the certificate without it', async () => {
      const refused = await runRecorded(VWSH, ['-c', uri, 'list', '--all'], { VIRTWIRE_TOKEN: token, NODE_EXTRA_CA_CERTS: undefined });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/certificate/i);
    });
  });
});

describe('virtwired', () => {
  it('starts and answers over its unix socket without loading TLS, HTTPS, zlib or readline', async () => {
    const socket = join(dir, 'sock');
    const file = join(dir, 'daemon-loaded');
    const daemon = await spawnVirtwired(
      ['--unix', socket, '--unix-ro', `${socket}-ro`, '--state-dir', join(dir, 'daemon-state'), '--no-local-token', '--log-level', 'info'],
      { nodeArgs: ['-r', recorder], cwd: tmpdir(), env: { ...process.env, LOADED_BUILTINS_FILE: file } },
    );
    try {
      const { stdout } = await run(process.execPath, [VWSH, '-c', `test+unix:///default?socket=${socket}`, 'list', '--all']);
      expect(stdout).toMatch(/^ 1 +test +running$/m);
    } finally {
      await daemon.stop();
    }
    const loaded = readFileSync(file, 'utf8').split('\n');
    expect(loaded).toContain('http');
    for (const builtin of ['tls', 'https', 'zlib', 'readline']) expect(loaded, builtin).not.toContain(builtin);
  });
});
